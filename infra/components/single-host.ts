// berth:host:Host is the EC2 machine that runs the app: an Amazon Linux 2023 instance in the
// default VPC, a security group that opens only the proxy's ports, an instance role that can read
// exactly this stack's SSM parameters (and be reached through Session Manager), the secrets as
// SecureString parameters, an encrypted gp3 data volume that outlives the instance, and an
// Elastic IP. The user-data is a bootstrap only (userdata.ts); every release (release.ts) travels
// as a bundle with the deploy script, the host settings and the proxy config (release-bundle.ts),
// published in Parameter Store and run in place through an SSM document and a State Manager
// association (ssm-document.ts); `pulumi up` waits for each one (release-gate.ts).
import * as aws from '@pulumi/aws';
import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import { deployScript, fetchScript } from '../host/scripts.js';
import type { AppSpec } from '../app/spec.js';
import { type AppRelease, type ReleasePolicy, releaseId } from '../release/release.js';
import { BUNDLE_PARTS, bundleFiles, packBundle, releaseParameterNames, renderManifest, splitBundle } from '../release/bundle.js';
import { RELEASE_GATE_TIMEOUT_S, RELEASE_WAIT_COMMAND, releaseWaitEnvironment } from '../release/gate.js';
import { renderDeployDocument } from '../release/ssm-document.js';
import { packUserData, renderUserData } from '../host/bootstrap.js';
import { type HostSetup, type VpcFacts, networkRules, proxyPorts } from '../host/settings.js';
import { firstZone, hostZone } from '../aws/zone.js';
import { ssmManagedInstanceCoreArn } from '../aws/names.js';

export interface HostArgs {
  /** The app to run (berth:app); plain data, shared with the local commands. */
  readonly app: AppSpec;
  readonly region: pulumi.Input<string>;
  /** repository@sha256:… to run. */
  readonly imageRef: pulumi.Input<string>;
  /** Registry host to log in to (docker.io for Docker Hub). */
  readonly registry: pulumi.Input<string>;
  readonly registryUsername: pulumi.Input<string>;
  readonly registryToken: pulumi.Input<string>;
  readonly env: pulumi.Input<Readonly<Record<string, string>>>;
  readonly secretEnv: pulumi.Input<Readonly<Record<string, string>>>;
  /** Names of secretEnv, known up front: there is one parameter per name. */
  readonly secretEnvNames: readonly string[];
  readonly instanceType: pulumi.Input<string>;
  /** x86_64 or arm64, matching the image's platform. */
  readonly architecture: 'x86_64' | 'arm64';
  readonly hostPort: number;
  /** HTTPS for a domain through the proxy (ports 80 and 443 instead of hostPort). */
  readonly https?: HostSetup['https'];
  /** Health gate and drain of each release. */
  readonly releasePolicy: ReleasePolicy;
  readonly allowedCidrs: pulumi.Input<readonly string[]>;
  /** The default VPC, looked up (and the config checked against it) before anything is made. */
  readonly vpc: VpcFacts;
  readonly dataVolumeGiB: pulumi.Input<number>;
  /** SSM parameter path for this stack's secrets: /berth/<stack>. */
  readonly parameterPath: string;
  /** Tags for everything; each resource adds its Name. */
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Permissions boundary of the instance role (berth:hostRoleBoundary, made by ci/aws-oidc): the CI
   * deploy role may create the role, and give it policies, only with it. Unset: no boundary.
   */
  readonly permissionsBoundary?: pulumi.Input<string>;
}

/** The attachment's device name; Nitro instances show it as NVMe, so the host looks up the volume id. */
const DATA_DEVICE = '/dev/sdf';

export class Host extends pulumi.ComponentResource {
  readonly instanceId: pulumi.Output<string>;
  readonly publicIp: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;
  readonly availabilityZone: pulumi.Output<string>;
  readonly dataVolumeId: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
  /** The release the association deploys (infra/release/release.ts's fingerprint). */
  readonly releaseId: pulumi.Output<string>;
  readonly associationId: pulumi.Output<string>;

  constructor(name: string, args: HostArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('berth:host:Host', name, {}, opts);
    const parent = { parent: this };
    const tags = (part: string) => ({ ...args.tags, Name: `${name}-${part}` });

    // --- where: the default VPC (looked up by index.ts). A new stack takes the first zone that
    // offers the instance type for its data volume (below); the host then always goes to the
    // volume's zone (zone.ts).
    const vpc = args.vpc;
    const offerings = aws.ec2.getInstanceTypeOfferingsOutput(
      { locationType: 'availability-zone', filters: [{ name: 'instance-type', values: [args.instanceType] }] },
      parent,
    );
    const newStackZone = pulumi.all([args.instanceType, offerings.locations]).apply(([type, zones]) => firstZone(type, zones));
    // Looked up, never hard-coded; `ignoreChanges` below keeps a newer AMI from replacing the host,
    // and a replacement (a new instance type) boots the lookup's AMI for its architecture.
    const ami = aws.ec2.getAmiOutput(
      {
        owners: ['amazon'],
        mostRecent: true,
        filters: [
          { name: 'name', values: [`al2023-ami-2023.*-kernel-*-${args.architecture}`] },
          { name: 'architecture', values: [args.architecture] },
          { name: 'state', values: ['available'] },
        ],
      },
      parent,
    );

    // --- who may reach it: the proxy's ports from the allowed networks (80 from the CA's too, with a
    // domain); nothing else, no SSH. Decided in host-settings.ts (networkRules).
    const proxySetup = { hostPort: args.hostPort, ...(args.https ? { https: args.https } : {}) };
    const ports = proxyPorts(proxySetup);
    const rules = pulumi.output(args.allowedCidrs).apply((cidrs) => networkRules(proxySetup, cidrs, vpc));
    const allowedTo = (port: number) => rules.apply((r) => r.ingress.find((rule) => rule.port === port)!);
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: vpc.id,
        // CreateSecurityGroup takes only a-zA-Z0-9, spaces and ._-:/()#,@[]+=&;{}!$* here, up to 255
        // characters (no apostrophe: the earlier "app's" would have failed the first `pulumi up`),
        // and the same set in each rule's description (IpRange Description); test/support/aws-rules.ts
        // holds the rule. A new description replaces the group (the provider's description is
        // ForceNew), so this one is right before anyone deploys; change it only with that in mind.
        description: `berth ${name}: the proxy ports from the allowed networks only; no SSH (use SSM)`,
        ingress: ports.map((port) => ({
          description: args.https ? (port === 443 ? 'HTTPS' : 'HTTP, redirected to HTTPS, and ACME challenges') : 'the app',
          protocol: 'tcp',
          fromPort: port,
          toPort: port,
          cidrBlocks: allowedTo(port).apply((rule) => [...rule.ipv4]),
          ipv6CidrBlocks: allowedTo(port).apply((rule) => [...rule.ipv6]),
        })),
        // Out: the registry, SSM, the ACME CA, and the package mirrors on first boot (IPv6 only
        // where the VPC has it).
        egress: [{ description: 'all outbound', protocol: '-1', fromPort: 0, toPort: 0, cidrBlocks: rules.apply((r) => [...r.egress.ipv4]), ipv6CidrBlocks: rules.apply((r) => [...r.egress.ipv6]) }],
        tags: tags('sg'),
      },
      parent,
    );

    // --- secrets: SecureString parameters, read by the host at boot with its role.
    const registryToken = new aws.ssm.Parameter(
      `${name}-registry-token`,
      {
        name: `${args.parameterPath}/registry-token`,
        type: aws.ssm.ParameterType.SecureString,
        value: pulumi.secret(args.registryToken),
        description: 'berth: registry access token the host logs in with',
        tags: tags('registry-token'),
      },
      parent,
    );
    const secretEnv = pulumi.secret(args.secretEnv);
    const secretParams = args.secretEnvNames.map(
      (envName) =>
        [
          envName,
          new aws.ssm.Parameter(
            `${name}-secret-env-${envName}`,
            {
              name: `${args.parameterPath}/secret-env/${envName}`,
              type: aws.ssm.ParameterType.SecureString,
              value: secretEnv.apply((all) => all[envName] ?? ''),
              description: `berth: secret env ${envName}`,
              tags: tags(`secret-env-${envName}`),
            },
            parent,
          ),
        ] as const,
    );

    // --- data: its own encrypted volume, kept when the instance is replaced. Its zone is chosen
    // once: another instance type may be offered first in another zone, and a new zone would
    // replace the volume, data and all (availability_zone is ForceNew, ebs_volume.go), so later
    // runs keep the zone in the state (ignoreChanges uses the prior value; pulumi/pulumi
    // step_generator.go, processIgnoreChanges) and the host follows the volume.
    const dataVolume = new aws.ebs.Volume(
      `${name}-data`,
      { availabilityZone: newStackZone, size: args.dataVolumeGiB, type: 'gp3', encrypted: true, tags: tags('data') },
      { parent: this, ignoreChanges: ['availabilityZone'] },
    );
    const availabilityZone = pulumi
      .all([args.instanceType, offerings.locations, dataVolume.availabilityZone])
      .apply(([type, zones, volumeZone]) => hostZone(type, zones, volumeZone));
    const subnet = aws.ec2.getSubnetOutput({ vpcId: vpc.id, availabilityZone, defaultForAz: true }, parent);

    // --- the release: what runs (release.ts), with the deploy script, the host settings and the
    // proxy's config, as one bundle in Parameter Store (release-bundle.ts). Changing any of them
    // is a release: in place, health-gated; the instance is not touched.
    const secretRefs = secretParams.map(([envName, p]) => pulumi.all([p.name, p.version]).apply(([paramName, version]) => [envName, { name: paramName, version }] as const));
    const release: pulumi.Output<AppRelease> = pulumi
      .output({
        imageRef: args.imageRef,
        registry: args.registry,
        registryUsername: args.registryUsername,
        registryToken: { name: registryToken.name, version: registryToken.version },
        secretRefs: pulumi.all(secretRefs),
        env: args.env,
      })
      .apply(({ secretRefs: refs, ...rest }) => ({ ...rest, secretEnv: Object.fromEntries(refs), policy: args.releasePolicy }));
    const setup: pulumi.Output<HostSetup> = pulumi.output({ region: args.region, volumeId: dataVolume.id }).apply((s) => ({
      ...s,
      deviceName: DATA_DEVICE,
      hostPort: args.hostPort,
      ...(args.https ? { https: args.https } : {}),
    }));
    const script = deployScript();
    const bundle = pulumi.all([setup, release]).apply(([s, r]) => packBundle(bundleFiles(args.app, s, r, script)));
    const names = releaseParameterNames(args.parameterPath);
    const parts = names.parts.map(
      (partName, i) =>
        new aws.ssm.Parameter(
          `${name}-release-part-${i + 1}`,
          {
            name: partName,
            type: aws.ssm.ParameterType.String,
            tier: 'Standard',
            value: bundle.apply((b) => splitBundle(b.base64)[i]!),
            description: `berth: release bundle, part ${i + 1} of ${BUNDLE_PARTS} (base64 of a gzipped tar; no secrets)`,
            tags: tags(`release-part-${i + 1}`),
          },
          parent,
        ),
    );
    const manifest = pulumi
      .all([args.region, bundle, pulumi.all(parts.map((p) => pulumi.all([p.name, p.version])))])
      .apply(([region, b, refs]) => renderManifest(region, b, refs.map(([n, version]) => ({ name: n, version }))));
    const manifestParam = new aws.ssm.Parameter(
      `${name}-release-manifest`,
      {
        name: names.manifest,
        type: aws.ssm.ParameterType.String,
        tier: 'Standard',
        value: manifest,
        description: "berth: the current release's manifest: region, sha256, parts as name:version",
        tags: tags('release-manifest'),
      },
      { parent: this, dependsOn: parts },
    );

    // --- identity: Session Manager, and read access to exactly these parameters (secrets and release).
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: `berth ${name}: the host's instance role`,
        // A change of boundary is PutRolePermissionsBoundary on the role as it stands (role.go),
        // never a replacement; removing it (DeleteRolePermissionsBoundary) is denied to CI.
        ...(args.permissionsBoundary ? { permissionsBoundary: args.permissionsBoundary } : {}),
        assumeRolePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
        tags: tags('role'),
      },
      parent,
    );
    const partition = aws.getPartitionOutput({}, parent);
    new aws.iam.RolePolicyAttachment(
      `${name}-ssm-core`,
      { role: role.name, policyArn: partition.partition.apply(ssmManagedInstanceCoreArn) },
      parent,
    );
    const allParams = [registryToken, ...secretParams.map(([, p]) => p), ...parts, manifestParam];
    const readParams = new aws.iam.RolePolicy(
      `${name}-read-params`,
      {
        role: role.id,
        policy: pulumi.all(allParams.map((p) => p.arn)).apply((arns) =>
          JSON.stringify({
            Version: '2012-10-17',
            // The parameters use the AWS-managed key aws/ssm, whose key policy lets SSM decrypt for
            // any principal of the account that may read the parameter: no kms statement needed.
            Statement: [{ Sid: 'ReadThisStacksParameters', Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: arns }],
          }),
        ),
      },
      parent,
    );
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name, tags: tags('profile') }, parent);

    // --- the host: a bootstrap-only user-data (region and the manifest's name): berth upgrades and
    // host settings never change it, so the provider never stops the instance for them.
    const userDataBase64 = pulumi.output(args.region).apply((region) => packUserData(renderUserData({ region, manifestParameter: names.manifest }, fetchScript())));

    const instance = new aws.ec2.Instance(
      `${name}-instance`,
      {
        ami: ami.id,
        instanceType: args.instanceType,
        availabilityZone,
        subnetId: subnet.id,
        vpcSecurityGroupIds: [securityGroup.id],
        iamInstanceProfile: profile.name,
        // IMDSv2 only; a hop limit of 1 keeps the role's credentials away from containers on a
        // bridge network, the app's included.
        metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
        rootBlockDevice: { encrypted: true, volumeType: 'gp3', deleteOnTermination: true, tags: tags('root') },
        userDataBase64,
        userDataReplaceOnChange: false,
        tags: tags('instance'),
      },
      // The manifest exists before the instance boots: its first boot serves the current release.
      // A new instance type is a new host: the provider would change it in place (stop,
      // ModifyInstanceAttribute, start; resourceInstanceUpdate, ec2_instance.go) on the AMI it
      // has, which an arm64 type cannot run from an x86_64 AMI and the reverse. A replacement is
      // made from the program's inputs, ignored ones included (pulumi/pulumi step_generator.go
      // re-runs Check with goal.Properties on a replace), so it boots the current AMI of the new
      // type's architecture, and reaches the volume in Pulumi's order (the attachment, below).
      { parent: this, ignoreChanges: ['ami'], replaceOnChanges: ['instanceType'], dependsOn: [manifestParam, readParams] },
    );

    const attachment = new aws.ec2.VolumeAttachment(
      `${name}-data-attachment`,
      {
        instanceId: instance.id,
        volumeId: dataVolume.id,
        deviceName: DATA_DEVICE,
        // Detach only from a stopped instance, so the filesystem is cleanly unmounted first.
        stopInstanceBeforeDetaching: true,
      },
      // A replaced instance (a new instance type, pulumi up --replace) gets a new attachment (instanceId
      // forces one). Pulumi creates a replacement before it deletes the old one by default, and a
      // volume attached to the old instance refuses the new attachment (VolumeInUse;
      // pulumi/pulumi-aws#2769): the old attachment goes first.
      { parent: this, deleteBeforeReplace: true },
    );

    // --- releases, in place: berth's document on the instance with the manifest as its parameter.
    const document = new aws.ssm.Document(
      `${name}-deploy`,
      {
        documentType: 'Command',
        documentFormat: 'JSON',
        content: JSON.stringify(renderDeployDocument(fetchScript()), null, 2),
        tags: tags('deploy'),
      },
      parent,
    );
    // One association per release: a new manifest (or target, or document version) replaces it,
    // the new one created (and run: AWS runs an association when it is created) before the old
    // is deleted. An association that was updated instead would stop at 1,000 versions
    // (AssociationVersionLimitExceeded).
    const association = new aws.ssm.Association(
      `${name}-release`,
      {
        associationName: pulumi.interpolate`${name}-release-${bundle.apply((b) => b.sha256.slice(0, 12))}`,
        name: document.name,
        documentVersion: document.latestVersion,
        targets: [{ key: 'InstanceIds', values: [instance.id] }],
        parameters: { manifest },
        // No schedule: it runs once, when created.
        applyOnlyAtCronInterval: false,
        complianceSeverity: 'HIGH',
        tags: tags('release'),
      },
      { parent: this, dependsOn: [attachment], replaceOnChanges: ['parameters', 'targets', 'documentVersion', 'name'] },
    );
    // `pulumi up` waits here for the release on every host, and fails with their reasons.
    const gate = new command.local.Command(
      `${name}-release-gate`,
      {
        create: RELEASE_WAIT_COMMAND,
        environment: pulumi.all([association.associationId, args.region]).apply(([associationId, region]) =>
          releaseWaitEnvironment({ associationId, region, timeoutS: RELEASE_GATE_TIMEOUT_S }),
        ),
        triggers: [association.associationId],
      },
      { parent: this, dependsOn: [association] },
    );

    // The address moves to a (replacement) host only once the release serves there.
    const eip = new aws.ec2.Eip(`${name}-ip`, { domain: 'vpc', instance: instance.id, tags: tags('ip') }, { parent: this, dependsOn: [gate] });

    this.instanceId = instance.id;
    this.publicIp = eip.publicIp;
    this.url = args.https
      ? pulumi.output(`https://${args.https.domain}/`)
      : args.hostPort === 80
        ? pulumi.interpolate`http://${eip.publicIp}/`
        : pulumi.interpolate`http://${eip.publicIp}:${args.hostPort}/`;
    this.releaseId = release.apply((r) => releaseId(args.app, r));
    this.associationId = association.associationId;
    this.availabilityZone = availabilityZone;
    this.dataVolumeId = dataVolume.id;
    this.securityGroupId = securityGroup.id;

    this.registerOutputs({
      instanceId: this.instanceId,
      publicIp: this.publicIp,
      url: this.url,
      availabilityZone: this.availabilityZone,
      dataVolumeId: this.dataVolumeId,
      securityGroupId: this.securityGroupId,
      releaseId: this.releaseId,
      associationId: this.associationId,
    });
  }
}
