// The IAM documents of berth's CI roles, as plain data: who may assume each role (the trust
// policy, pinned to one repository and one kind of GitHub job by the OIDC token's `sub` claim) and
// what it may do there. index.ts only wires them into roles; test/unit/workflows.test.ts reads them
// as policy. Two roles, because a pull request's preview runs code nobody has reviewed yet:
//
//   preview  assumed by pull-request jobs (`repo:OWNER/NAME:pull_request`): reads only
//            (ec2:Describe*), enough for `pulumi preview` of berth's program;
//   deploy   assumed only by jobs in the protected environment (`repo:OWNER/NAME:environment:production`):
//            makes and changes exactly the kinds of resources berth's program makes, named as it
//            names them, in one region.

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
export const STS_AUDIENCE = 'sts.amazonaws.com';
export const PREVIEW_ROLE_NAME = 'github-actions-berth-preview';
export const DEPLOY_ROLE_NAME = 'github-actions-berth-deploy';

/** What berth's program names things (index.ts: project `berth`, components named `berth`). */
export const BERTH = {
  /** infra/host.ts: the instance role and profile, autonamed `berth-role-xxxxxxx`, `berth-profile-xxxxxxx`. */
  rolePrefix: 'berth-role-',
  profilePrefix: 'berth-profile-',
  /** index.ts: SSM parameters under `/<project>/<stack>/`. */
  parameterPath: (stack: string) => `/berth/${stack}/`,
  /** The only managed policy the instance role gets. */
  managedPolicy: (partition: string) => `arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
};

export interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string | string[];
  Resource?: string | string[];
  Principal?: Record<string, string>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Statement[];
}

export interface Target {
  /** owner/name of the GitHub repository whose workflows assume the roles. */
  readonly repository: string;
  /** The protected GitHub environment the deploy job runs in. */
  readonly environment: string;
  /** AWS account id (12 digits). */
  readonly account: string;
  readonly region: string;
  /** The berth stack the deploy role manages (its short name: `production`, not `org/berth/production`). */
  readonly stack: string;
  readonly partition?: string;
}

/** Every problem with the target, one line each, naming the config key and the fix. */
export function checkTarget(t: Omit<Target, 'account'> & { account?: string }): string[] {
  const problems: string[] = [];
  // GitHub owner and repository names: letters, digits, `-`, `_`, `.`; no wildcards.
  if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(t.repository)) {
    problems.push(`githubRepository: must be owner/name, such as acme/berth (no wildcards); got ${JSON.stringify(t.repository)}`);
  }
  if (!/^[A-Za-z0-9._-]+$/.test(t.environment)) {
    problems.push(`environment: must be a GitHub environment name such as production (no wildcards); got ${JSON.stringify(t.environment)}`);
  }
  if (t.account !== undefined && !/^\d{12}$/.test(t.account)) problems.push(`account: must be a 12-digit AWS account id; got ${JSON.stringify(t.account)}`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(t.region)) problems.push(`aws:region: must be a region such as us-east-1; got ${JSON.stringify(t.region)}`);
  if (!/^[A-Za-z0-9._-]+$/.test(t.stack)) {
    problems.push(`berthStack: must be the berth stack's short name, such as production (not org/berth/production); got ${JSON.stringify(t.stack)}`);
  }
  return problems;
}

/** The `sub` claim of a GitHub job triggered by a pull request (no environment). */
export const previewSubject = (repository: string) => `repo:${repository}:pull_request`;
/** The `sub` claim of a GitHub job that runs in an environment, whatever its trigger. */
export const deploySubject = (repository: string, environment: string) => `repo:${repository}:environment:${environment}`;

/** Trust policy: GitHub's OIDC tokens for exactly this audience and subject, nothing else. */
export function trustPolicy(providerArn: string, subject: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'GitHubActionsOidc',
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: subject,
          },
        },
      },
    ],
  };
}

const inRegion = (region: string) => ({ StringEquals: { 'aws:RequestedRegion': region } });

/** `pulumi preview` of berth's program: its lookups (VPC, subnet, AMI, instance type offerings). */
export function previewPolicy(t: Target): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'LookUpOnly', Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*', Condition: inRegion(t.region) }],
  };
}

/** `pulumi up` (and destroy) of berth's program: what infra/host.ts makes, and nothing else. */
export function deployPolicy(t: Target): PolicyDocument {
  const partition = t.partition ?? 'aws';
  const iam = (kind: string, name: string) => `arn:${partition}:iam::${t.account}:${kind}/${name}`;
  const hostRoles = iam('role', `${BERTH.rolePrefix}*`);
  const hostProfiles = iam('instance-profile', `${BERTH.profilePrefix}*`);
  const parameters = `arn:${partition}:ssm:${t.region}:${t.account}:parameter${BERTH.parameterPath(t.stack)}*`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'LookUp', Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*', Condition: inRegion(t.region) },
      {
        Sid: 'HostNetworkStorageAndInstance',
        Effect: 'Allow',
        Action: [
          // the security group
          'ec2:CreateSecurityGroup',
          'ec2:DeleteSecurityGroup',
          'ec2:AuthorizeSecurityGroupIngress',
          'ec2:AuthorizeSecurityGroupEgress',
          'ec2:RevokeSecurityGroupIngress',
          'ec2:RevokeSecurityGroupEgress',
          'ec2:UpdateSecurityGroupRuleDescriptionsIngress',
          'ec2:UpdateSecurityGroupRuleDescriptionsEgress',
          'ec2:ModifySecurityGroupRules',
          // the data volume and its attachment
          'ec2:CreateVolume',
          'ec2:DeleteVolume',
          'ec2:ModifyVolume',
          'ec2:AttachVolume',
          'ec2:DetachVolume',
          // the instance (a new release is a user-data change: stop, modify, start)
          'ec2:RunInstances',
          'ec2:StartInstances',
          'ec2:StopInstances',
          'ec2:TerminateInstances',
          'ec2:ModifyInstanceAttribute',
          'ec2:ModifyInstanceMetadataOptions',
          'ec2:ModifyInstanceCreditSpecification',
          'ec2:ModifyInstanceMaintenanceOptions',
          // the Elastic IP
          'ec2:AllocateAddress',
          'ec2:ReleaseAddress',
          'ec2:AssociateAddress',
          'ec2:DisassociateAddress',
          // tags on all of them
          'ec2:CreateTags',
          'ec2:DeleteTags',
        ],
        Resource: '*',
        Condition: inRegion(t.region),
      },
      {
        Sid: 'HostRoleAndProfile',
        Effect: 'Allow',
        Action: [
          'iam:CreateRole',
          'iam:DeleteRole',
          'iam:GetRole',
          'iam:UpdateRole',
          'iam:UpdateRoleDescription',
          'iam:UpdateAssumeRolePolicy',
          'iam:TagRole',
          'iam:UntagRole',
          'iam:ListRolePolicies',
          'iam:ListAttachedRolePolicies',
          'iam:ListInstanceProfilesForRole',
          'iam:PutRolePolicy',
          'iam:GetRolePolicy',
          'iam:DeleteRolePolicy',
          'iam:CreateInstanceProfile',
          'iam:DeleteInstanceProfile',
          'iam:GetInstanceProfile',
          'iam:TagInstanceProfile',
          'iam:UntagInstanceProfile',
          'iam:AddRoleToInstanceProfile',
          'iam:RemoveRoleFromInstanceProfile',
        ],
        Resource: [hostRoles, hostProfiles],
      },
      {
        Sid: 'HostRoleGetsSessionManagerOnly',
        Effect: 'Allow',
        Action: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
        Resource: hostRoles,
        Condition: { ArnEquals: { 'iam:PolicyARN': BERTH.managedPolicy(partition) } },
      },
      {
        Sid: 'PassHostRoleToEc2Only',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: hostRoles,
        Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      },
      {
        // SecureStrings with the AWS-managed key aws/ssm, whose key policy lets SSM use it for any
        // principal of the account allowed the parameter: no kms statement needed.
        Sid: 'ThisStacksParameters',
        Effect: 'Allow',
        Action: [
          'ssm:PutParameter',
          'ssm:GetParameter',
          'ssm:GetParameters',
          'ssm:DeleteParameter',
          'ssm:DeleteParameters',
          'ssm:AddTagsToResource',
          'ssm:RemoveTagsFromResource',
          'ssm:ListTagsForResource',
        ],
        Resource: parameters,
      },
      { Sid: 'DescribeParameters', Effect: 'Allow', Action: 'ssm:DescribeParameters', Resource: '*', Condition: inRegion(t.region) },
    ],
  };
}
