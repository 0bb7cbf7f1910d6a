// Which input changes replace a resource rather than update it in place, for every resource type
// berth makes, and the pure decision a plan (test/support/plan.ts) takes from them. The table is
// read from each provider's source, cited per type; input paths are Pulumi's camelCase names of
// the provider's fields. A type missing from the table stops the plan: a new resource type must be
// looked up, not guessed.
//
// Not modelled: a provider's DiffSuppressFunc (an equivalent policy JSON is no change to AWS, but a
// textual change here), and set semantics (a reordered ingress list counts as a change). Both can
// only make a plan show more changes than `pulumi up` would, never fewer.

type Inputs = Readonly<Record<string, unknown>>;

export interface ReplaceRule {
  /** Paths whose change forces a new resource (the provider schema's `ForceNew: true`). */
  readonly forceNew: readonly string[];
  /** Paths that force a new resource only under a condition (the schema's CustomizeDiff). */
  readonly forceNewIf?: (before: Inputs, after: Inputs) => readonly string[];
  /** Where the table comes from. */
  readonly source: string;
}

const TF = 'hashicorp/terraform-provider-aws';

export const REPLACE_FIELDS: Readonly<Record<string, ReplaceRule>> = {
  'aws:ec2/instance:Instance': {
    // In place: instanceType (stop, ModifyInstanceAttribute, start: resourceInstanceUpdate),
    // vpcSecurityGroupIds, iamInstanceProfile, metadataOptions, tags, and of rootBlockDevice its
    // volumeSize, volumeType, iops, throughput, deleteOnTermination and tags.
    forceNew: [
      'ami', 'associatePublicIpAddress', 'availabilityZone', 'subnetId', 'privateIp', 'keyName', 'tenancy', 'hostId',
      'placementGroup', 'placementPartitionNumber', 'ebsOptimized', 'hibernation', 'launchTemplate', 'securityGroups',
      'ipv6Addresses', 'ipv6AddressCount', 'cpuCoreCount', 'cpuThreadsPerCore', 'cpuOptions.amdSevSnp', 'cpuOptions.coreCount',
      'cpuOptions.threadsPerCore', 'enclaveOptions.enabled', 'privateDnsNameOptions', 'ephemeralBlockDevices',
      'rootBlockDevice.encrypted', 'rootBlockDevice.kmsKeyId', 'ebsBlockDevices',
    ],
    // userData and userDataBase64 are updated in place (stop, modify, start) unless
    // userDataReplaceOnChange: customdiff.ForceNewIf("user_data"/"user_data_base64", ...).
    forceNewIf: (_before, after) => (after.userDataReplaceOnChange === true ? ['userData', 'userDataBase64'] : []),
    source: `${TF} internal/service/ec2/ec2_instance.go (schema and resourceInstanceUpdate)`,
  },
  'aws:ec2/securityGroup:SecurityGroup': {
    // ingress and egress are nested rule sets the provider updates in place (updateSecurityGroupRules).
    forceNew: ['description', 'name', 'namePrefix', 'vpcId'],
    source: `${TF} internal/service/ec2/vpc_security_group.go`,
  },
  'aws:ebs/volume:Volume': {
    // size, type, iops and throughput are ModifyVolume (resourceEBSVolumeUpdate).
    forceNew: ['availabilityZone', 'encrypted', 'kmsKeyId', 'multiAttachEnabled', 'outpostArn', 'snapshotId'],
    source: `${TF} internal/service/ec2/ebs_volume.go`,
  },
  'aws:dlm/lifecyclePolicy:LifecyclePolicy': {
    // Everything else is UpdateLifecyclePolicy (description, execution_role_arn, state,
    // policy_details; resourceLifecyclePolicyUpdate). Of policy_details only the schedules'
    // copy_tags is ForceNew (schema, read at a 2021 copy); a newer schema may add more.
    forceNew: ['policyDetails.schedules.*.copyTags'],
    source: `${TF} internal/service/dlm/lifecycle_policy.go`,
  },
  'aws:ec2/volumeAttachment:VolumeAttachment': {
    // forceDetach, skipDestroy and stopInstanceBeforeDetaching only change what a delete does.
    forceNew: ['deviceName', 'instanceId', 'volumeId'],
    source: `${TF} internal/service/ec2/ebs_volume_attachment.go`,
  },
  'aws:ec2/eip:Eip': {
    // instance is re-associated in place (resourceEIPUpdate: disassociate, associate).
    forceNew: ['address', 'domain', 'ipamPoolId', 'networkBorderGroup', 'publicIpv4Pool'],
    source: `${TF} internal/service/ec2/ec2_eip.go`,
  },
  'aws:ssm/parameter:Parameter': {
    // value, type, description, tier up are PutParameter with Overwrite (a new version).
    forceNew: ['name', 'dataType'],
    // "You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier".
    forceNewIf: (before, after) => (before.tier === 'Advanced' && after.tier === 'Standard' ? ['tier'] : []),
    source: `${TF} internal/service/ssm/parameter.go`,
  },
  'aws:ssm/document:Document': {
    // content is UpdateDocument (a new version, made the default), in place.
    forceNew: ['name'],
    source: `${TF} internal/service/ssm/document.go`,
  },
  'aws:ssm/association:Association': {
    // name is the document's name; parameters, targets, documentVersion and associationName are
    // UpdateAssociation (a new association version: berth replaces it instead, replaceOnChanges).
    forceNew: ['name', 'instanceId'],
    source: `${TF} internal/service/ssm/association.go`,
  },
  'aws:iam/role:Role': {
    forceNew: ['name', 'namePrefix', 'path'],
    source: `${TF} internal/service/iam/role.go`,
  },
  'aws:iam/rolePolicy:RolePolicy': {
    // policy is PutRolePolicy again, in place.
    forceNew: ['name', 'namePrefix', 'role'],
    source: `${TF} internal/service/iam/role_policy.go`,
  },
  'aws:iam/rolePolicyAttachment:RolePolicyAttachment': {
    forceNew: ['role', 'policyArn'],
    source: `${TF} internal/service/iam/role_policy_attachment.go`,
  },
  'aws:iam/instanceProfile:InstanceProfile': {
    // role is RemoveRoleFromInstanceProfile + AddRoleToInstanceProfile, in place.
    forceNew: ['name', 'namePrefix', 'path'],
    source: `${TF} internal/service/iam/instance_profile.go`,
  },
  // --- fleet mode (issue 14) ---------------------------------------------------------------------
  'aws:ec2/launchTemplate:LaunchTemplate': {
    // Every other change is CreateLaunchTemplateVersion (a new version; with updateDefaultVersion
    // also ModifyLaunchTemplate), in place: resourceLaunchTemplateUpdate.
    forceNew: ['name', 'namePrefix'],
    source: `${TF} internal/service/ec2/ec2_launch_template.go (as known; not re-read for issue 14)`,
  },
  'aws:autoscaling/group:Group': {
    // UpdateAutoScalingGroup takes the sizes, subnets, launch template, health check and the rest;
    // a launch template change then starts an instance refresh when instanceRefresh is set
    // (resourceGroupUpdate); target groups are Attach/DetachLoadBalancerTargetGroups.
    forceNew: ['name', 'namePrefix'],
    source: `${TF} internal/service/autoscaling/group.go (as known; not re-read for issue 14)`,
  },
  'aws:autoscaling/policy:Policy': {
    // PutScalingPolicy again for any other change (resourcePolicyUpdate).
    forceNew: ['autoscalingGroupName', 'name'],
    source: `${TF} internal/service/autoscaling/policy.go (as known; not re-read for issue 14)`,
  },
  'aws:lb/loadBalancer:LoadBalancer': {
    // Subnets and security groups are SetSubnets/SetSecurityGroups, attributes
    // ModifyLoadBalancerAttributes, in place for an ALB; the CustomizeDiff that forces a new
    // network load balancer on removed subnets or groups (customizeDiffLoadBalancerNLB) does not
    // apply to an ALB.
    forceNew: ['name', 'namePrefix', 'internal', 'loadBalancerType', 'customerOwnedIpv4Pool'],
    source: `${TF} internal/service/elbv2/load_balancer.go`,
  },
  'aws:lb/targetGroup:TargetGroup': {
    // The health check is ModifyTargetGroup, deregistrationDelay, slowStart and stickiness
    // ModifyTargetGroupAttributes, in place.
    forceNew: ['name', 'namePrefix', 'port', 'protocol', 'protocolVersion', 'targetType', 'vpcId', 'ipAddressType'],
    source: `${TF} internal/service/elbv2/target_group.go`,
  },
  'aws:lb/listener:Listener': {
    // Port, protocol, certificate, SSL policy and actions are ModifyListener, in place.
    forceNew: ['loadBalancerArn'],
    source: `${TF} internal/service/elbv2/listener.go (as known; not re-read for issue 14)`,
  },
  'aws:rds/instance:Instance': {
    // ModifyDBInstance takes the class, storage, engine version, backups, windows, security groups,
    // subnet group, deletion protection and the managed password. identifier is no longer ForceNew
    // since the provider's 5.0.0 (hashicorp/terraform-provider-aws#31232: ModifyDBInstance
    // NewDBInstanceIdentifier); the stored copy of instance.go read here (2022) predates it.
    forceNew: [
      'availabilityZone', 'characterSetName', 'customIamInstanceProfile', 'dbName', 'engine', 'kmsKeyId',
      'ncharCharacterSetName', 'restoreToPointInTime', 's3Import', 'snapshotIdentifier', 'storageEncrypted', 'timezone', 'username',
    ],
    source: `${TF} internal/service/rds/instance.go (schema), v5.0.0 changelog for identifier`,
  },
  'aws:rds/subnetGroup:SubnetGroup': {
    // description and subnetIds are ModifyDBSubnetGroup (resourceSubnetGroupUpdate).
    forceNew: ['name', 'namePrefix'],
    source: `${TF} internal/service/rds/subnet_group.go`,
  },
  'aws:acm/certificate:Certificate': {
    // options is UpdateCertificateOptions; tags and earlyRenewalDuration in place.
    forceNew: ['certificateAuthorityArn', 'domainName', 'keyAlgorithm', 'subjectAlternativeNames', 'validationMethod', 'validationOptions'],
    source: `${TF} internal/service/acm/certificate.go`,
  },
  'aws:acm/certificateValidation:CertificateValidation': {
    // The resource has no Update: both arguments force a new one.
    forceNew: ['certificateArn', 'validationRecordFqdns'],
    source: `${TF} internal/service/acm/certificate_validation.go (as known; not re-read for issue 14)`,
  },
  'aws:route53/record:Record': {
    // A changed type or values is a ChangeResourceRecordSets (DELETE and CREATE, or UPSERT) inside
    // Update (resourceRecordUpdate): in place to Pulumi.
    forceNew: ['name', 'zoneId'],
    source: `${TF} internal/service/route53/record.go`,
  },
  'aws:cloudwatch/logGroup:LogGroup': {
    // retentionInDays is PutRetentionPolicy/DeleteRetentionPolicy, kmsKeyId Associate/DisassociateKmsKey.
    forceNew: ['name', 'namePrefix', 'logGroupClass'],
    source: `${TF} internal/service/logs/group.go`,
  },
  'docker:index/image:Image': {
    // The provider's Check adds build.contextDigest (a hash of the build context) and its Diff
    // answers every change as an update that builds and pushes again, never a replacement; a
    // changed registry username or password is no change at all.
    forceNew: [],
    source: 'pulumi/pulumi-docker provider/provider.go (dockerNativeProvider Check, Diff, diffUpdates)',
  },
  'command:local:Command': {
    // "The resource will be updated (or replaced) if any of these values change. If the update
    // command was provided the resource will be updated, otherwise it will be replaced using the
    // create command" (berth gives no update command); the SDK itself adds
    // replaceOnChanges: ["triggers[*]"], which the plan sees among the options. A change of
    // create or environment is an update, which runs create again.
    forceNew: ['triggers'],
    source: '@pulumi/command 1.2.1 local/command.d.ts (triggers, update) and local/command.js',
  },
};

/** One segment of a property path: a key, an index, or `*` (any index, any key). */
const segments = (path: string): string[] => path.replace(/\[("?)([^\]"]*)\1\]/g, '.$2').split('.').filter(Boolean);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const absent = (v: unknown) => v === undefined || v === null;
const keyPath = (base: string, key: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? (base ? `${base}.${key}` : key) : `${base}["${key}"]`);

/** The paths where two plain input values differ, down to the leaves (an absent and a null are the same). */
export function changedPaths(before: unknown, after: unknown, path = ''): string[] {
  if (absent(before) && absent(after)) return [];
  if (Array.isArray(before) && Array.isArray(after)) {
    return Array.from({ length: Math.max(before.length, after.length) }, (_, i) => changedPaths(before[i], after[i], `${path}[${i}]`)).flat();
  }
  if (isRecord(before) && isRecord(after)) {
    return [...new Set([...Object.keys(before), ...Object.keys(after)])].sort().flatMap((key) => changedPaths(before[key], after[key], keyPath(path, key)));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [path];
}

/** Whether a change at `path` falls under `pattern` (a replaceOnChanges or ForceNew path): at it,
 * below it, or above it (the whole block went or came). `*` alone covers everything. */
export function covers(pattern: string, path: string): boolean {
  if (pattern === '*') return true;
  const want = segments(pattern);
  const got = segments(path);
  return want.slice(0, got.length).every((w, i) => w === '*' || w === got[i]) && got.slice(0, want.length).every((g, i) => want[i] === '*' || want[i] === g);
}

export interface Decision {
  readonly op: 'same' | 'update' | 'replace';
  /** Every changed input path. */
  readonly fields: readonly string[];
  /** The changed paths that force the replacement. */
  readonly replaceKeys: readonly string[];
}

/**
 * What `pulumi up` does to an existing resource given its prior inputs and its new ones (after
 * ignoreChanges): nothing, an update in place, or a replacement, which a change forces when the
 * provider marks its field ForceNew or the resource lists it in replaceOnChanges.
 */
export function decide(type: string, before: Inputs, after: Inputs, replaceOnChanges: readonly string[] = []): Decision {
  const rule = REPLACE_FIELDS[type];
  if (!rule) throw new Error(`plan: no replace-field table for ${type}; read its provider's schema and add it to test/support/replace-fields.ts`);
  const fields = changedPaths(before, after);
  const forcing = [...rule.forceNew, ...(rule.forceNewIf?.(before, after) ?? []), ...replaceOnChanges];
  const replaceKeys = fields.filter((field) => forcing.some((pattern) => covers(pattern, field)));
  return { op: fields.length === 0 ? 'same' : replaceKeys.length > 0 ? 'replace' : 'update', fields, replaceKeys };
}
