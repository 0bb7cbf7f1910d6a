// The IAM documents of berth's CI roles, as plain data: who may assume each role (the trust
// policy, pinned to one repository and one kind of GitHub job by the OIDC token's `sub` claim) and
// what it may do there, built from the one table of the API calls berth's program makes
// (infra/aws/iam-actions.ts). index.ts only wires them into roles; test/unit/ci-roles.test.ts reads
// them as policy, against what the program registers under Pulumi's mocks. Two roles, because a
// pull request's preview runs code nobody has reviewed yet:
//
//   preview  assumed by pull-request jobs (`repo:OWNER/NAME:pull_request`): the table's reads (the
//            data sources `pulumi preview` calls, and every type's Read, so `--refresh` works too),
//            none that returns a secret's value;
//   deploy   assumed only by jobs in the protected environment (`repo:OWNER/NAME:environment:production`):
//            every call of the table, on resources named as berth names them, in one region; host
//            roles only inside the permissions boundary below, which it may never remove or change.
//
// And the boundary itself: a managed policy that caps what any host role may ever do (Session
// Manager and State Manager, and reading this stack's parameters), so code merged to main cannot
// use the deploy role to make a host role that reaches further than that.
import {
  type ArnKind,
  DATA_SOURCE_ACTIONS,
  RESOURCE_ACTIONS,
  REVEALS_SECRETS,
  SSM_MANAGED_INSTANCE_CORE,
  actionsOf,
  scopeOf,
} from '../../infra/aws/iam-actions.js';
import { dlmRolePolicy } from '../../infra/aws/dlm.js';
import { HOST_NAME_PREFIXES, hostBoundaryPolicyArn, hostBoundaryPolicyName, parameterPath, ssmManagedInstanceCoreArn } from '../../infra/aws/names.js';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
export const STS_AUDIENCE = 'sts.amazonaws.com';
export const PREVIEW_ROLE_NAME = 'github-actions-berth-preview';
export const DEPLOY_ROLE_NAME = 'github-actions-berth-deploy';

export interface Statement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: string | string[];
  Principal?: Record<string, string>;
  /** operator → condition key → value(s). */
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


// ---------------------------------------------------------------------------------------------
// What the roles may do: the table's actions, each granted as narrowly as IAM lets it be.

const partitionOf = (t: Target) => t.partition ?? 'aws';
const inRegion = (region: string) => ({ StringEquals: { 'aws:RequestedRegion': region } });

/** The managed policy every host role must carry as its permissions boundary (made by index.ts). */
export const hostBoundaryArn = (t: Target) => hostBoundaryPolicyArn(partitionOf(t), t.account, t.stack);
export const hostBoundaryName = (t: Target) => hostBoundaryPolicyName(t.stack);

/** What each ARN kind of the table narrows to: the names berth gives its resources (infra/aws/names.ts). */
export function arnPatterns(t: Target): Record<ArnKind, string> {
  const p = partitionOf(t);
  const ssm = `arn:${p}:ssm:${t.region}:${t.account}`;
  return {
    parameter: `${ssm}:parameter${parameterPath(t.stack)}*`,
    document: `${ssm}:document/${HOST_NAME_PREFIXES.document}*`,
    // Association ids are random UUIDs: any association of the account in the region, but only of
    // berth's documents (CreateAssociation is also authorized against the document).
    association: `${ssm}:association/*`,
    instance: `arn:${p}:ec2:${t.region}:${t.account}:instance/*`,
    role: `arn:${p}:iam::${t.account}:role/${HOST_NAME_PREFIXES.role}*`,
    'instance-profile': `arn:${p}:iam::${t.account}:instance-profile/${HOST_NAME_PREFIXES.instanceProfile}*`,
    // Fleet mode (issue 14). Service-linked roles live under /aws-service-role/<service>/; which
    // services is the condition's business (FLEET_SERVICE_LINKED_ROLES).
    'service-linked-role': `arn:${p}:iam::${t.account}:role/aws-service-role/*`,
    // Route 53 is global: its ARNs have no region or account. The zone is the stack's
    // berth:hostedZoneId, which this program does not know: any zone of the account.
    'hosted-zone': `arn:${p}:route53:::hostedzone/*`,
    'dns-change': `arn:${p}:route53:::change/*`,
    // RDS names the secrets it manages rds!db-<uuid> (RDS User Guide, Password management with
    // Secrets Manager); Secrets Manager adds a random suffix to every secret ARN.
    'rds-secret': `arn:${p}:secretsmanager:${t.region}:${t.account}:secret:rds!*`,
  };
}

/**
 * IAM actions on host roles, by what they can do to a role's reach. Every role action of the table
 * must be in exactly one class (policy() throws otherwise), so a new one is a decision, not a default.
 */
export const ROLE_ACTION_CLASS: Readonly<Record<string, 'read' | 'metadata' | 'widening' | 'attach' | 'detach' | 'pass'>> = {
  'iam:GetRole': 'read', 'iam:ListRolePolicies': 'read', 'iam:GetRolePolicy': 'read', 'iam:ListAttachedRolePolicies': 'read',
  'iam:ListInstanceProfilesForRole': 'read',
  // Take rights away, or change what grants none (a description, tags, the session length).
  'iam:DeleteRolePolicy': 'metadata', 'iam:DeleteRole': 'metadata', 'iam:UpdateRoleDescription': 'metadata',
  'iam:UpdateRole': 'metadata', 'iam:TagRole': 'metadata', 'iam:UntagRole': 'metadata',
  // Could grant a role more, or let someone else assume it: only on a role whose boundary is the
  // stack's (iam:PermissionsBoundary: the boundary in the request for CreateRole and
  // PutRolePermissionsBoundary, the role's own for the rest; SAR, IAM's condition keys).
  'iam:CreateRole': 'widening', 'iam:PutRolePermissionsBoundary': 'widening', 'iam:PutRolePolicy': 'widening',
  'iam:UpdateAssumeRolePolicy': 'widening',
  'iam:AttachRolePolicy': 'attach', // AmazonSSMManagedInstanceCore only, and only inside the boundary
  'iam:DetachRolePolicy': 'detach',
  'iam:PassRole': 'pass',
};

/**
 * The services whose service-linked role a fleet's first deploy in an account creates: Auto Scaling
 * (AWSServiceRoleForAutoScaling), Elastic Load Balancing (AWSServiceRoleForElasticLoadBalancing) and
 * RDS (AWSServiceRoleForRDS). Each service creates its role when the caller first makes its
 * resource, and needs iam:CreateServiceLinkedRole of the caller for that ("Amazon EC2 Auto Scaling
 * API permissions", "Service-linked roles for Elastic Load Balancing", "Using service-linked roles
 * for Amazon RDS"). Afterwards the call is not made again.
 */
export const FLEET_SERVICE_LINKED_ROLES = ['autoscaling.amazonaws.com', 'elasticloadbalancing.amazonaws.com', 'rds.amazonaws.com'] as const;

/**
 * Actions the provider may call that the deploy role is refused outright, and why. The test holds
 * them denied; every other action of the table must be allowed.
 */
export const FORBIDDEN: Readonly<Record<string, string>> = {
  'iam:DeleteRolePermissionsBoundary':
    'role.go calls it when permissions_boundary is removed from a role: a stack deployed by CI keeps berth:hostRoleBoundary set',
};

interface Grant {
  readonly sid: string;
  readonly resource: string | string[];
  readonly condition?: Statement['Condition'];
}

/** Where one action is granted: its statement's Sid, resources and condition. */
function grantOf(action: string, t: Target): Grant {
  const arns = arnPatterns(t);
  const scope = scopeOf(action);
  if (scope.kind === 'none') {
    // STS answers GetCallerIdentity for anyone; its global endpoint is not "in the region".
    if (action.startsWith('sts:')) return { sid: 'WhoAmI', resource: '*' };
    return { sid: 'LookUpsInTheRegion', resource: '*', condition: inRegion(t.region) };
  }
  if (scope.kind === 'ec2') return { sid: 'Ec2InTheRegion', resource: '*', condition: inRegion(t.region) };
  if (scope.kind === 'fleet') return { sid: 'FleetInTheRegion', resource: '*', condition: inRegion(t.region) };
  if (scope.kind === 'dlm') return { sid: 'BackupPoliciesInTheRegion', resource: '*', condition: inRegion(t.region) };
  const kinds = [...scope.on, ...(scope.with ?? [])];
  const resource = kinds.map((k) => arns[k]);
  if (kinds.length === 1 && kinds[0] === 'role') {
    const boundary = { 'iam:PermissionsBoundary': hostBoundaryArn(t) };
    const ssmCore = { 'iam:PolicyARN': ssmManagedInstanceCoreArn(partitionOf(t)) };
    switch (ROLE_ACTION_CLASS[action]) {
      case 'read':
      case 'metadata':
        return { sid: 'HostRoles', resource };
      case 'widening':
        return { sid: 'HostRolesOnlyInsideTheBoundary', resource, condition: { StringEquals: boundary } };
      case 'attach':
        return { sid: 'HostRoleGetsSessionManagerOnly', resource, condition: { ArnEquals: ssmCore, StringEquals: boundary } };
      case 'detach':
        return { sid: 'HostRoleDropsSessionManager', resource, condition: { ArnEquals: ssmCore } };
      case 'pass':
        // IfExists: the dependent PassRole of AddRoleToInstanceProfile (SAR) may carry no
        // iam:PassedToService (not verified); RunInstances carries ec2.amazonaws.com, and any
        // service that names itself gets nothing. The role's trust policy trusts EC2 alone.
        return { sid: 'PassHostRoleToEc2Only', resource, condition: { StringEqualsIfExists: { 'iam:PassedToService': 'ec2.amazonaws.com' } } };
      default:
        throw new Error(`ci/aws-oidc/policies.ts: ${action} acts on host roles but has no class in ROLE_ACTION_CLASS; decide what it can widen`);
    }
  }
  if (kinds.length === 1 && kinds[0] === 'service-linked-role') {
    // Only the roles of the services a fleet uses, made by AWS on their first use in the account.
    return { sid: 'ServiceLinkedRolesOfTheFleet', resource, condition: { StringEquals: { 'iam:AWSServiceName': [...FLEET_SERVICE_LINKED_ROLES] } } };
  }
  const sids: Record<string, string> = {
    parameter: 'ThisStacksParameters',
    document: 'BerthsDeployDocuments',
    'association,document,instance': 'ReleaseAssociations',
    association: 'ReleaseRuns',
    'parameter,document,association': 'TagsOnBerthsSsmResources',
    'instance-profile': 'HostInstanceProfiles',
    'hosted-zone': 'DnsRecordsInHostedZones',
    'dns-change': 'DnsChanges',
    'rds-secret': 'DatabaseMasterSecretsOfRds',
  };
  const sid = sids[kinds.join(',')];
  if (!sid) throw new Error(`ci/aws-oidc/policies.ts: no statement for ${action} on ${kinds.join(', ')}`);
  return { sid, resource };
}

/** One Allow statement per grant, the table's actions sorted into them. */
function allow(actions: readonly string[], t: Target): Statement[] {
  const statements = new Map<string, Statement>();
  for (const action of actions) {
    if (action in FORBIDDEN) continue;
    const g = grantOf(action, t);
    const s = statements.get(g.sid) ?? { Sid: g.sid, Effect: 'Allow' as const, Action: [] as string[], Resource: g.resource, ...(g.condition ? { Condition: g.condition } : {}) };
    (s.Action as string[]).push(action);
    statements.set(g.sid, s);
  }
  return [...statements.values()].map((s) => ({ ...s, Action: [...(s.Action as string[])].sort() }));
}

const everyCall = () => [...Object.values(RESOURCE_ACTIONS), ...Object.values(DATA_SOURCE_ACTIONS)];

/** `pulumi up` (and destroy) of berth's program: the table's calls, and nothing else. */
export function deployPolicy(t: Target): PolicyDocument {
  const boundary = hostBoundaryArn(t);
  return {
    Version: '2012-10-17',
    Statement: [
      ...allow(actionsOf(everyCall()), t),
      // Backups (issue 15): the DLM policy's execution role (`berth-role-dlm-…`, inside the host
      // roles' prefix, so made under the same boundary rules) may be passed to DLM, and only to it;
      // the host statement above passes it to EC2 alone, where its trust policy (DLM's) is useless.
      { Sid: 'PassBackupRoleToDlmOnly', Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:${partitionOf(t)}:iam::${t.account}:role/${HOST_NAME_PREFIXES.backupRole}*`, Condition: { StringEquals: { 'iam:PassedToService': 'dlm.amazonaws.com' } } },
      // Belt and braces: whatever is allowed above or added later, no role is created or given a
      // boundary but the stack's, none loses its boundary, and the boundary itself never changes.
      { Sid: 'NoRoleOutsideTheBoundary', Effect: 'Deny', Action: ['iam:CreateRole', 'iam:PutRolePermissionsBoundary'], Resource: '*', Condition: { StringNotEquals: { 'iam:PermissionsBoundary': boundary } } },
      { Sid: 'NoBoundaryRemoved', Effect: 'Deny', Action: Object.keys(FORBIDDEN), Resource: '*' },
      {
        Sid: 'TheBoundaryStaysAsMade',
        Effect: 'Deny',
        Action: ['iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:TagPolicy', 'iam:UntagPolicy'],
        Resource: boundary,
      },
    ],
  };
}

/** The reads `pulumi preview` makes (data sources; every type's Read for `--refresh`), none that reveals a secret. */
export function previewActions(): string[] {
  return actionsOf(everyCall(), ['read']).filter((a) => !(a in REVEALS_SECRETS));
}

export function previewPolicy(t: Target): PolicyDocument {
  return { Version: '2012-10-17', Statement: allow(previewActions(), t) };
}

/**
 * The permissions boundary of every host role: what AmazonSSMManagedInstanceCore gives (the SSM
 * agent, Session Manager, State Manager), with its parameter reads narrowed to this stack, and the
 * decryption those SecureStrings need. A role's effective rights are what both its policies and
 * this allow (IAM User Guide, "Permissions boundaries for IAM entities").
 */
export function boundaryPolicy(t: Target): PolicyDocument {
  const reads = ['ssm:GetParameter', 'ssm:GetParameters'];
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'SsmAgent', Effect: 'Allow', Action: SSM_MANAGED_INSTANCE_CORE.filter((a) => !reads.includes(a)), Resource: '*' },
      { Sid: 'ThisStacksParameters', Effect: 'Allow', Action: reads, Resource: arnPatterns(t).parameter },
      // The SecureStrings use the AWS managed key aws/ssm, whose key policy allows the account's
      // principals through SSM. A boundary also caps what a resource policy grants a role session
      // (the same guide), so the decryption must be inside it; only through SSM in this region.
      // Not verified against AWS: kept this narrow because it grants nothing by itself.
      { Sid: 'DecryptThroughSsm', Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': `ssm.${t.region}.amazonaws.com` } } },
      // Fleet mode (issue 14). A fleet host reads its database's password at release time from the
      // secret RDS manages for it (rds!…, encrypted with the aws/secretsmanager key: the same
      // reasoning as for SSM above puts the decryption through Secrets Manager inside the cap), and
      // its containers write to the stack's log group /berth/<stack> (Docker's awslogs driver:
      // CreateLogStream, PutLogEvents on the group's streams). The host role's own policies name the
      // one secret and the one group; the cap allows RDS's secrets of the region, because the
      // secret's name is RDS's (rds!db-<uuid>) and not known here.
      { Sid: 'DatabaseSecretsOfRds', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: arnPatterns(t)['rds-secret'] },
      { Sid: 'DecryptThroughSecretsManager', Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${t.region}.amazonaws.com` } } },
      // Backups (issue 15): the DLM role carries this boundary too (the deploy role makes roles only
      // with it), so its snapshot rights must fit inside: the stack's tagged volume, new snapshots,
      // tags on snapshots, the stack's tagged snapshots' expiry (infra/aws/dlm.ts, dlmRolePolicy).
      ...dlmRolePolicy(partitionOf(t), t.stack).Statement.map((s) => ({ ...s, Sid: `Backups${s.Sid}` })),
      { Sid: 'ThisStacksLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `arn:${partitionOf(t)}:logs:${t.region}:${t.account}:log-group:${fleetLogGroupName(t.stack)}:*` },
    ],
  };
}

/** The fleet's log group: one per stack, named as its parameters' path (index.ts gives Fleet `/berth/<stack>`). */
export const fleetLogGroupName = (stack: string) => parameterPath(stack).replace(/\/$/, '');
