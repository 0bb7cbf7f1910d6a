// The AWS roles GitHub Actions assumes (ci/aws-oidc/): who may assume them, and what each may do,
// held against what berth's program really makes and calls under Pulumi's mocks, through the one
// table of the provider's API calls (infra/aws/iam-actions.ts), with a small IAM evaluator
// (test/support/iam-policy.ts). Then the permissions boundary that keeps merged code from widening
// its own reach, and ci/aws-oidc's own program under the mocks.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import * as settings from '@pulumi/pulumi/runtime/settings.js';
import * as stackRuntime from '@pulumi/pulumi/runtime/stack.js';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import {
  ACTION_SCOPE,
  type ApiCalls,
  type ArnKind,
  DATA_SOURCE_ACTIONS,
  type LookUp,
  NO_AWS_CALLS,
  type Phase,
  RELEASE_WAITER,
  RESOURCE_ACTIONS,
  REVEALS_SECRETS,
  SSM_MANAGED_INSTANCE_CORE,
  actionsOf,
  scopeOf,
} from '../../infra/aws/iam-actions.js';
import { HOST_NAME_PREFIXES, ssmManagedInstanceCoreArn } from '../../infra/aws/names.js';
import { validateDeployConfig } from '../../infra/config/validate.js';
import { CONFIG_KEYS } from '../../infra/config/read.js';
import {
  DEPLOY_ROLE_NAME,
  FLEET_SERVICE_LINKED_ROLES,
  FORBIDDEN,
  GITHUB_OIDC_HOST,
  PREVIEW_ROLE_NAME,
  type PolicyDocument,
  STS_AUDIENCE,
  type Target,
  boundaryPolicy,
  checkTarget,
  deployPolicy,
  deploySubject,
  hostBoundaryArn,
  previewPolicy,
  previewSubject,
  trustPolicy,
} from '../../ci/aws-oidc/policies.js';
import { type Policy, type Request, decide } from '../support/iam-policy.js';
import { ACCOUNT, type ProgramRun, REGION, plain, runProgram } from '../support/pulumi-mocks.js';
import { pulumiProjectSchemaFile } from '../support/pulumi-schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

const target: Target = { repository: 'acme/berth', environment: 'production', account: ACCOUNT, region: REGION, stack: 'production' };
/** runProgram runs berth's program as stack `dev` (test/support/pulumi-mocks.ts). */
const devTarget: Target = { ...target, stack: 'dev' };
const providerArn = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GITHUB_OIDC_HOST}`;
const actionsIn = (doc: PolicyDocument) => doc.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat());
// IAM, STS and Route 53 are global services: their requests are in us-east-1 whatever the stack's region.
const inRegion = (action: string) => ({ 'aws:RequestedRegion': /^(iam|sts|route53):/.test(action) ? 'us-east-1' : REGION });
const ask = (policy: Policy, action: string, resource: string, context: Request['context'] = {}) =>
  decide(policy, { action, resource, context: { ...inRegion(action), ...context } });

describe('ci/aws-oidc: who may assume the roles', () => {
  it('trusts GitHub OIDC tokens only for STS and exactly one subject, with no wildcard', () => {
    const doc = trustPolicy(providerArn, deploySubject('acme/berth', 'production'));
    expect(doc.Statement).toEqual([
      {
        Sid: 'GitHubActionsOidc',
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': STS_AUDIENCE,
            'token.actions.githubusercontent.com:sub': 'repo:acme/berth:environment:production',
          },
        },
      },
    ]);
    expect(JSON.stringify(doc)).not.toContain('*');
  });

  it('gives pull requests the preview role and only the protected environment the deploy role', () => {
    expect(previewSubject('acme/berth')).toBe('repo:acme/berth:pull_request');
    expect(deploySubject('acme/berth', 'production')).toBe('repo:acme/berth:environment:production');
    // The environment the workflow deploys in is the one the program trusts by default.
    const ci = parse(read('.github/workflows/ci.yml')) as { jobs: Record<string, { environment?: { name: string } }> };
    expect(ci.jobs.deploy!.environment!.name).toBe('production');
    expect(parse(read('ci/aws-oidc/Pulumi.yaml')).config.environment.default).toBe('production');
  });

  it('refuses a repository, environment or stack that is not exactly one name', () => {
    expect(checkTarget(target)).toEqual([]);
    for (const repository of ['acme/*', 'acme', '*', 'acme/berth:ref:refs/heads/main', 'acme/berth/x']) {
      expect(checkTarget({ ...target, repository }).join('\n'), repository).toMatch(/^githubRepository: /);
    }
    expect(checkTarget({ ...target, environment: 'prod*' })[0]).toMatch(/^environment: /);
    expect(checkTarget({ ...target, stack: 'acme/berth/production' })[0]).toMatch(/^berthStack: /);
    expect(checkTarget({ ...target, account: '1234' })[0]).toMatch(/^account: /);
    expect(checkTarget({ ...target, region: 'moon' })[0]).toMatch(/^aws:region: /);
  });
});

// ---------------------------------------------------------------------------------------------
// The evaluator every check below leans on (test/support/iam-policy.ts), held to IAM's rules.

describe('the IAM evaluator reads a policy as IAM does', () => {
  const policy: Policy = {
    Statement: [
      { Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' },
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::1:role/app-*', Condition: { StringEqualsIfExists: { 'iam:PassedToService': 'ec2.amazonaws.com' } } },
      { Effect: 'Deny', Action: 'iam:CreateRole', Resource: '*', Condition: { StringNotEquals: { 'iam:PermissionsBoundary': 'arn:aws:iam::1:policy/b' } } },
      { Effect: 'Allow', Action: 'iam:CreateRole', Resource: '*' },
    ],
  };
  it('an explicit Deny wins, an Allow is needed, anything else is implicitly denied', () => {
    expect(decide(policy, { action: 'EC2:describeVpcs', resource: '*' })).toBe('allow');
    expect(decide(policy, { action: 'ec2:RunInstances', resource: '*' })).toBe('implicit-deny');
    expect(decide(policy, { action: 'iam:CreateRole', resource: 'x', context: { 'iam:PermissionsBoundary': 'arn:aws:iam::1:policy/b' } })).toBe('allow');
    // A negated operator matches a key the request lacks, so the Deny applies.
    expect(decide(policy, { action: 'iam:CreateRole', resource: 'x' })).toBe('deny');
  });
  it('…IfExists passes on an absent key and checks a present one; resources match by wildcard', () => {
    expect(decide(policy, { action: 'iam:PassRole', resource: 'arn:aws:iam::1:role/app-1' })).toBe('allow');
    expect(decide(policy, { action: 'iam:PassRole', resource: 'arn:aws:iam::1:role/app-1', context: { 'iam:PassedToService': 'lambda.amazonaws.com' } })).toBe('implicit-deny');
    expect(decide(policy, { action: 'iam:PassRole', resource: 'arn:aws:iam::1:role/admin', context: { 'iam:PassedToService': 'ec2.amazonaws.com' } })).toBe('implicit-deny');
  });
  it('refuses to guess an operator it does not model', () => {
    const odd: Policy = { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01' } } }] };
    expect(() => decide(odd, { action: 's3:GetObject', resource: '*' })).toThrow(/DateGreaterThan is not modelled/);
  });
});

// ---------------------------------------------------------------------------------------------
// The table itself, as data.

describe('the action table (infra/aws/iam-actions.ts)', () => {
  const entries: (ApiCalls | LookUp)[] = [...Object.values(RESOURCE_ACTIONS), ...Object.values(DATA_SOURCE_ACTIONS)];

  it('gives every action a scope, and keeps no scope for an action nothing calls', () => {
    const used = actionsOf(entries);
    for (const action of used) expect(() => scopeOf(action), action).not.toThrow();
    expect(Object.keys(ACTION_SCOPE).filter((a) => !used.includes(a))).toEqual([]);
    // The scope check means something: an action the table does not know is refused by name.
    expect(() => scopeOf('ec2:CreateVpc')).toThrow(/no scope for ec2:CreateVpc/);
  });

  it('names the provider file each list was read in', () => {
    for (const [type, entry] of Object.entries({ ...RESOURCE_ACTIONS, ...DATA_SOURCE_ACTIONS })) {
      expect(entry.source, type).toMatch(/^internal\/service\/\w+\/\w+\.go|^infra\/release\/waiter\.ts|^hashicorp\/aws-sdk-go-base /);
    }
  });

  it("lists exactly the SSM calls the release waiter sends (every @aws-sdk/client-ssm command it imports)", () => {
    const source = read('infra/release/waiter.ts');
    const imports = /import \{([^}]+)\} from '@aws-sdk\/client-ssm'/.exec(source)![1]!;
    const commands = [...imports.matchAll(/\b(\w+)Command\b/g)].map((m) => `ssm:${m[1]}`).sort();
    expect(commands.length).toBeGreaterThan(3);
    expect([...RELEASE_WAITER.read].sort()).toEqual(commands);
    // The release gate (command:local:Command) runs the waiter with the deploy role's credentials.
    expect(RESOURCE_ACTIONS['command:local:Command']!.create).toEqual(RELEASE_WAITER.read);
  });
});

// ---------------------------------------------------------------------------------------------
// The program under the mocks: what it makes and calls, checked against the table and the roles.

const example = parse(read('Pulumi.example.yaml')).config as Record<string, unknown>;
const exampleConfig = Object.fromEntries(Object.entries(example).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
const SECRET_KEYS = ['berth:registryToken', 'berth:secretEnv'];
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n';
const CI = { 'berth:hostRoleBoundary': hostBoundaryArn(devTarget) };

/** Single host, defaults; every option on with a domain; every option on with a host port. */
const STACKS: Record<string, Record<string, string>> = {
  defaults: { ...CI },
  'https, secrets, Graviton, pinned digest': {
    ...CI,
    'berth:domain': 'notes.example.com',
    'berth:acmeEmail': 'ops@example.com',
    'berth:acmeCaRoot': PEM,
    'berth:secretEnv': JSON.stringify({ API_KEY: 'k', DB_PASSWORD: 'p' }),
    'berth:instanceType': 't4g.small',
    'berth:pinDigest': `sha256:${'e'.repeat(64)}`,
  },
  'host port 8080, secrets, Graviton, pinned digest': {
    ...CI,
    'berth:hostPort': '8080',
    'berth:secretEnv': JSON.stringify({ API_KEY: 'k' }),
    'berth:instanceType': 't4g.small',
    'berth:pinDigest': `sha256:${'e'.repeat(64)}`,
  },
};

async function deploy(overrides: Record<string, string>): Promise<ProgramRun> {
  vi.resetModules();
  return runProgram({ ...exampleConfig, 'berth:registryToken': 'token', ...overrides }, SECRET_KEYS, async () => (await import('../../index.js')) as Record<string, unknown>);
}

/** Types and data sources the run used that the table does not list (nor NO_AWS_CALLS excuse). */
function unlisted(run: ProgramRun, resources = RESOURCE_ACTIONS, lookUps = DATA_SOURCE_ACTIONS): string[] {
  const types = new Set(run.mocks.resources.map((r) => r.type));
  const tokens = new Set(run.mocks.calls.map((c) => c.token));
  return [...[...types].filter((t) => !(t in resources) && !(t in NO_AWS_CALLS)), ...[...tokens].filter((t) => !(t in lookUps))].sort();
}

/** One resource as IAM sees it: the ARNs it and its relations have, and its request context. */
interface Subject {
  readonly type: string;
  readonly name: string;
  readonly arns: Partial<Record<ArnKind, string>>;
  readonly context: Record<string, string | undefined>;
  /** Calls the provider makes only for what this resource lacks (a role with no instance profile). */
  readonly notCalled?: readonly string[];
}

function subjects(run: ProgramRun): Subject[] {
  const regs = run.mocks.resources;
  const input = (r: (typeof regs)[number]) => plain(r.inputs) as Record<string, any>;
  const roles = new Map(regs.filter((r) => r.type === 'aws:iam/role:Role').map((r) => [String(r.state.name), { arn: String(r.state.arn), boundary: input(r).permissionsBoundary as string | undefined }]));
  const profiles = new Map(regs.filter((r) => r.type === 'aws:iam/instanceProfile:InstanceProfile').map((r) => [String(r.state.name), { arn: String(r.state.arn), role: String(input(r).role) }]));
  const documents = new Map(regs.filter((r) => r.type === 'aws:ssm/document:Document').map((r) => [r.id, String(r.state.arn)]));
  const instances = new Map(regs.filter((r) => r.type === 'aws:ec2/instance:Instance').map((r) => [r.id, { arn: String(r.state.arn), profile: String(input(r).iamInstanceProfile) }]));
  const roleOf = (name: string) => ({ role: roles.get(name)?.arn, boundary: roles.get(name)?.boundary });
  const associations = new Map(
    regs.filter((r) => r.type === 'aws:ssm/association:Association').map((r) => {
      const i = input(r);
      return [r.id, { association: String(r.state.arn), document: documents.get(String(i.name)), instance: instances.get(i.targets[0].values[0])?.arn }];
    }),
  );
  return regs
    .filter((r) => r.type in RESOURCE_ACTIONS)
    .map((r): Subject => {
      const i = input(r);
      const base = { type: r.type, name: r.name };
      switch (r.type) {
        case 'aws:ssm/parameter:Parameter':
          return { ...base, arns: { parameter: String(r.state.arn) }, context: {} };
        case 'aws:ssm/document:Document':
          return { ...base, arns: { document: String(r.state.arn) }, context: {} };
        case 'aws:ssm/association:Association':
          return { ...base, arns: associations.get(r.id)!, context: {} };
        case 'command:local:Command':
          // The release gate waits for the association it is given (infra/release/gate.ts).
          return { ...base, arns: associations.get(String(i.environment?.BERTH_ASSOCIATION_ID)) ?? {}, context: {} };
        case 'aws:iam/role:Role': {
          const { role, boundary } = roleOf(String(r.state.name));
          const profile = [...profiles.values()].find((p) => p.role === r.state.name);
          // The DLM role (backups) is in no profile: deleteRoleInstanceProfiles removes the role
          // from the profiles ListInstanceProfilesForRole finds (role.go), here none.
          return { ...base, arns: { role, 'instance-profile': profile?.arn }, context: { 'iam:PermissionsBoundary': boundary }, ...(profile ? {} : { notCalled: ['iam:RemoveRoleFromInstanceProfile'] }) };
        }
        case 'aws:iam/rolePolicy:RolePolicy':
        case 'aws:iam/rolePolicyAttachment:RolePolicyAttachment': {
          const { role, boundary } = roleOf(String(i.role));
          return { ...base, arns: { role }, context: { 'iam:PermissionsBoundary': boundary, 'iam:PolicyARN': i.policyArn } };
        }
        case 'aws:iam/instanceProfile:InstanceProfile': {
          const { role, boundary } = roleOf(String(i.role));
          return { ...base, arns: { 'instance-profile': String(r.state.arn), role }, context: { 'iam:PermissionsBoundary': boundary } };
        }
        case 'aws:ec2/instance:Instance': {
          // RunInstances passes the profile's role to EC2 (its dependent iam:PassRole).
          const { role } = roleOf(profiles.get(String(i.iamInstanceProfile))?.role ?? '');
          return { ...base, arns: { instance: String(r.state.arn), role }, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } };
        }
        // Fleet mode (issue 14): the group passes the host role of its launch template's profile
        // to EC2; the group, the ALB and the database have their service-linked roles made on first use.
        case 'aws:autoscaling/group:Group': {
          const template = regs.find((t) => t.type === 'aws:ec2/launchTemplate:LaunchTemplate' && (t.id === i.launchTemplate?.id || t.state.name === i.launchTemplate?.name));
          const profile = template && input(template).iamInstanceProfile;
          const { role } = roleOf(profiles.get(String(profile?.name ?? String(profile?.arn ?? '').split('/').pop()))?.role ?? '');
          return { ...base, arns: { role, 'service-linked-role': serviceLinkedRole('autoscaling') }, context: { 'iam:PassedToService': 'ec2.amazonaws.com', 'iam:AWSServiceName': 'autoscaling.amazonaws.com' } };
        }
        case 'aws:lb/loadBalancer:LoadBalancer':
          return { ...base, arns: { 'service-linked-role': serviceLinkedRole('elasticloadbalancing') }, context: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } };
        case 'aws:rds/instance:Instance':
          return { ...base, arns: { 'service-linked-role': serviceLinkedRole('rds'), 'rds-secret': RDS_SECRET }, context: { 'iam:AWSServiceName': 'rds.amazonaws.com' } };
        // Backups (issue 15): the lifecycle policy passes its execution role to DLM.
        case 'aws:dlm/lifecyclePolicy:LifecyclePolicy':
          return { ...base, arns: { role: String(i.executionRoleArn) }, context: { 'iam:PassedToService': 'dlm.amazonaws.com' } };
        case 'aws:route53/record:Record':
          return { ...base, arns: { 'hosted-zone': `arn:aws:route53:::hostedzone/${String(i.zoneId)}`, 'dns-change': DNS_CHANGE }, context: {} };
        default:
          return { ...base, arns: {}, context: {} };
      }
    });
}

/** The service-linked role AWS makes for a service (IAM User Guide, service-linked roles: /aws-service-role/<service>/). */
const serviceLinkedRole = (service: 'autoscaling' | 'elasticloadbalancing' | 'rds') => {
  const name = { autoscaling: 'AWSServiceRoleForAutoScaling', elasticloadbalancing: 'AWSServiceRoleForElasticLoadBalancing', rds: 'AWSServiceRoleForRDS' }[service];
  return `arn:aws:iam::${ACCOUNT}:role/aws-service-role/${service}.amazonaws.com/${name}`;
};
/** A secret as RDS names the one it manages (rds!db-<uuid>), with Secrets Manager's random suffix. */
const RDS_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!db-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-AbCdEf`;
const DNS_CHANGE = 'arn:aws:route53:::change/C0123456789ABCDEFGHIJ';

/** The requests IAM authorizes for one call of a subject: one per resource the call is authorized against. */
function requestsFor(subject: Subject, action: string): Request[] {
  const scope = scopeOf(action);
  const context = { ...inRegion(action), ...subject.context };
  if (scope.kind !== 'arns') return [{ action, resource: '*', context }];
  const own = scope.on.map((k) => subject.arns[k]).find(Boolean);
  if (!own) throw new Error(`${subject.type} ${subject.name}: ${action} acts on ${scope.on.join(' or ')}, which it has none of`);
  const extra = (scope.with ?? []).map((k) => {
    const arn = subject.arns[k];
    if (!arn) throw new Error(`${subject.type} ${subject.name}: ${action} is also authorized against its ${k}, which it has none of`);
    return arn;
  });
  return [own, ...extra].map((resource) => ({ action, resource, context }));
}

/** Every call of the run the policy would not answer as the table expects, one line each. */
function refusals(run: ProgramRun, policy: Policy, phases: readonly Phase[], expect: (action: string) => 'allow' | 'deny' = (a) => (a in FORBIDDEN ? 'deny' : 'allow')): string[] {
  return subjectRefusals(subjects(run), new Set(run.mocks.calls.map((c) => c.token)), policy, phases, expect);
}

function subjectRefusals(list: readonly Subject[], tokens: ReadonlySet<string>, policy: Policy, phases: readonly Phase[], expect: (action: string) => 'allow' | 'deny' = (a) => (a in FORBIDDEN ? 'deny' : 'allow')): string[] {
  const problems: string[] = [];
  const check = (what: string, request: Request) => {
    const got = decide(policy, request);
    const wanted = expect(request.action);
    if (wanted === 'allow' ? got !== 'allow' : got === 'allow') problems.push(`${what}: ${request.action} on ${request.resource}: ${got}`);
  };
  for (const s of list) {
    for (const phase of phases) for (const action of RESOURCE_ACTIONS[s.type]![phase].filter((a) => !s.notCalled?.includes(a))) for (const r of requestsFor(s, action)) check(`${s.type} ${phase}`, r);
  }
  // Look-ups are reads: preview and up both call them.
  for (const token of phases.includes('read') ? tokens : []) {
    for (const action of DATA_SOURCE_ACTIONS[token]?.read ?? []) check(token, { action, resource: '*', context: inRegion(action) });
  }
  return problems;
}

const withoutAction = (doc: PolicyDocument, action: string): PolicyDocument => ({
  ...doc,
  Statement: doc.Statement.map((s) => ({ ...s, Action: [s.Action].flat().filter((a) => a !== action) })),
});

describe('the table covers every type the program makes and every look-up it calls', () => {
  const runs: Record<string, ProgramRun> = {};
  // Several programs in a row: more than the default 10 s hook on a loaded machine.
  beforeAll(async () => {
    for (const [name, config] of Object.entries(STACKS)) runs[name] = await deploy(config);
  }, 120_000);
  afterAll(() => pulumi.runtime.setAllConfig({}));

  it.each(Object.keys(STACKS))('%s: no type or data source is missing from the table', (name) => {
    const run = runs[name]!;
    expect(run.mocks.resources.length).toBeGreaterThan(15);
    expect(unlisted(run)).toEqual([]);
  });

  it('and the check fails for a type or data source the table lacks', () => {
    const run = runs.defaults!;
    const { 'aws:ssm/document:Document': _document, ...lacking } = RESOURCE_ACTIONS;
    expect(unlisted(run, lacking)).toEqual(['aws:ssm/document:Document']);
    const { 'aws:ec2/getAmi:getAmi': _ami, ...noAmi } = DATA_SOURCE_ACTIONS;
    expect(unlisted(run, RESOURCE_ACTIONS, noAmi)).toEqual(['aws:ec2/getAmi:getAmi']);
  });

  it.each(Object.keys(STACKS))('%s: the deploy role may make every call of every phase, on the resources the program names', (name) => {
    expect(refusals(runs[name]!, deployPolicy(devTarget), ['create', 'read', 'update', 'delete'])).toEqual([]);
  });

  it('and the check fails when the policy lacks a call, or names another stack', () => {
    const run = runs.defaults!;
    const lacking = refusals(run, withoutAction(deployPolicy(devTarget), 'ssm:DescribeAssociation'), ['create', 'read', 'update', 'delete']);
    expect(lacking.length).toBeGreaterThan(0);
    expect(lacking.every((l) => l.includes('ssm:DescribeAssociation'))).toBe(true);
    // The association's Read and Update, and the release gate's waiter, all call it.
    expect(lacking.some((l) => l.startsWith('command:local:Command create'))).toBe(true);
    const otherStack = refusals(run, deployPolicy(target), ['create']);
    expect(otherStack.some((l) => l.includes('ssm:PutParameter on arn:aws:ssm:us-east-1:123456789012:parameter/berth/dev/'))).toBe(true);
  });

  it('the deploy role is refused only what the table says it must be: removing a role boundary', () => {
    expect(Object.keys(FORBIDDEN)).toEqual(['iam:DeleteRolePermissionsBoundary']);
    expect(RESOURCE_ACTIONS['aws:iam/role:Role']!.update).toContain('iam:DeleteRolePermissionsBoundary');
    const role = subjects(runs.defaults!).find((s) => s.type === 'aws:iam/role:Role')!;
    for (const r of requestsFor(role, 'iam:DeleteRolePermissionsBoundary')) expect(decide(deployPolicy(devTarget), r)).toBe('deny');
  });

  /** The preview role must make every look-up and Read but the secret ones, and no call that only a write makes. */
  const previewProblems = (run: ProgramRun, policy: Policy) => {
    const reads = new Set(actionsOf([...Object.values(RESOURCE_ACTIONS), ...Object.values(DATA_SOURCE_ACTIONS)], ['read']));
    const readable = (a: string) => (reads.has(a) && !(a in REVEALS_SECRETS) ? 'allow' : 'deny');
    // Create, update and delete also make some of the reads (a waiter's Describe): those stay allowed.
    return [...refusals(run, policy, ['read'], readable), ...refusals(run, policy, ['create', 'update', 'delete'], readable)];
  };

  it.each(Object.keys(STACKS))('%s: the preview role may make every look-up and every Read, none that reveals a secret, and no write', (name) => {
    expect(previewProblems(runs[name]!, previewPolicy(devTarget))).toEqual([]);
  });

  it('and the preview check fails on a policy that lets a secret be read, or anything be made', () => {
    const plus = (action: string): Policy => ({ Statement: [...previewPolicy(devTarget).Statement, { Effect: 'Allow', Action: action, Resource: '*' }] });
    expect(previewProblems(runs.defaults!, plus('ssm:GetParameter')).some((l) => l.includes('ssm:GetParameter on'))).toBe(true);
    expect(previewProblems(runs.defaults!, plus('ec2:RunInstances')).some((l) => l.includes('ec2:RunInstances on'))).toBe(true);
    expect(previewProblems(runs.defaults!, withoutAction(previewPolicy(devTarget), 'ec2:DescribeVpcAttribute'))).toEqual([
      'aws:ec2/getVpc:getVpc: ec2:DescribeVpcAttribute on *: implicit-deny',
    ]);
  });

  it('berth names its host role, profile and document with the prefixes the roles are scoped to', () => {
    const names = (type: string) => runs.defaults!.mocks.ofType(type).map((r) => String(r.state.name));
    expect(names('aws:iam/role:Role').every((n) => n.startsWith(HOST_NAME_PREFIXES.role))).toBe(true);
    expect(names('aws:iam/instanceProfile:InstanceProfile').every((n) => n.startsWith(HOST_NAME_PREFIXES.instanceProfile))).toBe(true);
    expect(names('aws:ssm/document:Document').every((n) => n.startsWith(HOST_NAME_PREFIXES.document))).toBe(true);
    for (const p of runs.defaults!.mocks.ofType('aws:ssm/parameter:Parameter')) expect(p.id).toMatch(/^\/berth\/dev\//);
    const attachment = runs.defaults!.mocks.one('aws:iam/rolePolicyAttachment:RolePolicyAttachment');
    expect((plain(attachment.inputs) as any).policyArn).toBe(ssmManagedInstanceCoreArn('aws'));
  });
});

// ---------------------------------------------------------------------------------------------
// Fleet mode (issue 14): the roles can make a fleet. Until a stack config above makes one, each
// fleet type is one subject as IAM sees it (its ARNs and request context), built here.

describe('fleet mode: the deploy role can make a fleet, the preview role read it', () => {
  const hostRole = `arn:aws:iam::${ACCOUNT}:role/${HOST_NAME_PREFIXES.role}1a2b3c4`;
  const subject = (type: string, arns: Subject['arns'] = {}, context: Subject['context'] = {}): Subject => ({ type, name: `fleet-${type}`, arns, context });
  const FLEET: Subject[] = [
    subject('aws:ec2/launchTemplate:LaunchTemplate'),
    subject('aws:autoscaling/group:Group', { role: hostRole, 'service-linked-role': serviceLinkedRole('autoscaling') }, { 'iam:PassedToService': 'ec2.amazonaws.com', 'iam:AWSServiceName': 'autoscaling.amazonaws.com' }),
    subject('aws:autoscaling/policy:Policy'),
    subject('aws:lb/loadBalancer:LoadBalancer', { 'service-linked-role': serviceLinkedRole('elasticloadbalancing') }, { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' }),
    subject('aws:lb/targetGroup:TargetGroup'),
    subject('aws:lb/listener:Listener'),
    subject('aws:rds/instance:Instance', { 'service-linked-role': serviceLinkedRole('rds'), 'rds-secret': RDS_SECRET }, { 'iam:AWSServiceName': 'rds.amazonaws.com' }),
    subject('aws:rds/subnetGroup:SubnetGroup'),
    subject('aws:acm/certificate:Certificate'),
    subject('aws:acm/certificateValidation:CertificateValidation'),
    subject('aws:route53/record:Record', { 'hosted-zone': 'arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ', 'dns-change': DNS_CHANGE }),
    subject('aws:cloudwatch/logGroup:LogGroup'),
  ];
  // berth:restoreDbSnapshot's check looks the snapshot up (infra/components/database.ts).
  const LOOKUPS = new Set(['aws:ec2/getSubnets:getSubnets', 'aws:rds/getSnapshot:getSnapshot']);
  const ALL: Phase[] = ['create', 'read', 'update', 'delete'];

  it('covers every type of the table that the stacks above do not make', async () => {
    const made = new Set<string>();
    for (const config of Object.values(STACKS)) for (const r of (await deploy(config)).mocks.resources) made.add(r.type);
    pulumi.runtime.setAllConfig({});
    const here = FLEET.map((s) => s.type);
    // The default AWS provider is not registered under the mocks; it is the table's too.
    expect(Object.keys(RESOURCE_ACTIONS).filter((t) => !made.has(t) && !here.includes(t) && t !== 'pulumi:providers:aws')).toEqual([]);
    expect(here.filter((t) => !(t in RESOURCE_ACTIONS))).toEqual([]);
  });

  it('the deploy role may make every call of every phase of every fleet type, in the stack region', () => {
    expect(subjectRefusals(FLEET, LOOKUPS, deployPolicy(devTarget), ALL)).toEqual([]);
    const elsewhere = { ...devTarget, region: 'eu-west-1' };
    expect(subjectRefusals(FLEET, LOOKUPS, deployPolicy(elsewhere), ['create']).some((l) => l.includes('autoscaling:CreateAutoScalingGroup'))).toBe(true);
  });

  it('and the check fails when a call is missing: the service-linked roles of a first deploy', () => {
    const lacking = subjectRefusals(FLEET, LOOKUPS, withoutAction(deployPolicy(devTarget), 'iam:CreateServiceLinkedRole'), ['create']);
    expect(lacking.every((l) => l.includes(': iam:CreateServiceLinkedRole on '))).toBe(true);
    expect(new Set(lacking.map((l) => l.slice(0, l.indexOf(' create:'))))).toEqual(new Set(['aws:autoscaling/group:Group', 'aws:lb/loadBalancer:LoadBalancer', 'aws:rds/instance:Instance']));
  });

  it("creates only the service-linked roles of the fleet's services, and passes the host role to EC2 only", () => {
    const policy = deployPolicy(devTarget);
    const slr = (service: string) => `arn:aws:iam::${ACCOUNT}:role/aws-service-role/${service}/x`;
    for (const service of FLEET_SERVICE_LINKED_ROLES) expect(ask(policy, 'iam:CreateServiceLinkedRole', slr(service), { 'iam:AWSServiceName': service }), service).toBe('allow');
    expect(ask(policy, 'iam:CreateServiceLinkedRole', slr('lambda.amazonaws.com'), { 'iam:AWSServiceName': 'lambda.amazonaws.com' })).toBe('implicit-deny');
    expect(ask(policy, 'iam:CreateServiceLinkedRole', hostRole, { 'iam:AWSServiceName': 'rds.amazonaws.com' })).toBe('implicit-deny');
    expect(ask(policy, 'iam:PassRole', hostRole, { 'iam:PassedToService': 'autoscaling.amazonaws.com' })).toBe('implicit-deny');
  });

  it("reaches Secrets Manager only for RDS's own secrets", () => {
    const policy = deployPolicy(devTarget);
    expect(ask(policy, 'secretsmanager:CreateSecret', RDS_SECRET)).toBe('allow');
    expect(ask(policy, 'secretsmanager:CreateSecret', `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/api-key-AbCdEf`)).toBe('implicit-deny');
    // Reading a secret's value is the host's business (its role), never the deploy role's.
    expect(ask(policy, 'secretsmanager:GetSecretValue', RDS_SECRET)).toBe('implicit-deny');
  });

  it('the preview role may make every Read of a fleet, and no write', () => {
    const reads = new Set(actionsOf([...Object.values(RESOURCE_ACTIONS), ...Object.values(DATA_SOURCE_ACTIONS)], ['read']));
    const readable = (a: string) => (reads.has(a) && !(a in REVEALS_SECRETS) ? 'allow' : 'deny');
    const policy = previewPolicy(devTarget);
    expect([...subjectRefusals(FLEET, LOOKUPS, policy, ['read'], readable), ...subjectRefusals(FLEET, LOOKUPS, policy, ['create', 'update', 'delete'], readable)]).toEqual([]);
    expect(ask(policy, 'rds:DescribeDBInstances', '*')).toBe('allow');
    expect(ask(policy, 'rds:CreateDBInstance', '*')).toBe('implicit-deny');
  });
});

// ---------------------------------------------------------------------------------------------
// The policies' shape, beyond the calls: where each role may act at all.

describe('ci/aws-oidc: where each role may act', () => {
  const policy = deployPolicy(target);

  it('preview: look-ups only (Describe, Get, List), in the stack region', () => {
    const doc = previewPolicy(target);
    for (const action of actionsIn(doc)) expect(action).toMatch(/^[a-z0-9]+:(Describe|Get|List)[A-Za-z]*$/);
    expect(ask(doc, 'ec2:DescribeVpcs', '*')).toBe('allow');
    expect(decide(doc, { action: 'ec2:DescribeVpcs', resource: '*', context: { 'aws:RequestedRegion': 'eu-west-1' } })).toBe('implicit-deny');
  });

  it('deploy: no wildcard action, and every call on "*" pinned to the stack region (STS aside, which needs no permission)', () => {
    for (const action of actionsIn(policy)) expect(action, action).not.toMatch(/\*/);
    for (const s of policy.Statement.filter((st) => st.Effect === 'Allow' && st.Resource === '*')) {
      if (s.Sid === 'WhoAmI') expect(s.Action).toEqual(['sts:GetCallerIdentity']);
      else expect(s.Condition, s.Sid).toEqual({ StringEquals: { 'aws:RequestedRegion': REGION } });
    }
    expect(ask(policy, 'ec2:RunInstances', '*')).toBe('allow');
    expect(decide(policy, { action: 'ec2:RunInstances', resource: '*', context: { 'aws:RequestedRegion': 'eu-west-1' } })).toBe('implicit-deny');
  });

  it("each inline policy fits IAM's quota: 10,240 characters for a role's inline policies, whitespace not counted", () => {
    // IAM and AWS STS quotas: "Role policy size", the aggregate of a role's inline policies.
    const size = (doc: PolicyDocument) => JSON.stringify(doc).replace(/\s/g, '').length;
    expect(size(policy)).toBeLessThan(10_240);
    expect(size(previewPolicy(target))).toBeLessThan(10_240);
    // Managed policies (the boundary) may hold 6,144.
    expect(size(boundaryPolicy(target))).toBeLessThan(6_144);
  });

  it('deploy: IAM only on the host roles and profiles berth names, never on the CI roles or any other role', () => {
    const iam = policy.Statement.filter((s) => s.Effect === 'Allow' && [s.Action].flat().some((a) => a.startsWith('iam:')));
    expect(new Set(iam.flatMap((s) => [s.Resource ?? []].flat()))).toEqual(
      new Set([
        `arn:aws:iam::${ACCOUNT}:role/${HOST_NAME_PREFIXES.role}*`,
        `arn:aws:iam::${ACCOUNT}:instance-profile/${HOST_NAME_PREFIXES.instanceProfile}*`,
        // Fleet mode: AWS's service-linked roles, which only CreateServiceLinkedRole reaches.
        `arn:aws:iam::${ACCOUNT}:role/aws-service-role/*`,
        // Backups: the DLM role (inside the host roles' prefix), which only PassRole to DLM names.
        `arn:aws:iam::${ACCOUNT}:role/${HOST_NAME_PREFIXES.backupRole}*`,
      ]),
    );
    const backupRoles = iam.filter((s) => [s.Resource].flat().includes(`arn:aws:iam::${ACCOUNT}:role/${HOST_NAME_PREFIXES.backupRole}*`));
    expect(backupRoles.flatMap((s) => [s.Action].flat())).toEqual(['iam:PassRole']);
    const serviceRoles = iam.filter((s) => [s.Resource].flat().includes(`arn:aws:iam::${ACCOUNT}:role/aws-service-role/*`));
    expect(serviceRoles.flatMap((s) => [s.Action].flat())).toEqual(['iam:CreateServiceLinkedRole']);
    for (const name of [PREVIEW_ROLE_NAME, DEPLOY_ROLE_NAME, 'admin']) {
      expect(ask(policy, 'iam:GetRole', `arn:aws:iam::${ACCOUNT}:role/${name}`), name).toBe('implicit-deny');
      expect(ask(policy, 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/${name}`, { 'iam:PassedToService': 'ec2.amazonaws.com' }), name).toBe('implicit-deny');
    }
  });

  it('deploy: passes a host role to EC2 and to no service that names itself otherwise', () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/berth-role-3f9a1c2`;
    expect(ask(policy, 'iam:PassRole', role, { 'iam:PassedToService': 'ec2.amazonaws.com' })).toBe('allow');
    expect(ask(policy, 'iam:PassRole', role, { 'iam:PassedToService': 'lambda.amazonaws.com' })).toBe('implicit-deny');
  });

  it('deploy: passes the DLM role to DLM only, and no host role to DLM', () => {
    const dlmRole = `arn:aws:iam::${ACCOUNT}:role/${HOST_NAME_PREFIXES.backupRole}3f9a1c2`;
    expect(ask(policy, 'iam:PassRole', dlmRole, { 'iam:PassedToService': 'dlm.amazonaws.com' })).toBe('allow');
    expect(ask(policy, 'iam:PassRole', dlmRole, { 'iam:PassedToService': 'lambda.amazonaws.com' })).toBe('implicit-deny');
    expect(ask(policy, 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/berth-role-3f9a1c2`, { 'iam:PassedToService': 'dlm.amazonaws.com' })).toBe('implicit-deny');
  });

  it('deploy: attaches no managed policy but Session Manager', () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/berth-role-3f9a1c2`;
    const bounded = { 'iam:PermissionsBoundary': hostBoundaryArn(target) };
    expect(ask(policy, 'iam:AttachRolePolicy', role, { ...bounded, 'iam:PolicyARN': ssmManagedInstanceCoreArn('aws') })).toBe('allow');
    expect(ask(policy, 'iam:AttachRolePolicy', role, { ...bounded, 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' })).toBe('implicit-deny');
  });

  it("deploy: SSM parameters only under this stack's path, documents and associations only berth's", () => {
    const ssm = `arn:aws:ssm:${REGION}:${ACCOUNT}`;
    expect(ask(policy, 'ssm:PutParameter', `${ssm}:parameter/berth/production/registry-token`)).toBe('allow');
    expect(ask(policy, 'ssm:PutParameter', `${ssm}:parameter/berth/staging/registry-token`)).toBe('implicit-deny');
    expect(ask(policy, 'ssm:GetParameter', `${ssm}:parameter/other/secret`)).toBe('implicit-deny');
    expect(ask(policy, 'ssm:UpdateDocument', `${ssm}:document/berth-deploy-3f9a1c2`)).toBe('allow');
    expect(ask(policy, 'ssm:UpdateDocument', `${ssm}:document/AWS-RunShellScript`)).toBe('implicit-deny');
    expect(ask(policy, 'ssm:CreateAssociation', `${ssm}:document/AWS-RunShellScript`)).toBe('implicit-deny');
  });
});

// ---------------------------------------------------------------------------------------------
// The permissions boundary: merged code cannot make a host role reach further than the boundary.

describe('the permissions boundary on the host role', () => {
  const policy = deployPolicy(target);
  const boundary = hostBoundaryArn(target);
  const role = `arn:aws:iam::${ACCOUNT}:role/berth-role-3f9a1c2`;

  it('the deploy role creates and widens host roles only with the stack boundary', () => {
    for (const action of ['iam:CreateRole', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy']) {
      expect(ask(policy, action, role, { 'iam:PermissionsBoundary': boundary }), action).toBe('allow');
      expect(ask(policy, action, role), `${action} without a boundary`).not.toBe('allow');
      expect(ask(policy, action, role, { 'iam:PermissionsBoundary': `arn:aws:iam::${ACCOUNT}:policy/AdministratorAccess` }), `${action} with another`).not.toBe('allow');
    }
  });

  it('and may never remove a boundary, nor change the boundary policy', () => {
    expect(ask(policy, 'iam:DeleteRolePermissionsBoundary', role, { 'iam:PermissionsBoundary': boundary })).toBe('deny');
    for (const action of ['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicyVersion', 'iam:DeletePolicy']) {
      expect(ask(policy, action, boundary), action).toBe('deny');
    }
    expect(ask(policy, 'iam:CreatePolicy', `arn:aws:iam::${ACCOUNT}:policy/anything`)).toBe('implicit-deny');
  });

  it('berth sets berth:hostRoleBoundary on the host role; a stack deployed by hand without it has none', async () => {
    // Every role of the stack: the host's, and DLM's (backups), which the deploy role makes the same way.
    const withBoundary = await deploy({ 'berth:hostRoleBoundary': boundary });
    const roles = (run: ProgramRun) => run.mocks.ofType('aws:iam/role:Role').map((r) => plain(r.inputs) as any);
    expect(roles(withBoundary).map((r) => r.permissionsBoundary)).toEqual([boundary, boundary]);
    const byHand = await deploy({});
    expect(roles(byHand).map((r) => r.permissionsBoundary)).toEqual([undefined, undefined]);
    // CI cannot deploy that stack: the host role's creation and its policies are refused.
    const refused = refusals(byHand, deployPolicy(devTarget), ['create']);
    for (const action of ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy']) expect(refused.some((l) => l.includes(` ${action} `)), action).toBe(true);
  });

  it('berth:hostRoleBoundary must be a policy ARN, or one line says which key and how to set it', () => {
    const base = { 'aws:region': 'us-east-1', 'berth:image': 'youruser/berth-notes', 'berth:registryUsername': 'u', 'berth:registryToken': 't' };
    const ok = validateDeployConfig({ values: { ...base, 'berth:hostRoleBoundary': boundary }, secretKeys: new Set(['berth:registryToken']), knownKeys: CONFIG_KEYS });
    expect(ok.hostRoleBoundary).toBe(boundary);
    expect(() => validateDeployConfig({ values: { ...base, 'berth:hostRoleBoundary': 'berth-host-boundary-production' }, secretKeys: new Set(['berth:registryToken']), knownKeys: CONFIG_KEYS })).toThrow(
      /^invalid configuration: berth:hostRoleBoundary: must be the ARN of an IAM managed policy: pulumi config set berth:hostRoleBoundary "\$\(pulumi -C ci\/aws-oidc stack output hostRoleBoundaryArn\)"; got "berth-host-boundary-production"$/,
    );
  });

  // What a host role may do is what both its own policies and the boundary allow.
  const hostCan = (own: Policy, action: string, resource: string, context: Request['context'] = {}) =>
    decide(own, { action, resource, context }) === 'allow' && decide(boundaryPolicy(target), { action, resource, context }) === 'allow';
  const ssmCore: Policy = { Statement: [{ Effect: 'Allow', Action: [...SSM_MANAGED_INSTANCE_CORE], Resource: '*' }] };
  const param = (stack: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/berth/${stack}/registry-token`;

  it('a host role keeps what it needs: the SSM agent and its own stack parameters, decrypted through SSM', () => {
    const readOwn: Policy = { Statement: [{ Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: [param('production')] }] };
    const own: Policy = { Statement: [...ssmCore.Statement, ...readOwn.Statement, { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] };
    for (const action of SSM_MANAGED_INSTANCE_CORE.filter((a) => !a.startsWith('ssm:GetParameter'))) expect(hostCan(own, action, '*'), action).toBe(true);
    expect(hostCan(own, 'ssm:GetParameter', param('production'))).toBe(true);
    expect(hostCan(own, 'kms:Decrypt', '*', { 'kms:ViaService': `ssm.${REGION}.amazonaws.com` })).toBe(true);
  });

  it('a fleet host keeps what it needs: its database secret through Secrets Manager, and its stack log group', () => {
    const secret = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!db-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-AbCdEf`;
    const group = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/berth/production`;
    const own: Policy = {
      Statement: [
        { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [secret] },
        { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [`${group}:*`] },
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' },
      ],
    };
    expect(hostCan(own, 'secretsmanager:GetSecretValue', secret)).toBe(true);
    expect(hostCan(own, 'kms:Decrypt', '*', { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` })).toBe(true);
    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) expect(hostCan(own, action, `${group}:log-stream:app-1`), action).toBe(true);
  });

  it('and no other secret, nor another stack\'s logs, whatever policy merged code puts on it', () => {
    const everything: Policy = { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
    expect(hostCan(everything, 'secretsmanager:GetSecretValue', `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/stripe-key-AbCdEf`)).toBe(false);
    expect(hostCan(everything, 'secretsmanager:GetSecretValue', `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:rds!db-1-AbCdEf`)).toBe(false);
    expect(hostCan(everything, 'logs:PutLogEvents', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/berth/staging:log-stream:x`)).toBe(false);
    expect(hostCan(everything, 'logs:CreateLogGroup', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/berth/production:*`)).toBe(false);
    expect(hostCan(everything, 'logs:GetLogEvents', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/berth/production:log-stream:x`)).toBe(false);
  });

  it('and nothing more, whatever policy merged code puts on it', () => {
    const everything: Policy = { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
    expect(hostCan(everything, 'ssm:GetParameter', param('staging'))).toBe(false);
    expect(hostCan(everything, 'ssm:GetParameter', `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/other/secret`)).toBe(false);
    for (const action of ['iam:CreateRole', 'iam:PassRole', 'ec2:RunInstances', 's3:GetObject', 'ssm:PutParameter', 'ssm:SendCommand', 'sts:AssumeRole']) {
      expect(hostCan(everything, action, '*'), action).toBe(false);
    }
    expect(hostCan(everything, 'kms:Decrypt', '*')).toBe(false);
    expect(hostCan(everything, 'kms:Decrypt', '*', { 'kms:ViaService': 's3.us-east-1.amazonaws.com' })).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// index.ts under Pulumi's mocks: the roles and the boundary it makes carry exactly these documents.
interface OidcRegistered {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

async function runOidcProgram(config: Record<string, string>) {
  const registered: OidcRegistered[] = [];
  const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      switch (args.type) {
        case 'pulumi:pulumi:Stack':
          return { id: '', state: {} };
        case 'pulumi:providers:aws':
          return { id: `${args.name}-provider-id`, state: {} };
        case 'aws:iam/openIdConnectProvider:OpenIdConnectProvider':
          return { id: providerArn, state: { ...args.inputs, arn: providerArn } };
        case 'aws:iam/role:Role':
          return { id: args.inputs.name, state: { ...args.inputs, arn: `arn:aws:iam::${ACCOUNT}:role/${args.inputs.name}` } };
        case 'aws:iam/rolePolicy:RolePolicy':
          return { id: `${args.inputs.role}:${args.inputs.name}`, state: args.inputs };
        case 'aws:iam/policy:Policy': {
          // CreatePolicy: a name of [\w+=,.@-]{1,128} (IAM API reference), or refused.
          if (!/^[\w+=,.@-]{1,128}$/.test(String(args.inputs.name))) throw new Error(`mock: ValidationError: policy name ${args.inputs.name}`);
          return { id: `arn:aws:iam::${ACCOUNT}:policy/${args.inputs.name}`, state: { ...args.inputs, arn: `arn:aws:iam::${ACCOUNT}:policy/${args.inputs.name}` } };
        }
        default:
          throw new Error(`mock: unexpected resource ${args.type}`);
      }
    },
    call(args) {
      switch (args.token) {
        case 'aws:index/getCallerIdentity:getCallerIdentity':
          return { id: ACCOUNT, accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/admin`, userId: 'AIDAEXAMPLE' };
        case 'aws:index/getPartition:getPartition':
          return { id: 'aws', partition: 'aws', dnsSuffix: 'amazonaws.com', reverseDnsPrefix: 'com.amazonaws' };
        default:
          throw new Error(`mock: unexpected call ${args.token}`);
      }
    },
  };
  vi.resetModules();
  pulumi.runtime.setAllConfig(config);
  await pulumi.runtime.setMocks(mocks, 'berth-aws-oidc', 'ci', false);
  let program: Record<string, unknown> = {};
  let failure: unknown;
  await (stackRuntime as unknown as { runInPulumiStack(init: () => Promise<unknown>): Promise<unknown> }).runInPulumiStack(async () => {
    try {
      program = (await import('../../ci/aws-oidc/index.js')) as Record<string, unknown>;
    } catch (error) {
      failure = error;
    }
    return undefined;
  });
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program)) {
    if (pulumi.Output.isInstance(value)) outputs[key] = await new Promise((resolve) => value.apply((v) => resolve(v)));
  }
  await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs().catch((error: unknown) => {
    failure ??= error;
  });
  if (failure) throw failure;
  const byType = (type: string) => registered.filter((r) => r.type === type);
  return { registered, byType, outputs };
}

describe('ci/aws-oidc: the Pulumi program', () => {
  const config = { 'aws:region': 'us-east-1', 'berth-aws-oidc:githubRepository': 'acme/berth' };
  let made: Awaited<ReturnType<typeof runOidcProgram>>;

  beforeAll(async () => {
    made = await runOidcProgram(config);
  });
  afterAll(() => {
    pulumi.runtime.setAllConfig({});
  });

  it('makes the OIDC provider for GitHub, audience STS', () => {
    const [provider, ...more] = made.byType('aws:iam/openIdConnectProvider:OpenIdConnectProvider');
    expect(more).toEqual([]);
    expect(provider!.inputs).toMatchObject({ url: 'https://token.actions.githubusercontent.com', clientIdLists: ['sts.amazonaws.com'] });
  });

  it('makes the preview and deploy roles with the documents of policies.ts, and the boundary policy', () => {
    const roles = Object.fromEntries(made.byType('aws:iam/role:Role').map((r) => [r.inputs.name, r.inputs]));
    expect(Object.keys(roles).sort()).toEqual([DEPLOY_ROLE_NAME, PREVIEW_ROLE_NAME].sort());
    expect(JSON.parse(roles[PREVIEW_ROLE_NAME]!.assumeRolePolicy)).toEqual(trustPolicy(providerArn, 'repo:acme/berth:pull_request'));
    expect(JSON.parse(roles[DEPLOY_ROLE_NAME]!.assumeRolePolicy)).toEqual(trustPolicy(providerArn, 'repo:acme/berth:environment:production'));
    const policies = Object.fromEntries(made.byType('aws:iam/rolePolicy:RolePolicy').map((r) => [r.inputs.role, JSON.parse(r.inputs.policy)]));
    const full = { ...target, partition: 'aws' };
    expect(policies).toEqual({ [PREVIEW_ROLE_NAME]: previewPolicy(full), [DEPLOY_ROLE_NAME]: deployPolicy(full) });
    const [boundary, ...others] = made.byType('aws:iam/policy:Policy');
    expect(others).toEqual([]);
    expect(boundary!.inputs.name).toBe('berth-host-boundary-production');
    expect(JSON.parse(boundary!.inputs.policy)).toEqual(boundaryPolicy(full));
    // Nothing else: no managed policy attached, no keys, no users.
    expect(made.registered.map((r) => r.type).filter((t) => t !== 'pulumi:pulumi:Stack' && t !== 'pulumi:providers:aws').sort()).toEqual([
      'aws:iam/openIdConnectProvider:OpenIdConnectProvider',
      'aws:iam/policy:Policy',
      'aws:iam/role:Role',
      'aws:iam/role:Role',
      'aws:iam/rolePolicy:RolePolicy',
      'aws:iam/rolePolicy:RolePolicy',
    ]);
  });

  it('exports the role ARNs that become the repository variables, and the boundary the berth stack sets', () => {
    expect(made.outputs).toEqual({
      oidcProviderArn: providerArn,
      previewRoleArn: `arn:aws:iam::${ACCOUNT}:role/${PREVIEW_ROLE_NAME}`,
      deployRoleArn: `arn:aws:iam::${ACCOUNT}:role/${DEPLOY_ROLE_NAME}`,
      hostRoleBoundaryArn: hostBoundaryArn(target),
    });
  });

  it('reuses an existing provider, and takes another environment and stack', async () => {
    const existing = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
    const again = await runOidcProgram({
      ...config,
      'berth-aws-oidc:oidcProviderArn': existing,
      'berth-aws-oidc:environment': 'staging',
      'berth-aws-oidc:berthStack': 'staging',
    });
    expect(again.byType('aws:iam/openIdConnectProvider:OpenIdConnectProvider')).toEqual([]);
    const deploy = again.byType('aws:iam/role:Role').find((r) => r.inputs.name === DEPLOY_ROLE_NAME)!;
    expect(JSON.parse(deploy.inputs.assumeRolePolicy)).toEqual(trustPolicy(existing, 'repo:acme/berth:environment:staging'));
    const policy = again.byType('aws:iam/rolePolicy:RolePolicy').find((r) => r.inputs.role === DEPLOY_ROLE_NAME)!;
    expect(policy.inputs.policy).toContain('parameter/berth/staging/*');
    expect(again.outputs.hostRoleBoundaryArn).toBe(`arn:aws:iam::${ACCOUNT}:policy/berth-host-boundary-staging`);
  });

  it('stops on a repository that is not owner/name, naming the key', async () => {
    await expect(runOidcProgram({ ...config, 'berth-aws-oidc:githubRepository': 'acme/*' })).rejects.toThrow(/githubRepository: must be owner\/name/);
  });

  it('is a valid Pulumi project that declares every key it reads', () => {
    const oidcProject = parse(read('ci/aws-oidc/Pulumi.yaml'));
    const schemaFile = pulumiProjectSchemaFile();
    const ajv = new Ajv2020.default({ strict: false, allErrors: true });
    expect(ajv.validate(JSON.parse(readFileSync(schemaFile, 'utf8')), oidcProject), ajv.errorsText()).toBe(true);
    expect(oidcProject.runtime).toEqual(parse(read('Pulumi.yaml')).runtime);
    const source = read('ci/aws-oidc/index.ts');
    const read_ = [...source.matchAll(/config\.(?:require|get)\('(\w+)'\)/g)].map((m) => m[1]).sort();
    expect(Object.keys(oidcProject.config).sort()).toEqual(read_);
    const example = parse(read('ci/aws-oidc/Pulumi.example.yaml')).config as Record<string, string>;
    expect(checkTarget({ repository: example['berth-aws-oidc:githubRepository']!, environment: example['berth-aws-oidc:environment']!, account: ACCOUNT, region: example['aws:region']!, stack: example['berth-aws-oidc:berthStack']! })).toEqual([]);
    expect(existsSync(path.join(root, 'ci/aws-oidc/tsconfig.json'))).toBe(true);
  });

  it("the README's CI section tells how the berth stack gets the boundary", () => {
    const readme = read('README.md');
    const ci = readme.slice(readme.indexOf('## CI and deploy on merge'), readme.indexOf('## Deployment configuration'));
    // The same command the validator prints for a bad value.
    expect(ci).toContain('pulumi config set berth:hostRoleBoundary "$(pulumi -C ci/aws-oidc stack output hostRoleBoundaryArn)"');
    expect(ci).toContain('`berth-host-boundary-production`');
  });
});
