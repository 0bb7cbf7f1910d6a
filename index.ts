// berth's Pulumi program: wiring only. Read and validate the config once, build and push the image,
// make the host that runs it (one EC2 host, or with berth:fleet a fleet behind a load balancer),
// and export what an operator needs.
import path from 'node:path';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { readDeployConfig } from './infra/config/read.js';
import { SingleHost } from './infra/components/single-host.js';
import { Fleet } from './infra/components/fleet.js';
import { fleetSubnets, fleetZones } from './infra/aws/zone.js';
import { checkNetworks, vpcFacts } from './infra/host/settings.js';
import { Image } from './infra/components/image.js';
import { containerName } from './infra/app/spec.js';
import { ssmCommands } from './infra/host/ssm-commands.js';

const config = readDeployConfig();
// The default VPC, looked up before anything is made: the config must fit it (no IPv6 network
// where it has no IPv6), and a misfit stops the program here like any bad config.
const defaultVpc = await aws.ec2.getVpc({ default: true });
const vpc = vpcFacts(defaultVpc);
checkNetworks(config.allowedCidrs, vpc);
// Fleet mode: the default subnets of two zones that offer the instance type (infra/aws/zone.ts),
// looked up, and checked, before anything is made too.
const fleetPlace = config.fleet ? await fleetPlacement() : undefined;
async function fleetPlacement(): Promise<{ subnetIds: string[] }> {
  const offered = await aws.ec2.getInstanceTypeOfferings({ locationType: 'availability-zone', filters: [{ name: 'instance-type', values: [config.instanceType] }] });
  const zones = fleetZones(config.instanceType, offered.locations);
  const subnets = await aws.ec2.getSubnets({
    filters: [
      { name: 'vpc-id', values: [vpc.id] },
      { name: 'default-for-az', values: ['true'] },
      { name: 'availability-zone', values: zones },
    ],
  });
  return { subnetIds: fleetSubnets(zones, subnets.ids) };
}
const project = pulumi.getProject();
const stack = pulumi.getStack();
const tags = { project, stack, 'managed-by': 'pulumi' };

// berth:pinDigest rolls back: the host runs that earlier digest, and nothing is built or pushed.
const image = config.pinDigest
  ? { digest: pulumi.output(config.pinDigest), imageRef: pulumi.output(`${config.image.name}@${config.pinDigest}`) }
  : new Image('berth', {
      // Relative to the project directory, where Pulumi runs the program: the provider stores the
      // context as given, so an absolute path (a laptop's, a CI runner's) would differ from one
      // machine to the next and show as a change that rebuilds. Pulumi's docker.Image example
      // gives `context: "app/"` and `dockerfile: "app/Dockerfile"` the same way. berth:app.context
      // is taken as the user wrote it (relative stays relative), and the Dockerfile is given
      // relative to the project too, as the provider takes it (pulumi/pulumi-docker v4.0.1 release
      // notes: a given Dockerfile is "absolute, or relative to the Pulumi context, not the Docker
      // build context"): app/Dockerfile for the default, as before.
      context: config.app.context,
      dockerfile: path.posix.join(config.app.context, config.app.dockerfile),
      repository: config.image.name,
      tag: stack,
      platform: config.platform,
      registry: { server: config.image.registry, username: config.registryUsername, password: config.registryToken },
    });

const host = config.fleet ? undefined : new SingleHost('berth', {
  app: config.app,
  region: config.region,
  imageRef: image.imageRef,
  registry: config.image.registry,
  registryUsername: config.registryUsername,
  registryToken: config.registryToken,
  env: config.env,
  secretEnv: config.secretEnv,
  secretEnvNames: config.secretEnvNames,
  instanceType: config.instanceType,
  architecture: config.platform === 'linux/arm64' ? 'arm64' : 'x86_64',
  hostPort: config.hostPort,
  ...(config.https ? { https: config.https } : {}),
  releasePolicy: config.release,
  allowedCidrs: config.allowedCidrs,
  vpc,
  dataVolumeGiB: config.dataVolumeGiB,
  parameterPath: `/${project}/${stack}`,
  tags,
  ...(config.hostRoleBoundary ? { permissionsBoundary: config.hostRoleBoundary } : {}),
  stack,
  backups: config.backups,
  ...(config.restoreSnapshotId ? { restoreSnapshotId: config.restoreSnapshotId } : {}),
});


const fleet = config.fleet && fleetPlace ? makeFleet(config.fleet, fleetPlace) : undefined;
function makeFleet(spec: NonNullable<typeof config.fleet>, place: { subnetIds: string[] }): Fleet {
  return new Fleet('berth', {
    app: config.app,
    region: config.region,
    imageRef: image.imageRef,
    registry: config.image.registry,
    registryUsername: config.registryUsername,
    registryToken: config.registryToken,
    env: config.env,
    secretEnv: config.secretEnv,
    secretEnvNames: config.secretEnvNames,
    instanceType: config.instanceType,
    architecture: config.platform === 'linux/arm64' ? 'arm64' : 'x86_64',
    hostPort: config.hostPort,
    ...(config.https ? { domain: config.https.domain } : {}),
    ...(config.hostedZoneId ? { hostedZoneId: config.hostedZoneId } : {}),
    releasePolicy: config.release,
    allowedCidrs: config.allowedCidrs,
    vpc: { ...vpc, cidrBlock: defaultVpc.cidrBlock },
    subnetIds: place.subnetIds,
    fleet: spec,
    ...(config.database ? { database: config.database } : {}),
    ...(config.restoreDbSnapshot ? { restoreDbSnapshot: config.restoreDbSnapshot } : {}),
    project,
    stack,
    parameterPath: `/${project}/${stack}`,
    tags,
    ...(config.hostRoleBoundary ? { permissionsBoundary: config.hostRoleBoundary } : {}),
  });
}

// A single host's outputs; in fleet mode the ones a fleet has (the rest are left out).
export const url = host ? host.url : fleet!.url;
export const publicIp = host?.publicIp;
export const region = pulumi.output(config.region);
export const instanceId = host?.instanceId;
export const imageDigest = image.digest;
export const imageRef = image.imageRef;
export const dataVolumeId = host?.dataVolumeId;
// Its tags, for `npm run host:backup`: an on-demand snapshot carries what DLM's copy (berth:backup=<stack>, …).
export const dataVolumeTags = host?.dataVolumeTags;
// The DLM policy that snapshots it (berth:backups); none when disabled, and none in fleet mode.
export const backupPolicyArn = host?.backupPolicyArn;
export const releaseId = host ? host.releaseId : fleet!.releaseId;
// What `npm run release:wait` waits on when given no flags (the current release's association).
export const associationId = host ? host.associationId : fleet!.associationId;
// The app's container on the host, for npm run host:* (berth-notes by default).
export const container = pulumi.output(containerName(config.app));
const commands = host?.instanceId.apply((id) => ssmCommands({ instanceId: id, region: config.region, container: containerName(config.app) }));
export const shellCommand = commands?.shell;
export const logsCommand = commands?.logs;
export const execCommand = commands?.exec;
// Fleet mode: the load balancer's name, the DNS records to create for berth:domain (none with
// berth:hostedZoneId), the Auto Scaling group, the log group, the database (never its password:
// the secret's ARN, which the hosts' role reads).
export const loadBalancerDnsName = fleet?.loadBalancerDnsName;
export const dnsRecords = fleet?.dnsRecords;
export const groupName = fleet?.groupName;
export const logGroupName = fleet?.logGroupName;
export const databaseEndpoint = fleet?.databaseEndpoint;
export const databaseSecretArn = fleet?.databaseSecretArn;
