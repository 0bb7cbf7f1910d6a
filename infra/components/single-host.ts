// berth:host:SingleHost is one EC2 machine that runs the app: an Amazon Linux 2023 instance in the
// default VPC, a security group that opens only the proxy's ports, an encrypted gp3 data volume that
// outlives the instance, and an Elastic IP. What is above the machine is in components a fleet can
// reuse: the secrets (Secrets), what the host may do (Identity), and how releases reach it
// (ReleaseChannel). The user-data is a bootstrap only (infra/host/bootstrap.ts): every release
// arrives through the channel, in place.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { AppSpec } from '../app/spec.js';
import { al2023AmiLookup } from '../aws/ami.js';
import { firstZone, hostZone } from '../aws/zone.js';
import { packUserData, renderUserData } from '../host/bootstrap.js';
import { fetchScript } from '../host/scripts.js';
import { type HostSetup, type VpcFacts, networkRules, proxyPorts } from '../host/settings.js';
import { serviceUrl } from '../host/url.js';
import { instanceTargets } from '../release/association.js';
import type { ReleasePolicy } from '../release/release.js';
import { type Transform, namedTags, transformed } from './child.js';
import { Identity, type IdentityArgs } from './identity.js';
import { BackupPolicy, type BackupPolicyArgs } from './backup-policy.js';
import { backupTags } from '../aws/dlm.js';
import type { BackupsSpec } from '../config/backups.js';
import { ReleaseChannel, type ReleaseChannelArgs } from './release-channel.js';
import { Secrets, type SecretsArgs } from './secrets.js';

export interface SingleHostArgs {
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
  /** SSM parameter path for this stack's secrets and releases: /<project>/<stack>. */
  readonly parameterPath: string;
  /** Tags for everything; each resource adds its Name. */
  readonly tags: Readonly<Record<string, string>>;
  /** Permissions boundary of the instance role (see IdentityArgs), and of the DLM role. */
  readonly permissionsBoundary?: pulumi.Input<string>;
  /** The stack: the data volume's backup tag (berth:backup=<stack>) that its DLM policy targets. */
  readonly stack: string;
  /** Snapshots of the data volume (berth:backups); disabled: no DLM policy. */
  readonly backups: BackupsSpec;
  /** Make the data volume from this EBS snapshot (berth:restoreSnapshotId): a new one REPLACES it. */
  readonly restoreSnapshotId?: string;
  /** Changes any child's arguments before it is made (see child.ts: the user's responsibility). */
  readonly transform?: {
    readonly securityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
    readonly dataVolume?: Transform<aws.ebs.VolumeArgs>;
    readonly instance?: Transform<aws.ec2.InstanceArgs>;
    readonly dataAttachment?: Transform<aws.ec2.VolumeAttachmentArgs>;
    readonly ip?: Transform<aws.ec2.EipArgs>;
    readonly secrets?: SecretsArgs['transform'];
    readonly identity?: IdentityArgs['transform'];
    readonly releaseChannel?: ReleaseChannelArgs['transform'];
    readonly backupPolicy?: BackupPolicyArgs['transform'];
  };
}

/** The type this component had before it was split (berth:host:Host): its alias. */
export const FORMER_HOST_TYPE = 'berth:host:Host';

/** The attachment's device name; Nitro instances show it as NVMe, so the host looks up the volume id. */
const DATA_DEVICE = '/dev/sdf';

export class SingleHost extends pulumi.ComponentResource {
  readonly instanceId: pulumi.Output<string>;
  readonly publicIp: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;
  readonly availabilityZone: pulumi.Output<string>;
  readonly dataVolumeId: pulumi.Output<string>;
  /** The data volume's tags (none secret): what its snapshots carry, and `npm run host:backup` gives its own. */
  readonly dataVolumeTags: pulumi.Output<Readonly<Record<string, string>>>;
  readonly securityGroupId: pulumi.Output<string>;
  /** The release the association deploys (infra/release/release.ts's fingerprint). */
  readonly releaseId: pulumi.Output<string>;
  readonly associationId: pulumi.Output<string>;
  /** The DLM policy's ARN; undefined with berth:backups.enabled false. */
  readonly backupPolicyArn?: pulumi.Output<string>;

  constructor(name: string, args: SingleHostArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Stacks made before the split hold this component as berth:host:Host: the alias keeps it, and
    // its direct children inherit it (their parent is found by it). The children of the parts below
    // were the Host's children too: `movedFrom` aliases them to it (childOptions).
    super('berth:host:SingleHost', name, {}, { ...opts, aliases: [...(opts.aliases ?? []), { type: FORMER_HOST_TYPE }] });
    const movedFrom = pulumi.createUrn(name, FORMER_HOST_TYPE);
    const parent = { parent: this };

    const { newStackZone, zoneOf } = this.lookupZones(args);
    const securityGroup = this.createSecurityGroup(name, args);
    const secrets = new Secrets(name, { ...args, movedFrom, transform: args.transform?.secrets }, parent);
    const dataVolume = this.createDataVolume(name, args, newStackZone);
    const availabilityZone = zoneOf(dataVolume);

    // The channel's association targets the instance and waits for its volume, both made below:
    // deferred, so that the instance can in turn wait for the channel's manifest.
    const [instanceIdForRelease, setInstanceId] = pulumi.deferredOutput<string>();
    let attached!: (attachment: aws.ec2.VolumeAttachment) => void;
    const attachment = new Promise<aws.ec2.VolumeAttachment>((resolve) => (attached = resolve));
    const channel = new ReleaseChannel(
      name,
      {
        ...args,
        registryToken: secrets.registryToken,
        secretEnv: secrets.secretEnv,
        setup: this.hostSetup(args, dataVolume),
        targets: instanceIdForRelease.apply(instanceTargets),
        releaseAfter: [attachment],
        movedFrom,
        transform: args.transform?.releaseChannel,
      },
      parent,
    );
    const identity = new Identity(
      name,
      {
        readableParameterArns: pulumi.all([secrets.parameterArns, channel.parameterArns]).apply(([a, b]) => [...a, ...b]),
        tags: args.tags,
        ...(args.permissionsBoundary ? { permissionsBoundary: args.permissionsBoundary } : {}),
        movedFrom,
        transform: args.transform?.identity,
      },
      parent,
    );

    const instance = this.createInstance(name, args, { availabilityZone, securityGroup, identity, channel, dataVolume });
    setInstanceId(instance.id);
    attached(this.createDataAttachment(name, args, instance, dataVolume));
    const eip = this.createIp(name, args, instance, channel);
    const backupPolicy = args.backups.enabled
      ? new BackupPolicy(name, {
          stack: args.stack,
          backups: args.backups,
          tags: args.tags,
          ...(args.permissionsBoundary ? { permissionsBoundary: args.permissionsBoundary } : {}),
          transform: args.transform?.backupPolicy,
        }, parent)
      : undefined;

    this.instanceId = instance.id;
    this.publicIp = eip.publicIp;
    const urlAt = (publicIp: string) => serviceUrl({ hostPort: args.hostPort, publicIp, ...(args.https ? { https: args.https } : {}) });
    // With a domain the address does not wait for the IP (known in a preview of a new stack too).
    this.url = args.https ? pulumi.output(urlAt('')) : eip.publicIp.apply(urlAt);
    this.releaseId = channel.releaseId;
    this.associationId = channel.associationId;
    this.availabilityZone = availabilityZone;
    this.dataVolumeId = dataVolume.id;
    this.dataVolumeTags = dataVolume.tags.apply((tags) => tags ?? {});
    this.securityGroupId = securityGroup.id;
    if (backupPolicy) this.backupPolicyArn = backupPolicy.policyArn;
    this.registerOutputs({
      backupPolicyArn: this.backupPolicyArn,
      instanceId: this.instanceId,
      publicIp: this.publicIp,
      url: this.url,
      availabilityZone: this.availabilityZone,
      dataVolumeId: this.dataVolumeId,
      dataVolumeTags: this.dataVolumeTags,
      securityGroupId: this.securityGroupId,
      releaseId: this.releaseId,
      associationId: this.associationId,
    });
  }

  /**
   * Where: a new stack takes the first zone that offers the instance type for its data volume; the
   * host then always goes to the volume's zone (infra/aws/zone.ts).
   */
  private lookupZones(args: SingleHostArgs) {
    const offerings = aws.ec2.getInstanceTypeOfferingsOutput(
      { locationType: 'availability-zone', filters: [{ name: 'instance-type', values: [args.instanceType] }] },
      { parent: this },
    );
    return {
      newStackZone: pulumi.all([args.instanceType, offerings.locations]).apply(([type, zones]) => firstZone(type, zones)),
      zoneOf: (volume: aws.ebs.Volume) =>
        pulumi.all([args.instanceType, offerings.locations, volume.availabilityZone]).apply(([type, zones, volumeZone]) => hostZone(type, zones, volumeZone)),
    };
  }

  /**
   * Who may reach it: the proxy's ports from the allowed networks (80 from the CA's too, with a
   * domain); nothing else, no SSH. Decided in infra/host/settings.ts (networkRules).
   */
  private createSecurityGroup(name: string, args: SingleHostArgs): aws.ec2.SecurityGroup {
    const proxySetup = { hostPort: args.hostPort, ...(args.https ? { https: args.https } : {}) };
    const rules = pulumi.output(args.allowedCidrs).apply((cidrs) => networkRules(proxySetup, cidrs, args.vpc));
    const allowedTo = (port: number) => rules.apply((r) => r.ingress.find((rule) => rule.port === port)!);
    const groupArgs = transformed(args.transform?.securityGroup, `${name}-sg`, {
      vpcId: args.vpc.id,
      // CreateSecurityGroup takes only a-zA-Z0-9, spaces and ._-:/()#,@[]+=&;{}!$* here, up to 255
      // characters (no apostrophe: the earlier "app's" would have failed the first `pulumi up`),
      // and the same set in each rule's description (IpRange Description); test/support/aws-rules.ts
      // holds the rule. A new description replaces the group (the provider's description is
      // ForceNew), so this one is right before anyone deploys; change it only with that in mind.
      description: `berth ${name}: the proxy ports from the allowed networks only; no SSH (use SSM)`,
      ingress: proxyPorts(proxySetup).map((port) => ({
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
      tags: namedTags(args.tags, name, 'sg'),
    });
    return new aws.ec2.SecurityGroup(`${name}-sg`, groupArgs, { parent: this });
  }

  /**
   * Data: its own encrypted volume, kept when the instance is replaced. Its zone is chosen once:
   * another instance type may be offered first in another zone, and a new zone would replace the
   * volume, data and all (availability_zone is ForceNew, ebs_volume.go), so later runs keep the zone
   * in the state (ignoreChanges uses the prior value; pulumi/pulumi step_generator.go,
   * processIgnoreChanges) and the host follows the volume.
   *
   * Backups: the volume carries the stack's backup tag, which its DLM policy targets
   * (infra/aws/dlm.ts). `finalSnapshot`: the provider's delete snapshots the volume, with its tags,
   * and waits for the snapshot to complete before it deletes the volume (resourceEBSVolumeDelete,
   * ebs_volume.go): `pulumi destroy`, and a replacement (a restore below), leave a snapshot.
   * berth:restoreSnapshotId makes the volume from that snapshot (CreateVolume SnapshotId, encrypted
   * as before); snapshot_id is ForceNew (ebs_volume.go), so setting or changing it on a running
   * stack REPLACES the volume: the old one gets its final snapshot, the new one starts as the
   * snapshot was. `size` stays: it must be at least the snapshot's (CreateVolume Size).
   */
  private createDataVolume(name: string, args: SingleHostArgs, zone: pulumi.Output<string>): aws.ebs.Volume {
    const volumeArgs = transformed(args.transform?.dataVolume, `${name}-data`, {
      availabilityZone: zone,
      size: args.dataVolumeGiB,
      type: 'gp3',
      encrypted: true,
      ...(args.restoreSnapshotId ? { snapshotId: args.restoreSnapshotId } : {}),
      finalSnapshot: true,
      tags: { ...namedTags(args.tags, name, 'data'), ...backupTags(args.stack) },
    });
    // Unset, berth:restoreSnapshotId leaves the volume as it is: ignoreChanges keeps the state's
    // snapshotId, so removing the key after a restore never makes a new, empty volume.
    const ignoreChanges = args.restoreSnapshotId ? ['availabilityZone'] : ['availabilityZone', 'snapshotId'];
    return new aws.ebs.Volume(`${name}-data`, volumeArgs, { parent: this, ignoreChanges });
  }

  /** The host settings every release carries: changing one is a release, in place. */
  private hostSetup(args: SingleHostArgs, dataVolume: aws.ebs.Volume): pulumi.Output<HostSetup> {
    return pulumi.output({ region: args.region, volumeId: dataVolume.id }).apply((s) => ({
      ...s,
      deviceName: DATA_DEVICE,
      hostPort: args.hostPort,
      ...(args.https ? { https: args.https } : {}),
    }));
  }

  /**
   * The host: a bootstrap-only user-data (region and the manifest's name), which berth upgrades and
   * host settings never change, so the provider never stops the instance for them.
   */
  private createInstance(
    name: string,
    args: SingleHostArgs,
    on: { availabilityZone: pulumi.Output<string>; securityGroup: aws.ec2.SecurityGroup; identity: Identity; channel: ReleaseChannel; dataVolume: aws.ebs.Volume },
  ): aws.ec2.Instance {
    // Looked up, never hard-coded; `ignoreChanges` below keeps a newer AMI from replacing the host,
    // and a replacement (a new instance type) boots the lookup's AMI for its architecture.
    const lookup = al2023AmiLookup(args.architecture);
    const ami = aws.ec2.getAmiOutput({ owners: [...lookup.owners], mostRecent: lookup.mostRecent, filters: lookup.filters.map((f) => ({ name: f.name, values: [...f.values] })) }, { parent: this });
    const subnet = aws.ec2.getSubnetOutput({ vpcId: args.vpc.id, availabilityZone: on.availabilityZone, defaultForAz: true }, { parent: this });
    const manifestParameter = on.channel.manifestParameterName;
    const userDataBase64 = pulumi.output(args.region).apply((region) => packUserData(renderUserData({ region, manifestParameter }, fetchScript())));
    const instanceArgs = transformed(args.transform?.instance, `${name}-instance`, {
      ami: ami.id,
      instanceType: args.instanceType,
      availabilityZone: on.availabilityZone,
      subnetId: subnet.id,
      vpcSecurityGroupIds: [on.securityGroup.id],
      iamInstanceProfile: on.identity.profile.name,
      // IMDSv2 only; a hop limit of 1 keeps the role's credentials away from containers on a
      // bridge network, the app's included.
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
      rootBlockDevice: { encrypted: true, volumeType: 'gp3', deleteOnTermination: true, tags: namedTags(args.tags, name, 'root') },
      userDataBase64,
      userDataReplaceOnChange: false,
      tags: namedTags(args.tags, name, 'instance'),
    });
    // The manifest exists before the instance boots: its first boot serves the current release.
    // A new instance type is a new host: the provider would change it in place (stop,
    // ModifyInstanceAttribute, start; resourceInstanceUpdate, ec2_instance.go) on the AMI it
    // has, which an arm64 type cannot run from an x86_64 AMI and the reverse. A replacement is
    // made from the program's inputs, ignored ones included (pulumi/pulumi step_generator.go
    // re-runs Check with goal.Properties on a replace), so it boots the current AMI of the new
    // type's architecture, and reaches the volume in Pulumi's order (the attachment, below).
    //
    // A new data volume (a restore: berth:restoreSnapshotId) is a new host too (replaceWith): the
    // old attachment's delete stops the instance before it detaches (stop_instance_before_detaching,
    // resourceVolumeAttachmentDelete in ebs_volume_attachment.go), and nothing starts it again, so a
    // host kept through a volume replacement would stay stopped and never serve the release. A new
    // host boots, waits for the new volume, and takes over the address once it serves, as above.
    // replaceWith is the engine's (pulumi/pulumi#20693, step_generator.go): Pulumi CLI v3.207.0 or newer.
    return new aws.ec2.Instance(`${name}-instance`, instanceArgs, {
      parent: this,
      ignoreChanges: ['ami'],
      replaceOnChanges: ['instanceType'],
      replaceWith: [on.dataVolume],
      dependsOn: [on.channel.manifest, on.identity.readParams],
    });
  }

  private createDataAttachment(name: string, args: SingleHostArgs, instance: aws.ec2.Instance, dataVolume: aws.ebs.Volume): aws.ec2.VolumeAttachment {
    const attachmentArgs = transformed(args.transform?.dataAttachment, `${name}-data-attachment`, {
      instanceId: instance.id,
      volumeId: dataVolume.id,
      deviceName: DATA_DEVICE,
      // Detach only from a stopped instance, so the filesystem is cleanly unmounted first.
      stopInstanceBeforeDetaching: true,
    });
    // A replaced instance (a new instance type, pulumi up --replace) gets a new attachment (instanceId
    // forces one). Pulumi creates a replacement before it deletes the old one by default, and a
    // volume attached to the old instance refuses the new attachment (VolumeInUse;
    // pulumi/pulumi-aws#2769): the old attachment goes first.
    return new aws.ec2.VolumeAttachment(`${name}-data-attachment`, attachmentArgs, { parent: this, deleteBeforeReplace: true });
  }

  /** The address moves to a (replacement) host only once the release serves there. */
  private createIp(name: string, args: SingleHostArgs, instance: aws.ec2.Instance, channel: ReleaseChannel): aws.ec2.Eip {
    const ipArgs = transformed(args.transform?.ip, `${name}-ip`, { domain: 'vpc', instance: instance.id, tags: namedTags(args.tags, name, 'ip') });
    return new aws.ec2.Eip(`${name}-ip`, ipArgs, { parent: this, dependsOn: [channel.gate] });
  }
}
