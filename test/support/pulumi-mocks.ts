// Pulumi's mocks at the AWS and registry boundary, the only part of the program that cannot run
// here. Each resource answers with state shaped like the provider's (ids, ARNs, computed fields),
// each data source with a realistic lookup; anything the program was not written to call throws,
// so a new resource or call cannot slip past the tests unmodelled. What AWS refuses is in one
// place, aws-rules.ts, and every resource's inputs go through it; the account the lookups answer
// from (zones, images, the default VPC) is aws-account.ts.
import * as pulumi from '@pulumi/pulumi';
import { type AwsWorld, checkAwsRules } from './aws-rules.js';
import { ACCOUNT, type Account, type DbSnapshot, DEFAULT_ACCOUNT, DEFAULT_VPC, REGION, ZONES, amazonImage, amiLookup, dbSnapshotLookup, defaultSubnet, hex, instanceType, instanceTypeOfferings } from './aws-account.js';
// waitForRPCs is exported by the runtime but not typed: it resolves when every registration the
// program started has been answered. runInPulumiStack runs a program under its root Stack
// resource, as the engine's language host does.
import * as settings from '@pulumi/pulumi/runtime/settings.js';
import * as stack from '@pulumi/pulumi/runtime/stack.js';

export { ACCOUNT, REGION };
/** Sentinel the SDK puts around secret values it sends to the engine. */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';

export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly id: string;
  /** Inputs as the engine received them; secrets still wrapped in the SDK's secret sentinel. */
  readonly inputs: Record<string, unknown>;
  readonly state: Record<string, unknown>;
}

/** One alias as the SDK sent it in a RegisterResource request (an Alias spec, or a whole URN). */
export interface SentAlias {
  readonly urn?: string;
  readonly name?: string;
  readonly type?: string;
  readonly parentUrn?: string;
  readonly noParent?: boolean;
}

/** A RegisterResource request as the engine receives it: the URN the mock monitor answered with
 * (type chain of the parents, then the name), the parent's URN and the aliases sent. */
export interface Registration {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parentUrn: string;
  readonly aliases: readonly SentAlias[];
}

export interface Called {
  readonly token: string;
  readonly inputs: Record<string, unknown>;
}

/** Unwraps the SDK's secret sentinels: what the cloud provider would finally receive. */
export function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (SECRET_SIG in record) return plain(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** Every path under which `needle` occurs in `value`, and whether it sat inside a secret. */
export function occurrences(value: unknown, needle: string, path = '', inSecret = false): { path: string; secret: boolean }[] {
  if (typeof value === 'string') return value.includes(needle) ? [{ path, secret: inSecret }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => occurrences(v, needle, `${path}[${i}]`, inSecret));
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (SECRET_SIG in record) return occurrences(record.value, needle, path, true);
    return Object.entries(record).flatMap(([k, v]) => occurrences(v, needle, path ? `${path}.${k}` : k, inSecret));
  }
  return [];
}

/** What the account and the registry hold besides the stack's resources: what a test may vary. */
export interface World {
  /** Zones that offer each instance type (DescribeInstanceTypeOfferings); others as in us-east-1. */
  readonly offerings?: Readonly<Record<string, readonly string[]>>;
  /** The app's build context as the docker provider hashes it: another one builds another digest. */
  readonly appContext?: string;
  /** The newest Amazon Linux 2023 AMI per architecture (DescribeImages); a newer one is a new id. */
  readonly amis?: Readonly<Record<string, string>>;
  /** The default VPC's IPv6 block (DescribeVpcs); a default VPC has none unless one is associated. */
  readonly vpcIpv6Cidr?: string;
  /** DB snapshots in the account (DescribeDBSnapshots); none by default. */
  readonly dbSnapshots?: readonly DbSnapshot[];
}

/** The account a scenario describes: the default one, with newer AL2023 images published (the newest
 * per architecture, as `amis` names them) and instance types offered in other zones. */
function accountOf(scenario: World): Account {
  const newer = Object.entries(scenario.amis ?? {}).map(([arch, id]) =>
    amazonImage(id, `al2023-ami-2023.9.20261101.0-kernel-6.12-${arch}`, arch as 'x86_64' | 'arm64', '2026-11-01T00:00:00.000Z'));
  const types = Object.fromEntries(Object.entries(scenario.offerings ?? {}).map(([type, zones]) => [
    type,
    // The architecture is the account model's (an unmodelled type is a mock error, not a guess).
    { architecture: instanceType(type).architecture, zones },
  ]));
  return { images: [...DEFAULT_ACCOUNT.images, ...newer], instanceTypes: { ...DEFAULT_ACCOUNT.instanceTypes, ...types }, dbSnapshots: scenario.dbSnapshots ?? [] };
}

export class AwsMocks implements pulumi.runtime.Mocks {
  readonly resources: Registered[] = [];
  readonly calls: Called[] = [];
  /** Every RegisterResource request, in the order the engine got them (runProgram records them). */
  readonly registrations: Registration[] = [];
  /** type::name → how many times the resource was replaced: each replacement is a new cloud
   * resource, with its own id and generated names (infra plans set it; a fresh stack has none). */
  protected readonly generations = new Map<string, number>();

  /** What the account offers, with the scenario's changes (a newer AMI, other zones for a type). */
  protected readonly account: Account;

  /** The account as the rules see it: what has been created so far, and what it offers. */
  readonly world: AwsWorld;

  constructor(protected readonly scenario: World = {}) {
    this.account = accountOf(scenario);
    this.world = {
      resource: (type, id) => {
        const found = this.resources.find((r) => r.type === type && r.id === id);
        return found && { inputs: plain(found.inputs) as Record<string, any>, state: plain(found.state) as Record<string, any> };
      },
      account: this.account,
    };
  }

  /** What ids and generated names derive from: the resource, and which incarnation of it. */
  protected seedOf(type: string, name: string): string {
    const generation = this.generations.get(`${type}::${name}`) ?? 0;
    return generation === 0 ? `${type}/${name}` : `${type}/${name}#${generation}`;
  }

  /**
   * What AWS holds after an in-place update of `before` to new inputs: the same resource (its id,
   * and the generated names `created` repeats for the same seed) with what an update moves on.
   * `changed` are the input paths that changed.
   */
  updated(type: string, before: Registered, created: { id: string; state: Record<string, unknown> }, changed: readonly string[]): { id: string; state: Record<string, unknown> } {
    const state: Record<string, unknown> = { ...created.state };
    switch (type) {
      case 'aws:ssm/parameter:Parameter':
        // The provider puts the parameter again (PutParameter, Overwrite) on any change but tags
        // (resourceParameterUpdate: d.HasChangesExcept("overwrite", tags, tags_all);
        // hashicorp/terraform-provider-aws internal/service/ssm/parameter.go), and Parameter Store
        // gives every put a new version, one more than the last (SSM API reference, PutParameter:
        // "Version: The new version number of a parameter").
        state.version = changed.some((path) => !/^tags(All)?\b/.test(path)) ? Number(before.state.version) + 1 : before.state.version;
        break;
      case 'aws:ec2/launchTemplate:LaunchTemplate': {
        // Any change but tags, the description and the version pointers is a new template version
        // (resourceLaunchTemplateUpdate: CreateLaunchTemplateVersion when d.HasChangesExcept(
        // "default_version", "description", "update_default_version", tags); internal/service/ec2/
        // ec2_launch_template.go), made the default with update_default_version.
        const versioned = changed.some((path) => !/^(tags(All)?|description|defaultVersion|updateDefaultVersion)\b/.test(path));
        const latest = versioned ? Number(before.state.latestVersion) + 1 : Number(before.state.latestVersion);
        Object.assign(state, { latestVersion: latest, defaultVersion: before.inputs.updateDefaultVersion ? latest : before.state.defaultVersion });
        break;
      }
      case 'aws:ssm/document:Document': {
        // A new content is UpdateDocument, a new document version, which the provider then makes
        // the default (UpdateDocumentDefaultVersion; resourceDocumentUpdate,
        // internal/service/ssm/document.go). The same content keeps the versions.
        const version = changed.includes('content') ? String(Number(before.state.latestVersion) + 1) : String(before.state.latestVersion);
        Object.assign(state, { latestVersion: version, defaultVersion: version, documentVersion: version });
        break;
      }
    }
    return { id: before.id, state };
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    const inputs = args.inputs as Record<string, unknown>;
    const p = plain(inputs) as Record<string, any>;
    const seed = this.seedOf(args.type, args.name);
    const answer = (id: string, computed: Record<string, unknown>) => {
      const state = { ...inputs, ...computed };
      this.resources.push({ type: args.type, name: args.name, id, inputs, state });
      return { id, state };
    };
    // berth's own components are not cloud resources: the engine only records them.
    if (!args.custom) {
      if (!args.type.startsWith('berth:') && args.type !== 'pulumi:pulumi:Stack') throw new Error(`mock: unexpected component ${args.type} (${args.name})`);
      return answer('', {});
    }
    // AWS's (and the registry's, and the command provider's) refusals, before anything is made.
    if (!args.type.startsWith('pulumi:providers:')) checkAwsRules(args.type, p, this.world);
    switch (args.type) {
      case 'pulumi:providers:aws':
      case 'pulumi:providers:docker':
      case 'pulumi:providers:command':
        return answer(`${args.name}-provider-id`, {});
      case 'docker:index/image:Image': {
        // The registry answers the push with the manifest digest.
        const repo = String(p.imageName).replace(/:[^:/]+$/, '');
        const digest = `sha256:${hex(`${seed}/${JSON.stringify(p.build)}${this.scenario.appContext === undefined ? '' : `/${this.scenario.appContext}`}`, 64)}`;
        return answer(`${repo}@${digest}`, { repoDigest: `${repo}@${digest}`, registryServer: p.registry?.server, platform: p.build?.platform });
      }
      case 'aws:ec2/securityGroup:SecurityGroup': {
        const id = `sg-${hex(seed, 17)}`;
        return answer(id, { arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/${id}`, ownerId: ACCOUNT, name: `${args.name}-${hex(seed, 7)}` });
      }
      case 'aws:ssm/parameter:Parameter': {
        const paramName = String(p.name);
        const tier = p.tier ?? 'Standard';
        return answer(paramName, {
          arn: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${p.name}`,
          version: 1,
          tier,
          dataType: 'text',
          ...(p.type === 'SecureString' ? { keyId: 'alias/aws/ssm' } : {}),
        });
      }
      case 'aws:iam/role:Role': {
        const roleName = `${args.name}-${hex(seed, 7)}`;
        return answer(roleName, { name: roleName, arn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`, uniqueId: `AROA${hex(seed, 17).toUpperCase()}` });
      }
      case 'aws:iam/rolePolicyAttachment:RolePolicyAttachment':
        return answer(`${p.role}-${hex(seed, 26)}`, {});
      case 'aws:iam/rolePolicy:RolePolicy': {
        const policyName = `${args.name}-${hex(seed, 7)}`;
        return answer(`${p.role}:${policyName}`, { name: policyName });
      }
      case 'aws:iam/instanceProfile:InstanceProfile': {
        const profileName = `${args.name}-${hex(seed, 7)}`;
        return answer(profileName, { name: profileName, arn: `arn:aws:iam::${ACCOUNT}:instance-profile/${profileName}`, uniqueId: `AIPA${hex(seed, 17).toUpperCase()}` });
      }
      case 'aws:ebs/volume:Volume': {
        const id = `vol-${hex(seed, 17)}`;
        return answer(id, { arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/${id}`, iops: 3000, throughput: 125, kmsKeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${hex(seed, 8)}` });
      }
      case 'aws:ec2/instance:Instance': {
        const id = `i-${hex(seed, 17)}`;
        return answer(id, {
          arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${id}`,
          instanceState: 'running',
          privateIp: '172.31.20.17',
          publicIp: '198.51.100.23',
          primaryNetworkInterfaceId: `eni-${hex(seed, 17)}`,
        });
      }
      case 'aws:ec2/volumeAttachment:VolumeAttachment':
        return answer(`vai-${hex(seed, 10)}`, {});
      case 'aws:dlm/lifecyclePolicy:LifecyclePolicy': {
        // CreateLifecyclePolicy answers the PolicyId (policy-…, as recalled); the provider reads
        // the ARN back (GetLifecyclePolicy PolicyArn, lifecycle_policy.go).
        const id = `policy-${hex(seed, 17)}`;
        return answer(id, { arn: `arn:aws:dlm:${REGION}:${ACCOUNT}:policy/${id}` });
      }
      case 'aws:ec2/eip:Eip': {
        const id = `eipalloc-${hex(seed, 17)}`;
        return answer(id, { allocationId: id, associationId: `eipassoc-${hex(seed, 17)}`, publicIp: '203.0.113.10', publicDns: 'ec2-203-0-113-10.compute-1.amazonaws.com' });
      }
      case 'aws:ssm/document:Document': {
        const content = JSON.parse(String(p.content)) as { schemaVersion?: string; parameters?: Record<string, { type: string }> };
        const docName = String(p.name ?? `${args.name}-${hex(seed, 7)}`);
        return answer(docName, {
          name: docName,
          arn: `arn:aws:ssm:${REGION}:${ACCOUNT}:document/${docName}`,
          latestVersion: '1',
          defaultVersion: '1',
          documentVersion: '1',
          status: 'Active',
          schemaVersion: content.schemaVersion,
          hash: hex(String(p.content), 64),
          hashType: 'Sha256',
          owner: ACCOUNT,
          parameters: Object.entries(content.parameters ?? {}).map(([name, d]) => ({ name, type: d.type })),
        });
      }
      case 'aws:ssm/association:Association': {
        const id = [8, 4, 4, 4, 12].map((n, i) => hex(`${seed}/${i}`, n)).join('-');
        return answer(id, { associationId: id, arn: `arn:aws:ssm:${REGION}:${ACCOUNT}:association/${id}` });
      }
      // --- fleet mode ---------------------------------------------------------------------------
      case 'aws:ec2/launchTemplate:LaunchTemplate': {
        const id = `lt-${hex(seed, 17)}`;
        const ltName = String(p.name ?? `${args.name}-${hex(seed, 7)}`);
        return answer(id, { arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:launch-template/${id}`, name: ltName, latestVersion: 1, defaultVersion: 1 });
      }
      case 'aws:autoscaling/group:Group': {
        // The group's id is its name; its ARN carries a UUID (DescribeAutoScalingGroups AutoScalingGroupARN).
        const groupName = String(p.name ?? `${args.name}-${hex(seed, 7)}`);
        return answer(groupName, {
          name: groupName,
          arn: `arn:aws:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:${uuid(seed)}:autoScalingGroupName/${groupName}`,
          desiredCapacity: p.desiredCapacity ?? p.minSize,
          availabilityZones: (p.vpcZoneIdentifiers as string[]).map((id) => ZONES.find((z) => defaultSubnet(z).id === id) ?? ''),
          defaultCooldown: 300,
          serviceLinkedRoleArn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
        });
      }
      case 'aws:autoscaling/policy:Policy': {
        const policyName = String(p.name ?? `${args.name}-${hex(seed, 7)}`);
        return answer(policyName, { name: policyName, arn: `arn:aws:autoscaling:${REGION}:${ACCOUNT}:scalingPolicy:${uuid(seed)}:autoScalingGroupName/${p.autoscalingGroupName}:policyName/${policyName}` });
      }
      case 'aws:lb/loadBalancer:LoadBalancer': {
        // Its id is its ARN; the DNS name is <name>-<number>.<region>.elb.amazonaws.com, in the
        // region's ELB hosted zone (us-east-1: Z35SXDOTRQ7X7K; AWS General Reference, Elastic Load
        // Balancing endpoints).
        const lbName = String(p.name ?? `${args.name}-${hex(seed, 7)}`);
        const suffix = `app/${lbName}/${hex(seed, 16)}`;
        const arn = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/${suffix}`;
        return answer(arn, { arn, arnSuffix: suffix, name: lbName, dnsName: `${lbName}-${BigInt(`0x${hex(seed, 8)}`)}.${REGION}.elb.amazonaws.com`, zoneId: 'Z35SXDOTRQ7X7K', vpcId: DEFAULT_VPC.id, ipAddressType: 'ipv4' });
      }
      case 'aws:lb/targetGroup:TargetGroup': {
        const tgName = String(p.name ?? `${args.name}-${hex(seed, 7)}`);
        const suffix = `targetgroup/${tgName}/${hex(seed, 16)}`;
        const arn = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:${suffix}`;
        return answer(arn, { arn, arnSuffix: suffix, name: tgName });
      }
      case 'aws:lb/listener:Listener': {
        // A listener's ARN is its load balancer's, as listener/…, with its own id at the end.
        const arn = `${String(p.loadBalancerArn).replace(':loadbalancer/', ':listener/')}/${hex(seed, 16)}`;
        return answer(arn, { arn });
      }
      case 'aws:rds/subnetGroup:SubnetGroup': {
        const groupName = String(p.name ?? `${args.name}-${hex(seed, 7)}`).toLowerCase();
        return answer(groupName, { name: groupName, arn: `arn:aws:rds:${REGION}:${ACCOUNT}:subgrp:${groupName}`, vpcId: DEFAULT_VPC.id, supportedNetworkTypes: ['IPV4'] });
      }
      case 'aws:rds/instance:Instance': {
        // The provider's id is the instance's DbiResourceId (db-…); the endpoint is
        // <identifier>.<account-region hash>.<region>.rds.amazonaws.com. With a managed password
        // RDS makes the secret rds!db-<uuid> in Secrets Manager, with the aws/secretsmanager key
        // unless told otherwise (CreateDBInstance MasterUserSecretKmsKeyId).
        const identifier = String(p.identifier ?? `${args.name}-${hex(seed, 7)}`).toLowerCase();
        const address = `${identifier}.c${hex(ACCOUNT, 11)}.${REGION}.rds.amazonaws.com`;
        const port = p.port ?? 5432;
        const resourceId = `db-${hex(seed, 26).toUpperCase()}`;
        // Restored from a snapshot: its engine version (the rules have checked that it exists).
        const restoredFrom = p.snapshotIdentifier ? this.account.dbSnapshots?.find((snap) => snap.id === String(p.snapshotIdentifier).toLowerCase()) : undefined;
        return answer(resourceId, {
          identifier,
          resourceId,
          arn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:${identifier}`,
          address,
          port,
          endpoint: `${address}:${port}`,
          status: 'available',
          engineVersionActual: restoredFrom?.engineVersion ?? '17.6',
          kmsKeyId: p.storageEncrypted ? `arn:aws:kms:${REGION}:${ACCOUNT}:key/${uuid(`${seed}/rds`)}` : '',
          ...(p.manageMasterUserPassword
            ? { masterUserSecrets: [{ secretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:rds!db-${uuid(`${seed}/secret`)}-${hex(`${seed}/suffix`, 6)}`, kmsKeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${uuid('aws/secretsmanager')}`, secretStatus: 'active' }] }
            : { masterUserSecrets: [] }),
        });
      }
      case 'aws:acm/certificate:Certificate': {
        // DNS validation: one CNAME per name, _<hash>.<name>. → _<hash>.<hash>.acm-validations.aws.
        const arn = `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/${uuid(seed)}`;
        const names = [p.domainName, ...((p.subjectAlternativeNames as string[] | undefined) ?? [])] as string[];
        return answer(arn, {
          arn,
          status: 'PENDING_VALIDATION',
          keyAlgorithm: 'RSA_2048',
          domainValidationOptions: names.map((n) => ({
            domainName: n,
            resourceRecordName: `_${hex(`${n}/name`, 32)}.${n}.`,
            resourceRecordType: 'CNAME',
            resourceRecordValue: `_${hex(`${seed}/${n}/value`, 32)}.${hex(`${seed}/${n}/zone`, 10)}.acm-validations.aws.`,
          })),
        });
      }
      case 'aws:acm/certificateValidation:CertificateValidation':
        // The provider's id is the time the certificate was issued; it only waits for it.
        return answer('2026-12-02T21:00:00Z', { certificateArn: p.certificateArn });
      case 'aws:route53/record:Record': {
        const fqdn = String(p.name).replace(/\.$/, '');
        return answer(`${p.zoneId}_${fqdn}_${p.type}`, { fqdn, name: fqdn });
      }
      case 'aws:cloudwatch/logGroup:LogGroup': {
        // The provider drops the API's `:*` from the ARN (aws_cloudwatch_log_group, arn).
        const groupName = String(p.name ?? `${args.name}-${hex(seed, 7)}`);
        return answer(groupName, { name: groupName, arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${groupName}`, logGroupClass: 'STANDARD' });
      }
      case 'command:local:Command':
        // The provider runs `create` with /bin/sh; the rules let only berth's release waiter through.
        return answer(`${args.name}-${hex(`${seed}/${JSON.stringify(p.triggers)}`, 8)}`, { stdout: 'release ok', stderr: '' });
      default:
        throw new Error(`mock: no AWS model for resource type ${args.type} (${args.name}); add one to test/support/pulumi-mocks.ts`);
    }
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const inputs = args.inputs as Record<string, any>;
    this.calls.push({ token: args.token, inputs });
    switch (args.token) {
      case 'aws:index/getPartition:getPartition':
        return { id: 'aws', partition: 'aws', dnsSuffix: 'amazonaws.com', reverseDnsPrefix: 'com.amazonaws' };
      case 'aws:ec2/getVpc:getVpc': {
        if (inputs.default !== true) throw new Error('mock: only the default VPC exists in this account');
        // A default VPC is IPv4 only until an IPv6 block is associated with it: DescribeVpcs then
        // lists no Ipv6CidrBlockAssociationSet, and the provider's deprecated single fields are empty.
        const v6 = this.scenario.vpcIpv6Cidr;
        const association = `vpc-cidr-assoc-${hex('ipv6', 17)}`;
        return {
          id: DEFAULT_VPC.id, cidrBlock: DEFAULT_VPC.cidrBlock, default: true, arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc/${DEFAULT_VPC.id}`, ownerId: ACCOUNT,
          ipv6CidrBlock: v6 ?? '', ipv6AssociationId: v6 ? association : '',
          ipv6CidrBlockAssociations: v6
            ? [{ associationId: association, ipv6CidrBlock: v6, state: 'associated', ipSource: 'amazon', ipv6AddressAttribute: 'public', ipv6Pool: 'Amazon', networkBorderGroup: REGION }]
            : [],
        };
      }
      case 'aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings':
        return instanceTypeOfferings(inputs, this.account);
      case 'aws:ec2/getSubnet:getSubnet':
        if (inputs.vpcId !== DEFAULT_VPC.id || inputs.defaultForAz !== true || !ZONES.includes(inputs.availabilityZone)) throw new Error('mock: no such subnet');
        return defaultSubnet(inputs.availabilityZone);
      case 'aws:ec2/getAmi:getAmi':
        return amiLookup(inputs, this.account);
      case 'aws:ec2/getSubnets:getSubnets':
        return defaultSubnets(inputs);
      case 'aws:rds/getSnapshot:getSnapshot':
        return dbSnapshotLookup(inputs, this.account);
      default:
        throw new Error(`mock: no AWS model for call ${args.token}; add one to test/support/pulumi-mocks.ts`);
    }
  }

  ofType(type: string): Registered[] {
    return this.resources.filter((r) => r.type === type);
  }

  one(type: string): Registered {
    const found = this.ofType(type);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
    return found[0]!;
  }
}

/** A UUID-shaped id derived from a seed. */
const uuid = (seed: string) => [8, 4, 4, 4, 12].map((n, i) => hex(`${seed}/uuid/${i}`, n)).join('-');

/**
 * DescribeSubnets as getSubnets asks it: the filters berth uses (vpc-id, default-for-az,
 * availability-zone), over the account's default VPC, one default subnet per zone. Another filter
 * is a mock error: a new lookup must be modelled, not guessed.
 */
function defaultSubnets(inputs: Record<string, any>): Record<string, unknown> {
  const filters = (inputs.filters ?? []) as { name: string; values: string[] }[];
  const unknown = filters.find((f) => !['vpc-id', 'default-for-az', 'availability-zone'].includes(f.name));
  if (unknown) throw new Error(`mock: getSubnets filter ${unknown.name} is not modelled; add it to test/support/pulumi-mocks.ts`);
  const values = (name: string) => filters.find((f) => f.name === name)?.values;
  const zones = ZONES.filter((zone) => {
    const subnet = defaultSubnet(zone);
    return (values('vpc-id')?.includes(subnet.vpcId) ?? true) && (values('default-for-az')?.includes('true') ?? true) && (values('availability-zone')?.includes(zone) ?? true);
  });
  return { id: REGION, ids: zones.map((zone) => defaultSubnet(zone).id), filters };
}

export interface ProgramRun {
  readonly mocks: AwsMocks;
  /** The stack's outputs, resolved, with whether each is secret. */
  readonly outputs: Record<string, { value: unknown; secret: boolean }>;
}

/**
 * Runs index.ts under the mocks with this stack config: sets config and mocks, imports the program
 * afresh, resolves every export, and waits until every registration has been answered. A fresh
 * stack by default; a plan (test/support/plan.ts) passes mocks that start from a prior run.
 */
export async function runProgram(
  config: Record<string, string>,
  secretKeys: readonly string[],
  importProgram: () => Promise<Record<string, unknown>>,
  mocks: AwsMocks = new AwsMocks(),
): Promise<ProgramRun> {
  pulumi.runtime.setAllConfig(config, [...secretKeys]);
  await pulumi.runtime.setMocks(mocks, 'berth', 'dev', false);
  recordRegistrations(mocks);
  // An error inside an apply fails the registrations that depend on it, and the SDK lets those
  // rejections go unhandled on purpose, for the language host to report and fail the run
  // (@pulumi/pulumi runtime/resource.js: "so that it triggers unhandled rejection logic"). They are
  // the program's failure here too (and, with a listener of ours, not vitest's unhandled errors).
  const rejected: unknown[] = [];
  const collect = (reason: unknown) => void rejected.push(reason);
  process.on('unhandledRejection', collect);
  let program: Record<string, unknown> = {};
  let failure: unknown;
  const outputs: ProgramRun['outputs'] = {};
  try {
    await (stack as unknown as { runInPulumiStack(init: () => Promise<unknown>): Promise<unknown> }).runInPulumiStack(async () => {
      try {
        program = await importProgram();
      } catch (error) {
        failure = error; // the program's own error, as `pulumi up` would print it
      }
      return undefined;
    });
    for (const [key, value] of failure ? [] : Object.entries(program)) {
      if (!pulumi.Output.isInstance(value)) continue;
      try {
        // The SDK's own promise of the value: it rejects when the output failed (apply never would call back).
        outputs[key] = { value: await (value as unknown as { promise(): Promise<unknown> }).promise(), secret: await pulumi.isSecret(value) };
      } catch (error) {
        failure ??= error;
      }
    }
    await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    await new Promise((resolve) => setImmediate(resolve)); // rejections are reported after the tick that left them unhandled
  } finally {
    process.off('unhandledRejection', collect);
  }
  failure ??= rejected[0];
  if (failure) throw Object.assign(failure as Error, { registered: mocks.resources.filter((r) => r.type !== 'pulumi:pulumi:Stack') });
  return { mocks, outputs };
}

/** The RegisterResource requests the runtime's mock monitor gets, with the aliases in them: the mocks'
 * own `newResource` sees neither URNs nor aliases (@pulumi/pulumi runtime/mocks.js, MockMonitor). */
interface AliasMessage {
  getUrn(): string;
  hasSpec(): boolean;
  getSpec(): { getName(): string; getType(): string; getParenturn(): string; getNoparent(): boolean } | undefined;
}
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getAliasesList(): AliasMessage[];
}
function recordRegistrations(mocks: AwsMocks): void {
  const monitor = (settings as unknown as { getMonitor(): { registerResource(req: RegisterRequest, cb: (err: unknown, res?: { getUrn(): string }) => void): unknown } }).getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    register(req, (err, res) => {
      if (!err && res) {
        const aliases = req.getAliasesList().map((a): SentAlias => {
          const spec = a.hasSpec() ? a.getSpec() : undefined;
          if (!spec) return { urn: a.getUrn() };
          return {
            ...(spec.getName() ? { name: spec.getName() } : {}),
            ...(spec.getType() ? { type: spec.getType() } : {}),
            ...(spec.getParenturn() ? { parentUrn: spec.getParenturn() } : {}),
            ...(spec.getNoparent() ? { noParent: true } : {}),
          };
        });
        mocks.registrations.push({ urn: res.getUrn(), type: req.getType(), name: req.getName(), parentUrn: req.getParent(), aliases });
      }
      callback(err, res);
    });
}
