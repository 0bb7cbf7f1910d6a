// A simulated AWS world on this machine, for running the user-data berth renders UNMODIFIED on
// something that behaves like a fresh EC2 instance: cloud-init (real, with the Ec2 datasource)
// fetches the user-data from an IMDSv2-only metadata service and runs it on every boot; the real
// AWS CLI gets instance-role credentials from that IMDS and calls a fake SSM endpoint that checks
// its SigV4 signatures; Docker pulls by digest from a TLS registry with htpasswd auth, and
// official images (caddy:2.11.4) from a Docker Hub stand-in under Docker Hub's real name; the data
// volume is a loop device that appears as an EBS volume on a Nitro instance and outlives hosts;
// the VPC's resolver answers the world's names; an ACME CA (pebble) validates against the hosts'
// real ports 80 and 443; Run Command documents run as the SSM agent would run them.
// Everything is simulated in the environment (images, init, services); nothing in the script under
// test is changed or needs a test branch. Traffic stays on loopback and the world's containers.
//
//   const world = await createWorld({ region: 'us-east-1' });
//   const image = await world.pushImage('berth-notes:local', 'berth/notes');   // -> image.reference
//   const volume = await world.createVolume('vol-0123456789abcdef0', 512);
//   const snapshot = await world.createSnapshot(volume);            // while a host writes to it
//   const restored = await world.createVolumeFromSnapshot(snapshot); // a new volume, for a new host
//   const host = await world.launchHost({
//     userData, volume, roleName: 'berth-dev',
//     ssmParameters: { '/berth/dev/registry-token': world.registry.password },
//   });
//   const boot = await host.waitForBoot();          // { ok, failedScripts, ... }
//   await fetch(`${host.url}/healthz`);             // or http://${host.privateIp}/, https on 443
//   await world.pushHubImage('caddy:2.11.4', 'caddy:2.11.4');   // hosts: docker pull caddy:2.11.4
//   const run = await host.runDocument(document, { release: 'aGk=' });   // { status, exitCode, ... }
//   const acme = await world.startAcme({ names: { 'notes.berth.test': host.privateIp } });
//   await host.reboot(); await host.waitForBoot();
//   await host.stopStart({ userData: changed }); await host.waitForBoot();
//   await host.terminate();                         // the volume stays for the next host
//   await world.close();
//
// What a host is made of: sim/images/build-sim-host.sh (images) and
// sim/host/ (init.sh: the boot sequence; imds.py; ssm.py; smbios.py; runcommand.py).
// The user-data contract the simulation honours is summed up on launchHost below.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cleanup, uniqueName } from './docker.js';
import { type Result, check, run, waitFor } from '../ops/run.js';
import { freePort } from './net.js';

const simDir = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(simDir, '..');
const hostBinDir = path.join(simDir, 'host');
const buildScript = path.join(repoRoot, 'sim/images/build-sim-host.sh');

export const SIM_HOST_IMAGE = 'berth-sim-host:bookworm';
export const SIM_REGISTRY_IMAGE = 'berth-sim-registry:bookworm';
/** The registry's name and port as sim hosts reach it (a network alias on the world network). */
export const REGISTRY_ADDRESS = 'registry.berth.test:5443';
/** Docker Hub's registry as dockerd names it: `docker pull caddy:2.11.4` fetches
 * https://registry-1.docker.io/v2/library/caddy/manifests/2.11.4. The world's Docker Hub stand-in
 * answers under this name (World.pushHubImage). */
export const HUB_REGISTRY_HOST = 'registry-1.docker.io';
/** The ACME CA's name in the world (World.startAcme). */
export const ACME_HOST = 'acme.berth.test';
/** The world CA's PEM file as a sim host sees it (read only), e.g. to mount into a container as
 * an ACME client's trusted root for the directory (Caddy's acme_ca_root). */
export const HOST_CA_CERT_PATH = '/opt/berth-sim/world/ca.crt';
/** Where the world's services sit on the world network (x.y.z.<n>). The resolver is at the
 * subnet's base + 2, where a VPC has AmazonProvidedDNS; hosts take .128 and up. */
const SERVICE_OCTETS = { resolver: 2, registry: 3, hub: 4, acme: 5 } as const;
/** Where ssm.<region>.amazonaws.com resolves inside a sim host (/etc/hosts). Like 169.254.169.254
 * it is routed to a network namespace of its own inside the host (init.sh), off the host's ports. */
const SSM_ADDRESS = '198.18.0.10';
/** Where secretsmanager.<region>.amazonaws.com resolves inside a sim host, beside SSM. */
const SECRETS_ADDRESS = '198.18.0.11';
/** Where logs.<region>.amazonaws.com (CloudWatch Logs, sim/host/logs.py) resolves inside a sim host. */
const LOGS_ADDRESS = '198.18.0.12';
/** The device a volume appears as inside the host; by-id and mapping names are symlinks to it. */
const VOLUME_DEVICE = '/dev/nvme1n1';
/** Linux's loop block devices (LOOP_MAJOR in include/uapi/linux/major.h). */
const LOOP_MAJOR = 7;
const volumeEntry = (volume: SimVolume, deviceName: string) =>
  ({ volumeId: volume.volumeId, device: VOLUME_DEVICE, deviceName, major: volume.major, minor: volume.minor });
const LABEL = 'berth.sim.world';
const OWNER_LABEL = 'berth.sim.owner-pid';

/**
 * Builds berth-sim-host:bookworm and berth-sim-registry:bookworm if absent or built from another
 * recipe (about 45 s with a warm apt mirror; the debootstrap tarball is shared with the Node
 * stand-in). createWorld calls this, so tests need not.
 */
export async function buildSimImages({ force = false } = {}): Promise<void> {
  await check(['bash', buildScript, ...(force ? ['--force'] : [])], { timeoutMs: 1_200_000 });
}

export interface WorldOptions {
  /** The default region of hosts (and of the SSM endpoint they reach). Default us-east-1. */
  readonly region?: string;
  /** The account id in ARNs, the identity document and iam/info. Default 123456789012. */
  readonly accountId?: string;
}

/** A parameter of the fake SSM store; a plain string is a SecureString. */
export type SsmParameter =
  | string
  | { readonly type: 'String' | 'StringList' | 'SecureString'; readonly value: string; /** Default 1. */ readonly version?: number };

export interface PushedImage {
  /** registry.berth.test:5443/<repoPath>: the repository as sim hosts name it. */
  readonly name: string;
  /** sha256:..., the manifest digest the registry stored. */
  readonly digest: string;
  /** `${name}@${digest}`: what a host pulls. */
  readonly reference: string;
}

export interface LaunchOptions {
  /** The user-data, exactly as EC2 would receive it (e.g. the MIME multipart berth renders, or
   * gzip bytes, which cloud-init unzips). */
  readonly userData: string | Uint8Array;
  /** Default a random i-<17 hex>. */
  readonly instanceId?: string;
  /** The data volume to attach (it must not be attached to a live host). */
  readonly volume?: SimVolume;
  /** The block-device-mapping name the volume is attached as; Amazon Linux's udev rules link it
   * to the NVMe device too. Default /dev/sdf. */
  readonly deviceName?: string;
  /** The SSM parameter store the host's SSM endpoint answers from. Default empty. */
  readonly ssmParameters?: Readonly<Record<string, SsmParameter>>;
  /** Default the world's region. */
  readonly region?: string;
  /** The instance profile's role, whose credentials IMDS hands out. Default berth-sim-role. */
  readonly roleName?: string;
  /** Shown in IMDS and the SMBIOS product name. Default t3.small. */
  readonly instanceType?: string;
  /** The secrets the host's Secrets Manager endpoint answers GetSecretValue for: ARN ->
   * SecretString (by the ARN, or the name in it). Default none. */
  readonly secrets?: Readonly<Record<string, string>>;
}

/** How one boot went, as init.sh recorded it after cloud-init's final stage. */
export interface BootResult {
  /** 1 for the launch, then one more per reboot or stop/start. */
  readonly boot: number;
  /** Every cloud-init stage exited 0, cloud-init reported no error and no user script failed. */
  readonly ok: boolean;
  /** Exit code and duration of each cloud-init stage: init-local, init, config, final. */
  readonly stages: Readonly<Record<string, { exitCode: number; ms: number }>>;
  /** The datasource cloud-init used (e.g. "DataSourceEc2Local"). */
  readonly datasource: string | null;
  /** cloud-init's /run/cloud-init/result.json errors (e.g. "... Failed to run module scripts-user"). */
  readonly cloudInitErrors: readonly string[];
  /** User scripts (the user-data's shell part is /var/lib/cloud/instance/scripts/part-NNN) that
   * exited non-zero during this boot, with their exit codes. */
  readonly failedScripts: readonly { path: string; exitCode: number }[];
  readonly timingsMs: Readonly<Record<string, number>>;
}

/** One call the fake SSM endpoint received, accepted (status 200) or refused. */
export interface SsmCall {
  readonly time: number;
  readonly target: string | null;
  readonly names: readonly string[] | null;
  readonly withDecryption: boolean | null;
  /** The access key id from the Authorization header (null when unsigned). */
  readonly accessKeyId: string | null;
  readonly status: number;
  /** The error __type when refused, e.g. InvalidSignatureException, ParameterNotFound. */
  readonly error: string | null;
}

/** Instance-role credentials IMDS issued (one set per boot). */
export interface IssuedCredentials {
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly Token: string;
  readonly Expiration: string;
  readonly RoleName: string;
}

/** One call the CloudWatch Logs stand-in received (sim/host/logs.py), as it received it. */
export interface LogsCall {
  readonly time: number;
  /** X-Amz-Target, e.g. Logs_20140328.PutLogEvents. */
  readonly target: string | null;
  /** The SigV4 credential's access key id, when the request was signed at all. */
  readonly accessKeyId: string | null;
  readonly status: number;
  /** The error __type when refused, e.g. ResourceNotFoundException. */
  readonly error: string | null;
  /** The request body as received (parsed JSON, or the raw text). */
  readonly request: unknown;
}

/** An event CloudWatch Logs (the stand-in) stored. */
export interface StoredLogEvent {
  readonly group: string;
  readonly stream: string;
  readonly timestamp: number;
  readonly message: string;
  readonly ingestionTime: number;
}

/** An image on the Docker Hub stand-in (World.pushHubImage). */
export interface HubImage {
  /** The name hosts pull, as it was given (e.g. caddy:2.11.4). */
  readonly name: string;
  /** sha256:..., the manifest digest the stand-in stored. */
  readonly digest: string;
}

/** The world's ACME CA (World.startAcme): Debian's pebble, validating for real. */
export interface Acme {
  /** https://acme.berth.test:14000/dir: the directory as hosts and their containers reach it. */
  readonly directoryUrl: string;
  /** The world CA's PEM file on this machine: the root TLS to the directory chains to (on a host
   * it is HOST_CA_CERT_PATH). Not the root of the certificates pebble issues: see rootsPem(). */
  readonly caCertPath: string;
  /** 127.0.0.1:<port> where the directory's port 14000 is published here; talk TLS to it with the
   * server name acme.berth.test and caCertPath. */
  readonly localAddress: string;
  /** The PEM of the root pebble issues under (from its management interface, /roots/0). pebble
   * makes a new one each time it starts: trust it, e.g. curl --cacert, to check a served chain. */
  rootsPem(): Promise<string>;
  /** Adds names (DNS name -> IPv4) to the world's DNS, as an operator adds A records, e.g. once
   * a host's IP is known. A name keeps its first address: publishing it again with another one
   * throws. */
  publish(names: Readonly<Record<string, string>>): Promise<void>;
  /** pebble's log (orders, validations, issuance). */
  logs(): Promise<string>;
}

/** A command run on a host by SimHost.runDocument, as Run Command reports its invocation. */
export interface CommandResult {
  /** The command id (a UUID, as SendCommand returns). */
  readonly commandId: string;
  /** Success (every step exited 0), Failed, or TimedOut (a step ran out of its timeoutSeconds). */
  readonly status: 'Success' | 'Failed' | 'TimedOut';
  /** 0, or the exit code of the first step that did not succeed (137 for a timeout, as the agent
   * reports a step it killed; -1 for a script killed by a signal). */
  readonly exitCode: number;
  /** The steps' output, in order; like GetCommandInvocation, the first 24,000 characters of each
   * step's (the whole output is in the step's folder on the host: stdout, stderr). */
  readonly stdout: string;
  readonly stderr: string;
  readonly steps: readonly CommandStep[];
}

/** One step (plugin) of a command; Skipped when its precondition rules Linux out. */
export interface CommandStep {
  readonly name: string;
  readonly status: 'Success' | 'Failed' | 'TimedOut' | 'Skipped';
  readonly exitCode: number;
  /** Epoch ms, measured on the host. */
  readonly start: number;
  readonly end: number;
}

/** One command the host's SSM agent stand-in ran (SimHost.ssmCommands), in the order they ended. */
export interface SsmCommand {
  readonly commandId: string;
  /** The name runDocument was given (opts.documentName), else null. */
  readonly documentName: string | null;
  /** sha256 (hex) of the document's content, as DescribeDocument's Hash. */
  readonly documentHash: string;
  /** The parameters as sent (SendCommand's form: every value a list). */
  readonly parameters: Readonly<Record<string, readonly string[]>>;
  readonly status: CommandResult['status'];
  readonly exitCode: number;
  /** Epoch ms, measured on the host: the first step's start, the last step's end. */
  readonly start: number;
  readonly end: number;
  readonly steps: readonly CommandStep[];
}

/** Removes what worlds of test processes that are gone left behind (containers, networks,
 * volumes, loop devices, temp dirs). createWorld calls it. */
export async function pruneStaleWorlds(): Promise<void> {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  const owner = async (kind: 'container' | 'network' | 'volume', name: string) => {
    const labels = kind === 'container' ? '.Config.Labels' : '.Labels';
    return Number((await run(['docker', kind, 'inspect', '-f', `{{index ${labels} "${OWNER_LABEL}"}}`, name])).stdout.trim());
  };
  const listed = async (args: string[]) => (await run(['docker', ...args, '--filter', `label=${OWNER_LABEL}`])).stdout.split('\n').filter(Boolean);
  for (const kind of ['container', 'volume', 'network'] as const) {
    const names = await listed(kind === 'container' ? ['ps', '-aq'] : [kind, 'ls', '-q']);
    for (const name of names) {
      const pid = await owner(kind, name);
      if (!pid || alive(pid)) continue;
      if (kind === 'container') await run(['docker', 'rm', '--force', '--volumes', name]);
      else await run(['docker', kind, 'rm', ...(kind === 'volume' ? ['--force'] : []), name]);
    }
  }
  for (const entry of await readdir(os.tmpdir()).catch(() => [] as string[])) {
    if (!entry.startsWith('berth-test-sim-')) continue;
    const dir = path.join(os.tmpdir(), entry);
    const pid = Number(await readFile(path.join(dir, 'owner.pid'), 'utf8').catch(() => 'NaN'));
    if (Number.isNaN(pid) || alive(pid)) continue;
    for (const file of await readdir(path.join(dir, 'volumes')).catch(() => [] as string[])) {
      const loops = await run(['losetup', '-j', path.join(dir, 'volumes', file), '-O', 'NAME', '-n']);
      for (const loop of loops.stdout.split('\n').map((l) => l.trim()).filter(Boolean)) await run(['losetup', '-d', loop]);
    }
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Creates a world: a test CA, a user-defined Docker network with a "VPC" container (the subnet's
 * DHCP server and resolver), a registry (TLS from the test CA, htpasswd/bcrypt auth with random
 * credentials) reachable as registry.berth.test:5443 from hosts and on a 127.0.0.1 port from here,
 * and a Docker Hub stand-in (registry-1.docker.io:443, no auth; World.pushHubImage).
 * Builds the sim images first if needed. Call close() when done (e.g. in afterAll).
 */
export async function createWorld(options: WorldOptions = {}): Promise<World> {
  await buildSimImages();
  await pruneStaleWorlds();
  const world = new World(options);
  try {
    await world.start();
  } catch (err) {
    await world.close();
    throw err;
  }
  return world;
}

export class World {
  readonly name = uniqueName('sim');
  readonly region: string;
  readonly accountId: string;
  /** The registry as hosts see it, and its credentials (random per world). `localAddress` is the
   * 127.0.0.1:<port> it is published on here (Docker treats it as an insecure-allowed registry). */
  readonly registry: { readonly address: string; readonly username: string; readonly password: string; localAddress: string };
  /** The Docker Hub stand-in: registry-1.docker.io:443 for hosts (TLS from the test CA, which
   * hosts trust; no auth, as Docker Hub lets anyone pull official images), and `localAddress`,
   * the 127.0.0.1:<port> it is published on here, which pushHubImage pushes to. */
  readonly hub = { address: `${HUB_REGISTRY_HOST}:443`, localAddress: '' };
  private worldDir = '';
  private acmeStarted = false;
  private dnsFiles = 0;
  private readonly dnsNames = new Map<string, string>();
  /** The world's docker network. */
  readonly network: string;
  private subnet = { prefix: '', gateway: '' };
  private nextHostOctet = 128;
  // Containers are removed first (what they use can go only then); the Cleanup takes the other steps.
  private readonly containers: string[] = [];
  private readonly cleanup = new Cleanup();
  private readonly hosts = new Map<string, SimHost>();
  private readonly volumes = new Map<string, SimVolume>();
  private readonly regions = new Set<string>();
  private closed = false;

  constructor(options: WorldOptions) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.network = this.name;
    this.registry = {
      address: REGISTRY_ADDRESS,
      username: `berth-${randomBytes(3).toString('hex')}`,
      password: randomBytes(18).toString('base64url'),
      localAddress: '',
    };
  }

  /** The temp dir holding the world's files (CA, registry config, hosts/<instance id>/ state). */
  get dir(): string {
    return this.worldDir;
  }

  /** The test CA's certificate (PEM file), e.g. to talk TLS to the registry from here. */
  get caCertPath(): string {
    return path.join(this.dir, 'world', 'ca.crt');
  }

  /** @internal */
  async start(): Promise<void> {
    this.worldDir = this.cleanup.dir(await mkdtemp(path.join(os.tmpdir(), `${this.name}-`)));
    await writeFile(path.join(this.dir, 'owner.pid'), String(process.pid));
    for (const sub of ['world', 'ca', 'registry', 'hub', 'acme', 'dhcp-hosts', 'dns-hosts', 'hosts', 'volumes', 'snapshots', 'docker-config', 'cloudwatch-logs']) {
      await mkdir(path.join(this.dir, sub), { recursive: true });
    }
    await this.makeCa();
    await this.ensureRegion(this.region);
    await this.createNetwork();
    // The services have fixed addresses, so their names are in the resolver before it starts.
    await this.publishDns({ [REGISTRY_ADDRESS.split(':')[0]!]: this.serviceIp('registry'), [HUB_REGISTRY_HOST]: this.serviceIp('hub') });
    await this.startVpc();
    await this.startRegistry();
    await this.startHub();
  }

  /** This machine's address on the world network (the bridge's gateway). A server started here
   * and listening on it (the fleet's PostgreSQL, sim/fleet-database.ts) is reachable from the
   * hosts and from the containers their engines run (NATed to the host's address), as a VPC's
   * other services are from an instance. */
  get gatewayIp(): string {
    return this.subnet.gateway;
  }

  /** Names a server on this machine in the world's DNS (dnsName -> gatewayIp), with a leaf
   * certificate for the name from the world's CA (PEM files in `dir`); for a stand-in that runs
   * here, not in a container, such as the fleet's PostgreSQL (RDS's endpoint is a DNS name). */
  async serveFromHere(dnsName: string, dir: string): Promise<{ ip: string; certFile: string; keyFile: string }> {
    const base = dnsName.split('.')[0]!;
    await this.issue(dnsName, dir, base);
    await this.publishDns({ [dnsName]: this.gatewayIp });
    return { ip: this.gatewayIp, certFile: path.join(dir, `${base}.crt`), keyFile: path.join(dir, `${base}.key`) };
  }

  /** The world network's address of one of its services. */
  private serviceIp(service: keyof typeof SERVICE_OCTETS): string {
    return `${this.subnet.prefix}.${SERVICE_OCTETS[service]}`;
  }

  /** The DNS domain the VPC's DHCP hands out (EC2's: ec2.internal in us-east-1). */
  private get dnsDomain(): string {
    return this.region === 'us-east-1' ? 'ec2.internal' : `${this.region}.compute.internal`;
  }

  private openssl(args: string[]) {
    return check(['openssl', ...args], { cwd: path.join(this.dir, 'ca') });
  }

  private async makeCa() {
    await this.openssl([
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3',
      '-keyout', 'ca.key', '-out', path.join(this.dir, 'world', 'ca.crt'), '-subj', `/O=berth sim/CN=berth sim test CA ${this.name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  }

  /** Issues a leaf certificate for dnsName from the test CA into dir/<base>.crt and .key. */
  private async issue(dnsName: string, dir: string, base: string) {
    const key = path.join(dir, `${base}.key`);
    const csr = path.join(this.dir, 'ca', `${base}.csr`);
    const ext = path.join(this.dir, 'ca', `${base}.ext`);
    await this.openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${dnsName}`]);
    await writeFile(ext, [
      `subjectAltName=DNS:${dnsName}`, 'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth', '',
    ].join('\n'));
    await this.openssl([
      'x509', '-req', '-in', csr, '-CA', path.join(this.dir, 'world', 'ca.crt'), '-CAkey', 'ca.key',
      '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', path.join(dir, `${base}.crt`),
    ]);
    await check(['chmod', '0644', key]);
  }

  private async ensureRegion(region: string) {
    if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) throw new Error(`not a region: ${region}`);
    if (this.regions.has(region)) return;
    await this.issue(`ssm.${region}.amazonaws.com`, path.join(this.dir, 'world'), `ssm.${region}`);
    await this.issue(`secretsmanager.${region}.amazonaws.com`, path.join(this.dir, 'world'), `secretsmanager.${region}`);
    await this.issue(`logs.${region}.amazonaws.com`, path.join(this.dir, 'world'), `logs.${region}`);
    this.regions.add(region);
  }

  private labels(): string[] {
    return ['--label', `${LABEL}=${this.name}`, '--label', `${OWNER_LABEL}=${process.pid}`];
  }

  private async createNetwork() {
    const routes = (await run(['ip', '-4', 'route'])).stdout;
    for (let attempt = 0; attempt < 30; attempt++) {
      const prefix = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 256)}`;
      if (routes.includes(`${prefix}.`)) continue;
      const created = await run([
        'docker', 'network', 'create', ...this.labels(), '--driver', 'bridge',
        '--subnet', `${prefix}.0/24`, '--ip-range', `${prefix}.0/25`, '--gateway', `${prefix}.1`, this.network,
      ]);
      if (created.code === 0) {
        this.subnet = { prefix, gateway: `${prefix}.1` };
        this.cleanup.later(() => run(['docker', 'network', 'rm', this.network]));
        return;
      }
      if (!/overlap/i.test(created.stderr)) throw new Error(`docker network create failed: ${created.stderr}`);
    }
    throw new Error('found no free 10.x.y.0/24 subnet for the world network');
  }

  /**
   * The "VPC": dnsmasq as the subnet's DHCP server, with one fixed lease per host (MAC -> IP), and
   * as its resolver at the subnet's base + 2 (AmazonProvidedDNS's place). Hosts use it (init.sh
   * sets it in /etc/resolv.conf, as systemd-networkd does from the lease), so dockerd and the
   * containers it runs resolve the world's names the same way: the hosts files in dns-hosts/
   * (publishDns; re-read on change), the hosts' own ip-a-b-c-d.<domain> names, and NXDOMAIN for
   * anything else, with no upstream: no query leaves the world.
   */
  private async startVpc() {
    const name = this.container(`${this.name}-vpc`);
    await check([
      'docker', 'run', '-d', '--name', name, ...this.labels(), '--network', this.network, '--ip', this.serviceIp('resolver'),
      '--cap-add', 'NET_ADMIN', '-v', `${path.join(this.dir, 'dhcp-hosts')}:/etc/berth-sim/dhcp-hosts:ro`,
      '-v', `${path.join(this.dir, 'dns-hosts')}:/etc/berth-sim/dns-hosts:ro`, SIM_REGISTRY_IMAGE,
      'dnsmasq', '--keep-in-foreground', '--log-facility=-', '--log-dhcp', '--log-queries', '--bind-interfaces', '--interface=eth0',
      '--no-resolv', '--no-hosts', '--hostsdir=/etc/berth-sim/dns-hosts', '--address=/#/',
      `--dhcp-range=${this.subnet.prefix}.0,static,255.255.255.0,1h`, '--dhcp-hostsdir=/etc/berth-sim/dhcp-hosts',
      `--dhcp-option=option:router,${this.subnet.gateway}`, `--domain=${this.dnsDomain}`, '--dhcp-authoritative',
      '--dhcp-leasefile=/tmp/dnsmasq.leases',
    ]);
  }

  /** Adds names (name -> IPv4) to the world's DNS: a new hosts file in dns-hosts/, which the VPC's
   * dnsmasq reads by itself (inotify); once it runs, this waits until it has. dnsmasq would
   * answer both addresses of a name in two files, so a name cannot move. */
  private async publishDns(names: Readonly<Record<string, string>>) {
    for (const [dnsName, ip] of Object.entries(names)) {
      if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(dnsName)) throw new Error(`not a DNS name: ${dnsName}`);
      if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(ip)) throw new Error(`not an IPv4 address: ${ip} (for ${dnsName})`);
      const known = this.dnsNames.get(dnsName);
      if (known !== undefined && known !== ip) throw new Error(`${dnsName} is ${known} in the world's DNS already; the sim cannot move it to ${ip}`);
    }
    const records = Object.entries(names).filter(([dnsName]) => !this.dnsNames.has(dnsName));
    if (records.length === 0) return;
    for (const [dnsName, ip] of records) this.dnsNames.set(dnsName, ip);
    const file = `names-${++this.dnsFiles}`;
    const dir = path.join(this.dir, 'dns-hosts');
    // dnsmasq skips dot files, so it reads the file once, complete, when it is renamed.
    await writeFile(path.join(dir, `.${file}`), records.map(([n, ip]) => `${ip} ${n}\n`).join(''));
    await rename(path.join(dir, `.${file}`), path.join(dir, file));
    const vpc = `${this.name}-vpc`;
    if (!this.containers.includes(vpc)) return;
    await waitFor(`the world's resolver to read ${file}`, async () =>
      Object.values(await run(['docker', 'logs', vpc])).join('').includes(`read /etc/berth-sim/dns-hosts/${file}`) || undefined,
    { timeoutMs: 10_000, intervalMs: 100 });
  }

  private async startRegistry() {
    const dir = path.join(this.dir, 'registry');
    await this.issue('registry.berth.test', dir, 'registry');
    const htpasswd = await check(['docker', 'run', '--rm', SIM_REGISTRY_IMAGE, 'htpasswd', '-Bbn', this.registry.username, this.registry.password]);
    await writeFile(path.join(dir, 'htpasswd'), htpasswd.trim() + '\n');
    await writeFile(path.join(dir, 'config.yml'), [
      'version: 0.1',
      'log: { level: info }',
      'storage: { filesystem: { rootdirectory: /var/lib/registry }, delete: { enabled: true } }',
      'http:',
      '  addr: 0.0.0.0:5443',
      '  tls: { certificate: /etc/berth-sim/registry.crt, key: /etc/berth-sim/registry.key }',
      'auth:',
      '  htpasswd: { realm: berth-sim-registry, path: /etc/berth-sim/htpasswd }',
      '',
    ].join('\n'));
    const name = this.container(`${this.name}-registry`);
    await check([
      'docker', 'run', '-d', '--name', name, ...this.labels(), '--network', this.network, '--ip', this.serviceIp('registry'),
      '--network-alias', REGISTRY_ADDRESS.split(':')[0]!, '-p', '127.0.0.1::5443',
      '-v', `${dir}:/etc/berth-sim:ro`, SIM_REGISTRY_IMAGE, 'docker-registry', 'serve', '/etc/berth-sim/config.yml',
    ]);
    const port = (await check(['docker', 'port', name, '5443'])).split('\n')[0]!.trim().split(':').pop();
    this.registry.localAddress = `127.0.0.1:${port}`;
    const ca = await readFile(this.caCertPath);
    await waitFor('the sim registry to answer /v2/', async () => {
      const status = await new Promise<number>((resolve, reject) => {
        const req = https.get({ host: '127.0.0.1', port: Number(port), path: '/v2/', ca, servername: 'registry.berth.test', timeout: 2000 }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.on('timeout', () => req.destroy(new Error('timeout')));
      });
      return status === 401 ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 });
    await this.dockerHere(['login', '--username', this.registry.username, '--password-stdin', this.registry.localAddress], this.registry.password);
  }

  /**
   * The Docker Hub stand-in: a second registry under the name dockerd uses for Docker Hub,
   * registry-1.docker.io (network alias and the world's DNS), on 443 with a certificate from the
   * test CA, and without auth: Docker Hub hands anonymous pullers of public images a token
   * (auth.docker.io) that dockerd fetches by itself, so a pull needs no login there either.
   * Nothing on the host is configured for it (no mirror, no insecure-registries): its CA is the
   * world's, which hosts trust system-wide, as for every name in the world.
   */
  private async startHub() {
    const dir = path.join(this.dir, 'hub');
    await this.issue(HUB_REGISTRY_HOST, dir, 'hub');
    await writeFile(path.join(dir, 'config.yml'), [
      'version: 0.1',
      'log: { level: info }',
      'storage: { filesystem: { rootdirectory: /var/lib/registry } }',
      'http:',
      '  addr: 0.0.0.0:443',
      '  tls: { certificate: /etc/berth-sim/hub.crt, key: /etc/berth-sim/hub.key }',
      '',
    ].join('\n'));
    const name = this.container(`${this.name}-hub`);
    await check([
      'docker', 'run', '-d', '--name', name, ...this.labels(), '--network', this.network, '--ip', this.serviceIp('hub'),
      '--network-alias', HUB_REGISTRY_HOST, '-p', '127.0.0.1::443',
      '-v', `${dir}:/etc/berth-sim:ro`, SIM_REGISTRY_IMAGE, 'docker-registry', 'serve', '/etc/berth-sim/config.yml',
    ]);
    this.hub.localAddress = await publishedAddress(name, 443);
    const ca = await readFile(this.caCertPath);
    await waitFor('the Docker Hub stand-in to answer /v2/', async () =>
      (await httpsGet(this.hub.localAddress, '/v2/', { ca, servername: HUB_REGISTRY_HOST })).status === 200 || undefined,
    { timeoutMs: 30_000, intervalMs: 100 });
  }

  /** docker on this machine, with a config dir of the world's own (its registry login). */
  private async dockerHere(args: string[], input?: string) {
    return check(['docker', ...args], { input, env: { ...process.env, DOCKER_CONFIG: path.join(this.dir, 'docker-config') } });
  }

  /**
   * Pushes an image of this machine's engine to the world's registry as <repoPath> and returns
   * the reference hosts pull: registry.berth.test:5443/<repoPath>@sha256:... The temporary
   * 127.0.0.1:<port>/<repoPath> tag is removed again.
   */
  async pushImage(localRef: string, repoPath: string): Promise<PushedImage> {
    if (!/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/.test(repoPath)) throw new Error(`not a repository path: ${repoPath}`);
    const tag = `${this.registry.localAddress}/${repoPath}:push-${randomBytes(4).toString('hex')}`;
    await this.dockerHere(['tag', localRef, tag]);
    try {
      const out = await this.dockerHere(['push', tag]);
      const digest = /digest: (sha256:[0-9a-f]{64})/.exec(out)?.[1];
      if (!digest) throw new Error(`docker push printed no digest:\n${out}`);
      const name = `${REGISTRY_ADDRESS}/${repoPath}`;
      return { name, digest, reference: `${name}@${digest}` };
    } finally {
      await run(['docker', 'image', 'rm', tag]);
    }
  }

  /**
   * Pushes an image of this machine's engine to the Docker Hub stand-in, so that hosts pull it by
   * `name` exactly as from Docker Hub: 'caddy:2.11.4' is docker.io/library/caddy:2.11.4 (an
   * official image), 'someone/tool:1' is docker.io/someone/tool:1; no tag means latest. The
   * temporary 127.0.0.1:<port>/... tag is removed again.
   */
  async pushHubImage(localRef: string, name: string): Promise<HubImage> {
    const component = '[a-z0-9]+([._-][a-z0-9]+)*';
    const m = new RegExp(`^(docker\\.io/)?(?<repo>${component}(/${component})?)(:(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?$`).exec(name);
    if (!m?.groups) throw new Error(`not a Docker Hub image name: ${name}`);
    const { repo, tag: version = 'latest' } = m.groups as { repo: string; tag?: string };
    const tag = `${this.hub.localAddress}/${repo.includes('/') ? repo : `library/${repo}`}:${version}`;
    await this.dockerHere(['tag', localRef, tag]);
    try {
      const out = await this.dockerHere(['push', tag]);
      const digest = /digest: (sha256:[0-9a-f]{64})/.exec(out)?.[1];
      if (!digest) throw new Error(`docker push printed no digest:\n${out}`);
      return { name, digest };
    } finally {
      await run(['docker', 'image', 'rm', tag]);
    }
  }

  /**
   * Starts the world's ACME CA, Debian's pebble (Let's Encrypt's test server), and publishes
   * `names` (DNS name -> IPv4, e.g. { 'notes.berth.test': host.privateIp }) in the world's DNS,
   * which pebble resolves them with, as a public CA resolves public DNS. Validation is real:
   * http-01 on the name's port 80 and tls-alpn-01 on its 443, the hosts' own ports (nothing like
   * PEBBLE_VA_ALWAYS_VALID). The directory is https://acme.berth.test:14000/dir (network alias
   * and DNS), with a certificate from the world CA (a client trusts it with acme_ca_root or the
   * like; hosts trust it system-wide), so clients are configured as for any private ACME CA.
   * PEBBLE_VA_NOSLEEP=1 and PEBBLE_WFE_NONCEREJECT=0: no random validation delays or bad-nonce
   * rejections (pebble's defaults, there to exercise clients' retries), so issuance takes seconds.
   * More names can follow with acme.publish(). One per world; close() removes it.
   */
  async startAcme({ names }: { names: Readonly<Record<string, string>> }): Promise<Acme> {
    if (this.closed) throw new Error('the world is closed');
    if (this.acmeStarted) throw new Error('the world has an ACME CA already');
    this.acmeStarted = true;
    const dir = path.join(this.dir, 'acme');
    await this.issue(ACME_HOST, dir, 'acme');
    await writeFile(path.join(dir, 'pebble.json'), JSON.stringify({
      pebble: {
        listenAddress: '0.0.0.0:14000',
        managementListenAddress: '0.0.0.0:15000',
        certificate: '/etc/berth-sim/acme.crt',
        privateKey: '/etc/berth-sim/acme.key',
        httpPort: 80,
        tlsPort: 443,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }, null, 2));
    await this.publishDns({ [ACME_HOST]: this.serviceIp('acme'), ...names });
    const name = this.container(`${this.name}-acme`);
    await check([
      'docker', 'run', '-d', '--name', name, ...this.labels(), '--network', this.network, '--ip', this.serviceIp('acme'),
      '--network-alias', ACME_HOST, '-p', '127.0.0.1::14000', '-p', '127.0.0.1::15000',
      '--env', 'PEBBLE_VA_NOSLEEP=1', '--env', 'PEBBLE_WFE_NONCEREJECT=0',
      '-v', `${dir}:/etc/berth-sim:ro`, SIM_REGISTRY_IMAGE,
      'pebble', '-config', '/etc/berth-sim/pebble.json', '-dnsserver', `${this.serviceIp('resolver')}:53`,
    ]);
    const acme = new SimAcme(name, this.caCertPath, await publishedAddress(name, 14000), await publishedAddress(name, 15000), (more) => this.publishDns(more));
    const ca = await readFile(this.caCertPath);
    await waitFor('pebble to answer /dir', async () =>
      (await httpsGet(acme.localAddress, '/dir', { ca, servername: ACME_HOST })).status === 200 || undefined,
    { timeoutMs: 30_000, intervalMs: 100 }).catch(async (err) => {
      throw new Error(`${(err as Error).message}\n--- pebble ---\n${(await acme.logs()).slice(-3000)}`);
    });
    return acme;
  }

  /**
   * An EBS volume stand-in: a sparse file of sizeMiB and a loop device on this machine. Attach it
   * with launchHost({ volume }) or host.attachVolume(volume); it appears there as /dev/nvme1n1, linked from
   * /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_<volumeId without the dash> and from the
   * mapping name. It is blank (no file system) until something formats it, and keeps its data
   * across reboots, stop/start and host replacement. close() detaches and deletes it.
   */
  async createVolume(volumeId: string, sizeMiB: number): Promise<SimVolume> {
    const file = this.newVolumeFile(volumeId);
    await check(['truncate', '--size', `${sizeMiB}M`, file]);
    return this.loopVolume(volumeId, sizeMiB, file);
  }

  /**
   * CreateSnapshot of a volume, attached and in use or not, taken as EBS takes one: "The snapshot
   * includes only the data that was written to the volume at the time the snapshot was requested.
   * It does not include data that has been cached by applications or the operating system" (Amazon
   * EBS User Guide, Create Amazon EBS snapshots,
   * https://docs.aws.amazon.com/ebs/latest/userguide/ebs-creating-snapshot.html). So nothing here
   * syncs or freezes the host's file system: what the copy holds is what the loop device has
   * written to its backing file (the device's medium; fsync on the host reaches it), and dirty
   * pages still in the host kernel's cache are not in it. AWS's own advice, to pause writes or
   * unmount first for a consistent snapshot, is for berth's code to follow, not the world.
   *
   * One difference is said, not hidden: EBS fixes the content at the instant of the request; this
   * is a `cp --sparse=always` of the backing file (this machine's file system cannot reflink), which
   * takes `copyMs` while the host keeps writing, so a block written during the copy may or may not
   * be in it. Writes acknowledged before `startedAt` are in it; those after `endedAt` are not.
   */
  async createSnapshot(volume: SimVolume): Promise<SimSnapshot> {
    const snapshotId = `snap-${randomBytes(9).toString('hex').slice(0, 17)}`;
    const file = path.join(this.dir, 'snapshots', `${snapshotId}.img`);
    this.cleanup.later(() => rm(file, { force: true }));
    const startedAt = Date.now();
    const t0 = performance.now();
    await check(['cp', '--sparse=always', volume.file, file]);
    const copyMs = performance.now() - t0;
    return new SimSnapshot(snapshotId, volume.volumeId, volume.sizeMiB, file, startedAt, startedAt + Math.ceil(copyMs), copyMs);
  }

  /**
   * CreateVolume with SnapshotId: a new volume (a new loop device) holding the snapshot's content:
   * the file system and its files as they were on the device when the snapshot was taken. As
   * EC2 refuses it: a size smaller than the snapshot's volume. Default id: a random vol-<17 hex>.
   */
  async createVolumeFromSnapshot(snapshot: SimSnapshot, options: { volumeId?: string; sizeMiB?: number } = {}): Promise<SimVolume> {
    const volumeId = options.volumeId ?? `vol-${randomBytes(9).toString('hex').slice(0, 17)}`;
    const sizeMiB = options.sizeMiB ?? snapshot.volumeSizeMiB;
    if (sizeMiB < snapshot.volumeSizeMiB) {
      throw new Error(`InvalidParameterValue: volume size ${sizeMiB} MiB is smaller than snapshot ${snapshot.snapshotId} (${snapshot.volumeSizeMiB} MiB)`);
    }
    const file = this.newVolumeFile(volumeId);
    await check(['cp', '--sparse=always', snapshot.file, file]);
    if (sizeMiB > snapshot.volumeSizeMiB) await check(['truncate', '--size', `${sizeMiB}M`, file]);
    return this.loopVolume(volumeId, sizeMiB, file);
  }

  private newVolumeFile(volumeId: string): string {
    if (!/^vol-[0-9a-f]{8}([0-9a-f]{9})?$/.test(volumeId)) throw new Error(`not an EBS volume id: ${volumeId}`);
    if (this.volumes.has(volumeId)) throw new Error(`volume ${volumeId} already exists in this world`);
    return path.join(this.dir, 'volumes', `${volumeId}.img`);
  }

  private async loopVolume(volumeId: string, sizeMiB: number, file: string): Promise<SimVolume> {
    const loop = (await check(['losetup', '--find', '--show', file])).trim();
    const [major, minor] = (await check(['stat', '--format', '%Hr %Lr', loop])).trim().split(' ').map(Number);
    this.cleanup.later(async () => {
      await run(['losetup', '--detach', loop]);
      await rm(file, { force: true });
    });
    const volume = new SimVolume(volumeId, sizeMiB, file, loop, major!, minor!);
    this.volumes.set(volumeId, volume);
    return volume;
  }

  /**
   * Launches a sim host and returns once its container runs; wait for the boot with
   * host.waitForBoot() (about 3 s plus what the user-data does). Every boot (launch, reboot,
   * stop/start) goes as on a Nitro instance with systemd (sim/host/init.sh):
   * firmware (SMBIOS "Amazon EC2") and udev (the volume's by-id link), local-fs (mount -a of
   * /etc/fstab), IMDS + SSM come up, cloud-init-local (Ec2Local: DHCP lease from the world's VPC,
   * IMDS crawl, the instance's current user-data), network, cloud-init + cloud-config,
   * docker.service (dockerd answering), cloud-final (scripts-user runs the user-data's shell part
   * when the user-data's cloud-config says so, e.g. `cloud_final_modules: [[scripts-user, always]]`).
   *
   * The contract the user-data can rely on (as on EC2 with Amazon Linux, except where noted):
   *  - it runs as root under cloud-init's scripts-user with systemd's unit environment: PATH and
   *    LANG only, no HOME (docker and aws fall back to /root); its output goes to
   *    /var/log/cloud-init-output.log and to the console (host.consoleLog());
   *  - `docker info` answers before it starts (trixie's docker.io 26.1, overlay2, /var/lib/docker
   *    on a disk of the host's own). The OS is Debian bookworm, not Amazon Linux: no dnf, no
   *    systemctl (no systemd), no jq, no xfsprogs; bash, coreutils, util-linux (blkid, mount,
   *    mountpoint, findmnt, lsblk), e2fsprogs, iproute2, procps, curl, python3 and aws are there;
   *  - an attached volume is /dev/nvme1n1, linked from
   *    /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol<17 hex> (the id without the dash) and
   *    from deviceName (default /dev/sdf); it is blank until formatted; mounts do not survive a
   *    reboot: on the next boot, dockerd brings back restart-policy containers BEFORE the
   *    user-data runs, so a bind mount from the volume sees the empty mount point unless the
   *    volume is in /etc/fstab (mounted at local-fs, before docker.service) or the container is
   *    re-created after mounting;
   *  - IMDSv2 only at 169.254.169.254 (PUT /latest/api/token first; GETs without a token get 401),
   *    with credentials of roleName's instance profile, which the AWS CLI (2.9) finds by itself;
   *    no region is configured on the host (no ~/.aws/config, no AWS_REGION): pass --region or
   *    read placement/region from IMDS;
   *  - https://ssm.<region>.amazonaws.com answers GetParameter(s) from ssmParameters and checks
   *    SigV4 against the credentials IMDS issued; the system trust store trusts the world's CA,
   *    so aws, curl and dockerd (registry.berth.test:5443, registry-1.docker.io) see plain valid
   *    TLS; nothing like AWS_CA_BUNDLE is set;
   *  - https://secretsmanager.<region>.amazonaws.com answers GetSecretValue for `secrets`, with
   *    the same SigV4 checks against the role's credentials;
   *  - https://logs.<region>.amazonaws.com is CloudWatch Logs (sim/host/logs.py: CreateLogStream,
   *    PutLogEvents, DescribeLogStreams, FilterLogEvents, with the same SigV4 checks) for the
   *    groups createLogGroup made, one store for all hosts of the world (logEvents());
   *  - `docker pull caddy:2.11.4` (any docker.io name) pulls from the world's Docker Hub stand-in
   *    what pushHubImage put there, with no login; other names of Docker Hub are not there;
   *  - /etc/resolv.conf names the VPC's resolver (as DHCP sets it on EC2), which answers the
   *    world's names (registry.berth.test, registry-1.docker.io, acme.berth.test, startAcme's
   *    names) and nothing outside; containers the host runs use it too;
   *  - no SSM agent runs: host.runDocument plays it, running a command document the way the
   *    agent does (as root, with sh, in its orchestration folder);
   *  - the host's ports are all free (IMDS and SSM live in a network namespace of their own);
   *    port 80 is published at host.url, 443 at 127.0.0.1:host.httpsPort, and every port is
   *    reachable from this machine at host.privateIp (the world network is a local bridge).
   */
  async launchHost(options: LaunchOptions): Promise<SimHost> {
    if (this.closed) throw new Error('the world is closed');
    const instanceId = options.instanceId ?? `i-0${randomBytes(8).toString('hex')}`;
    if (!/^i-[0-9a-f]{8}([0-9a-f]{9})?$/.test(instanceId)) throw new Error(`not an instance id: ${instanceId}`);
    if (this.hosts.has(instanceId)) throw new Error(`instance ${instanceId} already exists in this world`);
    const region = options.region ?? this.region;
    await this.ensureRegion(region);
    const volume = options.volume;
    if (volume?.attachedTo) throw new Error(`${volume.volumeId} is attached to ${volume.attachedTo}`);
    if (this.nextHostOctet > 254) throw new Error('the world network has no free host address left');

    const ip = `${this.subnet.prefix}.${this.nextHostOctet++}`;
    // Docker (API 1.41) derives a container's MAC from its address on a user-defined network;
    // the VPC's DHCP server is told that MAC (checked once the container runs).
    const mac = ['02', '42', ...ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
    const hostname = `ip-${ip.replaceAll('.', '-')}`;
    const container = `${this.name}-${instanceId}`;
    const stateDir = path.join(this.dir, 'hosts', instanceId);
    await mkdir(stateDir, { recursive: true });
    const config = {
      instanceId,
      region,
      availabilityZone: `${region}a`,
      availabilityZoneId: `${zoneIdPrefix(region)}-az1`,
      roleName: options.roleName ?? 'berth-sim-role',
      accountId: this.accountId,
      instanceType: options.instanceType ?? 't3.small',
      amiId: 'ami-0b5e000000000a123',
      ssmAddress: SSM_ADDRESS,
      secretsAddress: SECRETS_ADDRESS,
      logsAddress: LOGS_ADDRESS,
      dnsServer: this.serviceIp('resolver'),
      dnsSearch: this.dnsDomain,
      volumes: volume ? [volumeEntry(volume, options.deviceName ?? '/dev/sdf')] : [],
    };
    await writeFile(path.join(stateDir, 'config.json'), JSON.stringify(config, null, 2));
    await writeFile(path.join(stateDir, 'user-data'), options.userData);
    await writeSsmParameters(stateDir, options.ssmParameters ?? {});
    await writeSecrets(stateDir, options.secrets ?? {});
    await writeFile(path.join(this.dir, 'dhcp-hosts', instanceId), `${mac},${ip},${hostname}\n`);

    const dockerVolume = `${container}-docker`;
    this.cleanup.later(() => run(['docker', 'volume', 'rm', '--force', dockerVolume]));
    await check(['docker', 'volume', 'create', ...this.labels(), dockerVolume]);
    const port = await freePort();
    let httpsPort = await freePort();
    while (httpsPort === port) httpsPort = await freePort();
    this.container(container);
    await check([
      'docker', 'run', '-d', '--name', container, ...this.labels(), '--hostname', hostname, '--init',
      // Every capability the kernel offers (its own engine needs them), but not --privileged: that
      // would show the host all of this machine's devices, where an EC2 host sees only its own.
      '--cap-add', 'ALL',
      '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined',
      // /proc/sys writable, as on a VM: Engine 26 turns IPv6 off on each container's interface in
      // an IPv4-only network through sysctl, and refuses to start the container if it cannot.
      '--security-opt', 'systempaths=unconfined',
      '--cgroupns', 'host', '-v', '/sys/fs/cgroup:/sys/fs/cgroup',
      '-v', `${dockerVolume}:/var/lib/docker`, '--tmpfs', '/run:rw,exec,mode=755',
      '--network', this.network, '--ip', ip,
      '--add-host', `ssm.${region}.amazonaws.com:${SSM_ADDRESS}`, '--add-host', `secretsmanager.${region}.amazonaws.com:${SECRETS_ADDRESS}`,
      '--add-host', `logs.${region}.amazonaws.com:${LOGS_ADDRESS}`,
      // CloudWatch Logs is regional: every host's stand-in keeps its streams in the world's one store.
      '-v', `${path.join(this.dir, 'cloudwatch-logs')}:/opt/berth-sim/logs`,
      '-v', `${hostBinDir}:/opt/berth-sim/bin:ro`, '-v', `${path.join(this.dir, 'world')}:/opt/berth-sim/world:ro`,
      '-v', `${stateDir}:/opt/berth-sim/state`,
      // No --device: the volume's node is made in the host's /dev at each boot (init.sh's
      // firmware/udev step) and at a hot attach (attachVolume), from config.json, so a volume can
      // come and go while the host runs, as an EBS volume does. The cgroup lets the host open loop
      // devices (major 7); it has nodes only for the volumes attached to it.
      '--device-cgroup-rule', `b ${LOOP_MAJOR}:* rmw`,
      '-p', `127.0.0.1:${port}:80`, '-p', `127.0.0.1:${httpsPort}:443`, '--stop-timeout', '30',
      SIM_HOST_IMAGE, 'bash', '/opt/berth-sim/bin/init.sh',
    ]);
    const actualMac = (await check(['docker', 'inspect', '-f', `{{(index .NetworkSettings.Networks "${this.network}").MacAddress}}`, container])).trim();
    if (actualMac !== mac) throw new Error(`${container} got MAC ${actualMac}, not the ${mac} its DHCP lease is for`);
    const host = new SimHost(this, {
      instanceId, container, region, stateDir, dockerVolume, url: `http://127.0.0.1:${port}`, httpsPort, privateIp: ip, volume,
    });
    volume?.attach(instanceId);
    this.hosts.set(instanceId, host);
    return host;
  }

  /** A CloudWatch Logs group, as the stack makes it (infra/components/fleet.ts), in the store every
   * host's CloudWatch Logs stand-in answers from; `retentionInDays` as berth:fleet.logRetentionDays. */
  async createLogGroup(name: string, retentionInDays = 14): Promise<void> {
    const file = path.join(this.dir, 'cloudwatch-logs', 'groups.json');
    const groups = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as Record<string, unknown>;
    groups[name] = { retentionInDays, creationTime: Date.now() };
    await writeFile(`${file}.new`, JSON.stringify(groups));
    await rename(`${file}.new`, file);
  }

  /** Every event the CloudWatch Logs stand-in stored, by group and stream, oldest first in each stream. */
  async logEvents(): Promise<StoredLogEvent[]> {
    const streams = JSON.parse(await readFile(path.join(this.dir, 'cloudwatch-logs', 'streams.json'), 'utf8').catch(() => '{}')) as
      Record<string, Record<string, { events: { timestamp: number; message: string; ingestionTime: number }[] }>>;
    return Object.entries(streams).flatMap(([group, byName]) => Object.entries(byName).flatMap(([stream, s]) =>
      s.events.map((e) => ({ group, stream, timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime }))));
  }

  /** @internal */
  async forget(host: SimHost) {
    await rm(path.join(this.dir, 'dhcp-hosts', host.instanceId), { force: true });
    host.volume?.detach();
  }

  /** Removes everything the world made: containers, their /var/lib/docker volumes, the network,
   * loop devices and their files, temp dirs. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    const containers = this.containers.splice(0);
    if (containers.length > 0) await run(['docker', 'rm', '--force', '--volumes', ...containers]);
    await this.cleanup.run();
  }

  private container(name: string): string {
    this.containers.push(name);
    return name;
  }
}

/** The 127.0.0.1:<port> a container's port is published on here. */
async function publishedAddress(container: string, port: number): Promise<string> {
  const out = (await check(['docker', 'port', container, String(port)])).split('\n')[0]!.trim();
  return `127.0.0.1:${out.split(':').pop()}`;
}

/** A GET over TLS to 127.0.0.1:<port> that checks the certificate against `ca` for `servername`. */
function httpsGet(address: string, urlPath: string, { ca, servername }: { ca: Buffer; servername: string }): Promise<{ status: number; body: string }> {
  const [host, port] = address.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const req = https.get({ host, port: Number(port), path: urlPath, ca, servername, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

/** pebble in its container (see World.startAcme). */
class SimAcme implements Acme {
  readonly directoryUrl = `https://${ACME_HOST}:14000/dir`;
  constructor(
    private readonly container: string,
    readonly caCertPath: string,
    readonly localAddress: string,
    private readonly managementAddress: string,
    readonly publish: (names: Readonly<Record<string, string>>) => Promise<void>,
  ) {}

  async rootsPem(): Promise<string> {
    const res = await httpsGet(this.managementAddress, '/roots/0', { ca: await readFile(this.caCertPath), servername: ACME_HOST });
    if (res.status !== 200 || !res.body.includes('-----BEGIN CERTIFICATE-----')) {
      throw new Error(`pebble's /roots/0 answered ${res.status}: ${res.body.slice(0, 500)}`);
    }
    return res.body;
  }

  async logs(): Promise<string> {
    const r = await run(['docker', 'logs', this.container]);
    return r.stdout + r.stderr;
  }
}

function zoneIdPrefix(region: string): string {
  const [area, direction, n] = region.split('-') as [string, string, string];
  const short: Record<string, string> = {
    east: 'e', west: 'w', north: 'n', south: 's', central: 'c', southeast: 'se', northeast: 'ne', northwest: 'nw', southwest: 'sw',
  };
  return `${area}${short[direction] ?? direction[0]}${n}`;
}

interface PlannedStep {
  readonly name: string;
  readonly runCommand: readonly string[];
  readonly timeoutSeconds: number;
  readonly workingDirectory: string;
  readonly onFailure: string | undefined;
  readonly runsOnLinux: boolean;
}

/** Checks a command document and SendCommand's parameters, and substitutes them into the steps,
 * as SSM and the agent do (SimHost.runDocument); throws what SSM would refuse. */
function planCommand(content: string, given: Readonly<Record<string, string | readonly string[]>>): { steps: PlannedStep[] } {
  const invalidDocument = (why: string) => new Error(`InvalidDocument: ${why}`);
  const invalidParameters = (why: string) => new Error(`InvalidParameters: ${why}`);
  let doc: any;
  try {
    doc = JSON.parse(content);
  } catch (err) {
    throw invalidDocument(`the document is not JSON (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null) throw invalidDocument('the document is not a JSON object');
  if (!['2.0', '2.2'].includes(doc.schemaVersion)) {
    throw invalidDocument(`schemaVersion ${JSON.stringify(doc.schemaVersion)}: the agent stand-in runs command documents of schema 2.0 and 2.2`);
  }
  const declared: Record<string, any> = doc.parameters ?? {};
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(declared, name)) throw invalidParameters(`the document has no parameter "${name}" (it has: ${Object.keys(declared).join(', ') || 'none'})`);
  }
  const values = new Map<string, string>();
  for (const [name, p] of Object.entries(declared)) {
    if (!/^[a-zA-Z0-9_]+$/.test(name)) throw invalidDocument(`parameter name "${name}" is not [a-zA-Z0-9_]+`);
    if (p?.type !== 'String') {
      throw invalidDocument(`parameter "${name}" is of type ${JSON.stringify(p?.type)}; the agent stand-in supports String parameters only`);
    }
    const raw = given[name];
    let value: string;
    if (raw === undefined) {
      if (p.default === undefined) throw invalidParameters(`parameter "${name}" is required: the document gives it no default`);
      value = String(p.default);
    } else {
      const list = typeof raw === 'string' ? [raw] : raw;
      if (list.length !== 1) throw invalidParameters(`parameter "${name}" is a String and takes exactly one value, not ${list.length}`);
      value = list[0]!;
    }
    if (Array.isArray(p.allowedValues) && !p.allowedValues.includes(value)) {
      throw invalidParameters(`parameter "${name}" value ${JSON.stringify(value)} is not one of the allowedValues ${JSON.stringify(p.allowedValues)}`);
    }
    if (typeof p.minChars === 'number' && value.length < p.minChars) throw invalidParameters(`parameter "${name}" is shorter than minChars ${p.minChars}`);
    if (typeof p.maxChars === 'number' && value.length > p.maxChars) throw invalidParameters(`parameter "${name}" is longer than maxChars ${p.maxChars}`);
    if (p.allowedPattern !== undefined) {
      let pattern: RegExp;
      try {
        pattern = new RegExp(p.allowedPattern);
      } catch (err) {
        throw invalidDocument(`parameter "${name}" allowedPattern ${JSON.stringify(p.allowedPattern)} does not compile: ${(err as Error).message}`);
      }
      if (!pattern.test(value)) {
        throw invalidParameters(`parameter "${name}" value ${JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}...` : value)} does not match its allowedPattern ${p.allowedPattern}`);
      }
    }
    values.set(name, value);
  }
  const substitute = (input: unknown): unknown => {
    if (typeof input === 'string') {
      return input.replace(/\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g, (ref, name: string) => {
        const value = values.get(name);
        if (value === undefined) throw invalidDocument(`${ref} names no parameter of the document`);
        return value;
      });
    }
    if (Array.isArray(input)) return input.map(substitute);
    if (typeof input === 'object' && input !== null) return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, substitute(v)]));
    return input;
  };
  if (!Array.isArray(doc.mainSteps) || doc.mainSteps.length === 0) throw invalidDocument('the document has no mainSteps');
  const names = new Set<string>();
  const steps = doc.mainSteps.map((step: any): PlannedStep => {
    if (step?.action !== 'aws:runShellScript') throw invalidDocument(`step action ${JSON.stringify(step?.action)}: the agent stand-in runs aws:runShellScript only`);
    if (typeof step.name !== 'string' || !/^[a-zA-Z0-9_.-]+$/.test(step.name) || step.name.startsWith('.') || names.has(step.name)) {
      throw invalidDocument(`step name ${JSON.stringify(step.name)} is missing, not [a-zA-Z0-9_.-]+ or not unique`);
    }
    names.add(step.name);
    let runsOnLinux = true;
    if (step.precondition !== undefined) {
      // As the agent's evaluatePreconditions: platformType on either side, the type in any case.
      const eq = step.precondition?.StringEquals;
      if (Object.keys(step.precondition).length !== 1 || !Array.isArray(eq) || eq.length !== 2 || eq.filter((o) => o === 'platformType').length !== 1) {
        throw invalidDocument(`step ${step.name}: the agent stand-in understands only the precondition { StringEquals: [platformType, <type>] }`);
      }
      runsOnLinux = String(eq[0] === 'platformType' ? eq[1] : eq[0]).toLowerCase() === 'linux';
    }
    const inputs = substitute(step.inputs ?? {}) as Record<string, unknown>;
    // The agent flattens runCommand (a string, or lists of strings) into the script's lines.
    const flatten = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.flatMap(flatten) : []);
    if (inputs.runCommand === undefined) throw invalidDocument(`step ${step.name} has no inputs.runCommand`);
    // pluginutil.ValidateExecutionTimeout: a number or numeric string; outside 5..28800 is 3600.
    const t = Math.trunc(Number(inputs.timeoutSeconds ?? 3600));
    return {
      name: step.name,
      runCommand: flatten(inputs.runCommand),
      timeoutSeconds: Number.isFinite(t) && t >= 5 && t <= 28_800 ? t : 3600,
      workingDirectory: typeof inputs.workingDirectory === 'string' ? inputs.workingDirectory : '',
      onFailure: typeof step.onFailure === 'string' ? step.onFailure : undefined,
      runsOnLinux,
    };
  });
  return { steps };
}

/** The Secrets Manager stand-in's store: ARN -> { Name, SecretString }; the name is the ARN's last
 * part less the 6 characters Secrets Manager appends (secret:<name>-AbCdEf). */
async function writeSecrets(stateDir: string, secrets: Readonly<Record<string, string>>) {
  const store: Record<string, unknown> = {};
  for (const [arn, value] of Object.entries(secrets)) {
    const m = /^arn:aws:secretsmanager:[a-z0-9-]+:\d{12}:secret:(.+)-[A-Za-z0-9]{6}$/.exec(arn);
    if (!m) throw new Error(`not a Secrets Manager secret ARN: ${arn}`);
    store[arn] = { Name: m[1], SecretString: value };
  }
  const file = path.join(stateDir, 'secrets.json');
  await writeFile(`${file}.tmp`, JSON.stringify(store, null, 2));
  await check(['mv', `${file}.tmp`, file]);
}

async function writeSsmParameters(stateDir: string, params: Readonly<Record<string, SsmParameter>>) {
  const now = Date.now() / 1000;
  const store: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(params)) {
    const { type, value, version = 1 } = typeof p === 'string' ? { type: 'SecureString', value: p } : p;
    store[name] = { Type: type, Value: value, Version: version, LastModifiedDate: now };
  }
  const file = path.join(stateDir, 'ssm-parameters.json');
  await writeFile(`${file}.tmp`, JSON.stringify(store, null, 2));
  await check(['mv', `${file}.tmp`, file]);
}

/** A simulated EBS snapshot (see World.createSnapshot): a point-in-time copy of a volume's device. */
export class SimSnapshot {
  constructor(
    readonly snapshotId: string,
    /** The volume it was taken of. */
    readonly volumeId: string,
    readonly volumeSizeMiB: number,
    /** The copy of the volume's backing file on this machine. */
    readonly file: string,
    /** Epoch ms: when the snapshot was requested (the copy began). */
    readonly startedAt: number,
    /** Epoch ms: when the copy ended. */
    readonly endedAt: number,
    /** How long the copy took. */
    readonly copyMs: number,
  ) {}
}

/** A simulated EBS volume (see World.createVolume). */
export class SimVolume {
  private attached: string | undefined;
  constructor(
    readonly volumeId: string,
    readonly sizeMiB: number,
    /** The sparse file behind it on this machine. */
    readonly file: string,
    /** The loop device on this machine, e.g. /dev/loop3. */
    readonly loopDevice: string,
    /** The loop device's numbers, which the host's block device node is made with. */
    readonly major: number,
    readonly minor: number,
  ) {}
  /** The name Amazon Linux's udev rules give it on a Nitro instance (what the user-data waits for). */
  get byIdPath(): string {
    return `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${this.volumeId.replace('-', '')}`;
  }
  /** The instance it is attached to, if any. */
  get attachedTo(): string | undefined {
    return this.attached;
  }
  /** @internal */
  attach(instanceId: string) {
    this.attached = instanceId;
  }
  /** @internal */
  detach() {
    this.attached = undefined;
  }
}

interface HostInit {
  instanceId: string;
  container: string;
  region: string;
  stateDir: string;
  dockerVolume: string;
  url: string;
  httpsPort: number;
  privateIp: string;
  volume: SimVolume | undefined;
}

/** A simulated EC2 instance (see World.launchHost). */
export class SimHost {
  readonly instanceId: string;
  /** The container that is the host, on this machine's engine. */
  readonly container: string;
  readonly region: string;
  /** http://127.0.0.1:<port>, where the host's port 80 is published (stable across reboots and
   * stop/start, unlike a real public IP). */
  readonly url: string;
  /** The 127.0.0.1 port the host's port 443 is published on (stable like url). For TLS to a
   * name, e.g. curl --connect-to notes.berth.test:443:127.0.0.1:<httpsPort>. */
  readonly httpsPort: number;
  /** The host's address on the world network (x.y.z.128 and up, leased by the VPC's DHCP). The
   * network is a bridge on this machine, so it is reachable from here on every port, e.g.
   * http://<privateIp>:80 and https://<privateIp>:443, as from a client in the VPC; it is also
   * where pebble validates names that startAcme maps to it. */
  readonly privateIp: string;
  /** The data volume attached to it now (launchHost's, or attachVolume's). */
  get volume(): SimVolume | undefined {
    return this.attachedVolume;
  }
  private attachedVolume: SimVolume | undefined;
  /** This machine's dir with the host's state (console.log, ssm-calls.jsonl, boots/, ...). */
  readonly stateDir: string;
  private readonly dockerVolume: string;
  private bootsStarted = 1;
  private status: 'running' | 'stopped' | 'terminated' = 'running';

  constructor(private readonly world: World, init: HostInit) {
    this.instanceId = init.instanceId;
    this.container = init.container;
    this.region = init.region;
    this.url = init.url;
    this.httpsPort = init.httpsPort;
    this.privateIp = init.privateIp;
    this.attachedVolume = init.volume;
    this.stateDir = init.stateDir;
    this.dockerVolume = init.dockerVolume;
  }

  get state(): 'running' | 'stopped' | 'terminated' {
    return this.status;
  }

  /** The number of boots started so far (launch = 1). */
  get boots(): number {
    return this.bootsStarted;
  }

  /** Runs argv in the host as root (docker exec); never throws on a non-zero exit. */
  exec(argv: readonly string[], opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<Result> {
    const env = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
    return run(['docker', 'exec', '-i', ...env, this.container, ...argv], { input: opts.input, timeoutMs: opts.timeoutMs });
  }

  /** Like exec, but a non-zero exit throws; returns stdout. */
  async check(argv: readonly string[], opts: Parameters<SimHost['exec']>[1] = {}): Promise<string> {
    const r = await this.exec(argv, opts);
    if (r.code !== 0) throw new Error(`${argv.join(' ')} on ${this.instanceId} exited ${r.code}:\n${r.stderr.slice(-2000)}${r.stdout.slice(-1000)}`);
    return r.stdout;
  }

  /** The console output of every boot so far: the sim's boot messages and cloud-init's output,
   * which includes everything the user-data printed (like `aws ec2 get-console-output`). */
  consoleLog(): Promise<string> {
    return readFile(path.join(this.stateDir, 'console.log'), 'utf8').catch(() => '');
  }

  /**
   * Waits until boot number `boot` (default: the latest started) has run cloud-init's final
   * stage, and returns how it went. It does not throw when the user-data failed: check
   * result.ok / failedScripts. Throws on timeout, with the console's tail.
   */
  async waitForBoot({ boot = this.bootsStarted, timeoutMs = 180_000 } = {}): Promise<BootResult> {
    const file = path.join(this.stateDir, 'boots', `${boot}.json`);
    try {
      return await waitFor(`boot ${boot} of ${this.instanceId}`, async () => {
        if (!existsSync(file)) {
          const state = (await run(['docker', 'inspect', '-f', '{{.State.Status}}', this.container])).stdout.trim();
          if (state === 'exited' || state === 'dead') throw new Error(`the host container is ${state}`);
          return undefined;
        }
        return JSON.parse(await readFile(file, 'utf8')) as BootResult;
      }, { timeoutMs, intervalMs: 200 });
    } catch (err) {
      const log = await this.consoleLog();
      throw new Error(`${(err as Error).message}\n--- console (tail) ---\n${log.slice(-4000)}`);
    }
  }

  /** Reboots: a graceful shutdown (dockerd stops its containers), then a new boot with the same
   * disks, /var/lib/docker and instance id; processes and mounts are gone, the volume stays
   * attached. Returns once the new boot started; then waitForBoot(). */
  async reboot(): Promise<void> {
    this.mustBe('running');
    await check(['docker', 'restart', '--time', '30', this.container], { timeoutMs: 120_000 });
    this.bootsStarted++;
  }

  /**
   * Restarts the host's Docker engine, as `systemctl restart docker` does: dockerd stops its
   * containers and exits, a new dockerd starts and brings back those with a restart policy.
   * Returns once the new engine answers.
   */
  async restartDocker(): Promise<void> {
    this.mustBe('running');
    await this.check(['bash', '-c', [
      'pid=$(cat /var/run/docker.pid)',
      'kill -TERM "$pid"',
      'for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done',
      '! kill -0 "$pid" 2>/dev/null || { echo "dockerd $pid did not stop" >&2; exit 1; }',
      'setsid dockerd >>/var/log/docker.log 2>&1 </dev/null &',
      'for _ in $(seq 600); do docker info >/dev/null 2>&1 && exit 0; sleep 0.1; done',
      'echo "dockerd did not answer after its restart" >&2; exit 1',
    ].join('\n')], { timeoutMs: 180_000 });
  }

  /** Stops the instance (graceful shutdown). */
  async stop(): Promise<void> {
    this.mustBe('running');
    await check(['docker', 'stop', '--time', '30', this.container], { timeoutMs: 120_000 });
    this.status = 'stopped';
  }

  /** Replaces the user-data IMDS serves, which EC2 allows only while stopped. */
  async setUserData(userData: string | Uint8Array): Promise<void> {
    this.mustBe('stopped');
    await writeFile(path.join(this.stateDir, 'user-data'), userData);
  }

  /** Starts a stopped instance: a new boot. Returns once it started; then waitForBoot(). */
  async start(): Promise<void> {
    this.mustBe('stopped');
    await check(['docker', 'start', this.container]);
    this.status = 'running';
    this.bootsStarted++;
  }

  /** Stop, optionally replace the user-data, start: what AWS does to apply changed user-data. */
  async stopStart({ userData }: { userData?: string | Uint8Array } = {}): Promise<void> {
    await this.stop();
    if (userData !== undefined) await this.setUserData(userData);
    await this.start();
  }

  /** Terminates the instance: the container and its /var/lib/docker go; the volume is detached
   * and can be attached to the next host. The state dir (console log, SSM log) stays readable. */
  async terminate(): Promise<void> {
    if (this.status === 'terminated') return;
    if (this.status === 'running') await run(['docker', 'stop', '--time', '30', this.container], { timeoutMs: 120_000 });
    await check(['docker', 'rm', '--force', '--volumes', this.container]);
    await run(['docker', 'volume', 'rm', '--force', this.dockerVolume]);
    this.status = 'terminated';
    await this.world.forget(this);
    this.attachedVolume = undefined;
  }

  /**
   * AttachVolume: the volume appears in the host as /dev/nvme1n1 with its by-id and mapping-name
   * links, at once if the host runs (the kernel's hot-plug and Amazon Linux's udev rules), else at
   * its next boot. As EC2 refuses it: a volume attached elsewhere (VolumeInUse), a host that
   * already has one here (the sim models one data volume), a terminated host.
   */
  async attachVolume(volume: SimVolume, deviceName = '/dev/sdf'): Promise<void> {
    if (this.status === 'terminated') throw new Error(`IncorrectState: ${this.instanceId} is terminated`);
    if (volume.attachedTo) throw new Error(`VolumeInUse: ${volume.volumeId} is already attached to an instance (${volume.attachedTo})`);
    if (this.attachedVolume) throw new Error(`the sim models one data volume per host; ${this.instanceId} has ${this.attachedVolume.volumeId}`);
    await this.editConfig((config) => ({ ...config, volumes: [volumeEntry(volume, deviceName)] }));
    volume.attach(this.instanceId);
    this.attachedVolume = volume;
    if (this.status !== 'running') return;
    const byId = volume.byIdPath;
    await this.check(['sh', '-c', [
      `mknod -m 660 ${VOLUME_DEVICE} b ${volume.major} ${volume.minor}`,
      'mkdir -p /dev/disk/by-id',
      `ln -sfn ../../${VOLUME_DEVICE.slice('/dev/'.length)} ${byId}`,
      `ln -sfn ${VOLUME_DEVICE.slice('/dev/'.length)} ${deviceName}`,
    ].join(' && ')]);
  }

  /**
   * DetachVolume. From a stopped host it detaches (the next boot has no such disk). From a
   * running host whose file system on it is still mounted it throws: EC2 then leaves the volume
   * "busy" (detaching) until it is unmounted, and the provider's wait for "available" times out
   * ("If you try to detach a volume that is mounted, the volume might become stuck in the busy
   * state", EC2 User Guide, Detach an Amazon EBS volume); hence the attachment's
   * stopInstanceBeforeDetaching. Unmounted, it goes at once.
   */
  async detachVolume(): Promise<void> {
    const volume = this.attachedVolume;
    if (!volume) throw new Error(`IncorrectState: ${this.instanceId} has no data volume attached`);
    if (this.status === 'running') {
      const mountinfo = await this.check(['cat', '/proc/self/mountinfo']);
      const mounted = mountinfo.split('\n').filter((line) => line.split(' ')[2] === `${volume.major}:${volume.minor}`);
      if (mounted.length > 0) {
        throw new Error(`${volume.volumeId} stays busy detaching from running ${this.instanceId}: mounted on ${mounted.map((l) => l.split(' ')[4]).join(', ')}`);
      }
      await this.check(['sh', '-c', `rm -f ${VOLUME_DEVICE} ${volume.byIdPath} && find /dev -maxdepth 1 -lname ${VOLUME_DEVICE.slice('/dev/'.length)} -delete`]);
    }
    await this.editConfig((config) => ({ ...config, volumes: [] }));
    volume.detach();
    this.attachedVolume = undefined;
  }

  private async editConfig(edit: (config: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
    const file = path.join(this.stateDir, 'config.json');
    await writeFile(file, JSON.stringify(edit(JSON.parse(await readFile(file, 'utf8'))), null, 2));
  }

  /** Replaces the secrets the host's Secrets Manager endpoint answers (ARN -> SecretString),
   * effective for the next call: a new secret the role may now read (a restored database's). */
  async setSecrets(secrets: Readonly<Record<string, string>>): Promise<void> {
    await writeSecrets(this.stateDir, secrets);
  }

  /** Replaces the SSM parameter store of the host's region, effective for the next call. */
  async setSsmParameters(params: Readonly<Record<string, SsmParameter>>): Promise<void> {
    await writeSsmParameters(this.stateDir, params);
  }

  /**
   * PutParameter with Overwrite, as the provider calls it when a parameter's value changes: a new
   * value is a new version (the previous ones stay readable as name:version; AWS keeps 100), the
   * same value changes nothing. Other parameters are kept. Returns each name's version now.
   */
  async putSsmParameters(params: Readonly<Record<string, { type: 'String' | 'SecureString'; value: string }>>): Promise<Record<string, number>> {
    // One writer at a time, as the store is one file: calls made at once are applied in turn.
    const turn = this.parameterWrites.then(() => this.putSsmParametersNow(params));
    this.parameterWrites = turn.catch(() => undefined);
    return turn;
  }

  private parameterWrites: Promise<unknown> = Promise.resolve();

  private async putSsmParametersNow(params: Readonly<Record<string, { type: 'String' | 'SecureString'; value: string }>>): Promise<Record<string, number>> {
    const file = path.join(this.stateDir, 'ssm-parameters.json');
    const store = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as Record<string, any>;
    const versions: Record<string, number> = {};
    for (const [name, p] of Object.entries(params)) {
      if (p.value.length === 0) throw new Error(`ValidationException: parameter ${name} value must not be empty`);
      if (p.value.length > 4096) throw new Error(`ValidationException: parameter ${name} value is ${p.value.length} characters; a Standard parameter holds 4096`);
      const old = store[name];
      if (old && old.Value === p.value && old.Type === p.type) {
        versions[name] = old.Version;
        continue;
      }
      const history = { ...(old?.History ?? {}), ...(old ? { [old.Version]: { Value: old.Value, LastModifiedDate: old.LastModifiedDate } } : {}) };
      const keep = Object.keys(history).map(Number).sort((a, b) => b - a).slice(0, 99);
      const version = (old?.Version ?? 0) + 1;
      store[name] = { Type: p.type, Value: p.value, Version: version, LastModifiedDate: Date.now() / 1000, History: Object.fromEntries(keep.map((v) => [v, history[v]])) };
      versions[name] = version;
    }
    await writeFile(`${file}.tmp`, JSON.stringify(store, null, 2));
    await check(['mv', `${file}.tmp`, file]);
    return versions;
  }

  /** Every call the host's SSM endpoint received, oldest first. */
  async ssmCalls(): Promise<SsmCall[]> {
    const text = await readFile(path.join(this.stateDir, 'ssm-calls.jsonl'), 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as SsmCall);
  }

  /**
   * Runs a command document on the host as the SSM agent runs what Run Command or a State Manager
   * association sends it, and returns the invocation's result. The sim has no agent: this is it.
   * As SendCommand does, it first checks the document (schemaVersion 2.x, aws:runShellScript
   * steps) and the parameters against it, and throws (InvalidDocument, InvalidParameters) on an
   * unknown parameter, a missing one without a default, a String given more than one value, a
   * value outside allowedValues, minChars/maxChars or allowedPattern (a JavaScript RegExp stands
   * in for SSM's Java one; it matches anywhere in the value unless the pattern anchors itself
   * with ^...$, as berth's does), or a parameter type other than String, which the stand-in does
   * not support. Then, like the agent
   * (agent/plugins/runscript, agent/executers): it substitutes {{ name }} / {{name}} in every
   * string of each step's inputs; writes the step's runCommand lines to _script.sh (0700) in
   * /var/lib/amazon/ssm/<instance id>/document/orchestration/<command id>/<step name>/; runs
   * `sh -c <that file>` as root (so a #! line picks the interpreter; without one, dash runs it)
   * in its own process group, with that folder (or inputs.workingDirectory) as working directory
   * and the agent's environment (PATH, LANG; AWS_SSM_INSTANCE_ID, AWS_SSM_REGION_NAME), stdout and
   * stderr to files there; waits for the script and its output to end, up to inputs.timeoutSeconds
   * (default 3600; values under 5 or over 28800 mean the default, as in the agent), then kills the
   * whole process group (exit code 137, TimedOut). Exit code 0 is Success, 137 TimedOut (whoever
   * exited 137: the agent maps the code, not the cause), anything else Failed. Steps run in order, all of them unless one that fails says onFailure: exit (a
   * precondition { StringEquals: [platformType, X] } skips a step unless X is Linux); the command
   * fails if a step fails. Calls run concurrently, like commands from several associations:
   * nothing here serializes them. Each command is recorded (ssmCommands()).
   * `opts.timeoutMs` bounds the whole call here (default: the steps' timeouts plus a minute).
   */
  async runDocument(
    document: string | object,
    parameters: Readonly<Record<string, string | readonly string[]>>,
    opts: { timeoutMs?: number; documentName?: string } = {},
  ): Promise<CommandResult> {
    this.mustBe('running');
    const content = typeof document === 'string' ? document : JSON.stringify(document);
    const plan = planCommand(content, parameters);
    const commandId = randomUUID();
    const orchestration = `/var/lib/amazon/ssm/${this.instanceId}/document/orchestration/${commandId}`;
    const deadline = Date.now() + (opts.timeoutMs ?? plan.steps.reduce((ms, step) => ms + step.timeoutSeconds * 1000, 60_000));
    const steps: CommandStep[] = [];
    let stdout = '';
    let stderr = '';
    let exited = false;
    for (const step of plan.steps) {
      if (exited || !step.runsOnLinux) {
        const now = Date.now();
        steps.push({ name: step.name, status: 'Skipped', exitCode: 0, start: now, end: now });
        continue;
      }
      const stepDir = `${orchestration}/${step.name}`;
      const r = await this.exec([
        'python3', '/opt/berth-sim/bin/runcommand.py', stepDir, step.workingDirectory || stepDir, String(step.timeoutSeconds), this.instanceId, this.region,
      ], { input: step.runCommand.map((line) => `${line}\n`).join(''), timeoutMs: Math.max(1000, deadline - Date.now()) });
      if (r.code !== 0) throw new Error(`the agent stand-in failed on ${this.instanceId} (exit ${r.code}): ${r.stderr.slice(-2000)}`);
      const out = JSON.parse(r.stdout) as { exitCode: number; start: number; end: number; stdout: string; stderr: string };
      const status = out.exitCode === 0 ? 'Success' : out.exitCode === 137 ? 'TimedOut' : 'Failed';
      steps.push({ name: step.name, status, exitCode: out.exitCode, start: out.start, end: out.end });
      // What GetCommandInvocation returns: StandardOutputContent holds the first 24,000 characters
      // of stdout, StandardErrorContent the first 8,000 of stderr (SSM API reference).
      stdout += out.stdout.slice(0, 24_000);
      stderr += out.stderr.slice(0, 8_000);
      if (status !== 'Success' && step.onFailure === 'exit') exited = true;
    }
    const ran = steps.filter((step) => step.status !== 'Skipped');
    const failed = ran.find((step) => step.status === 'TimedOut') ?? ran.find((step) => step.status === 'Failed');
    const result: CommandResult = { commandId, status: failed?.status === 'TimedOut' ? 'TimedOut' : failed ? 'Failed' : 'Success', exitCode: failed?.exitCode ?? 0, stdout, stderr, steps };
    const record: SsmCommand = {
      commandId,
      documentName: opts.documentName ?? null,
      documentHash: createHash('sha256').update(content).digest('hex'),
      parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, typeof v === 'string' ? [v] : [...v]])),
      status: result.status,
      exitCode: result.exitCode,
      start: ran[0]?.start ?? steps[0]?.start ?? Date.now(),
      end: ran.at(-1)?.end ?? steps.at(-1)?.end ?? Date.now(),
      steps,
    };
    await appendFile(path.join(this.stateDir, 'ssm-commands.jsonl'), `${JSON.stringify(record)}\n`);
    return result;
  }

  /** Every command runDocument ran on this host, in the order they ended. */
  async ssmCommands(): Promise<SsmCommand[]> {
    const text = await readFile(path.join(this.stateDir, 'ssm-commands.jsonl'), 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as SsmCommand);
  }

  /** The instance-role credentials IMDS has issued (one set per boot), oldest first. */
  async imdsCredentials(): Promise<IssuedCredentials[]> {
    return JSON.parse(await readFile(path.join(this.stateDir, 'credentials.json'), 'utf8').catch(() => '[]'));
  }

  /** Every call this host's CloudWatch Logs stand-in received, accepted or not, in order. */
  async logsCalls(): Promise<LogsCall[]> {
    const text = await readFile(path.join(this.stateDir, 'logs-calls.jsonl'), 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogsCall);
  }

  /** Appends a line to the host's console log (e.g. to mark test phases in a failure dump). */
  async mark(text: string): Promise<void> {
    await appendFile(path.join(this.stateDir, 'console.log'), `[test] ${text}\n`);
  }

  private mustBe(state: 'running' | 'stopped') {
    if (this.status !== state) throw new Error(`${this.instanceId} is ${this.status}, not ${state}`);
  }
}
