// The host's settings, rendered by pure functions: what the proxy publishes and how it runs, its
// config, and host.env, the file deploy.sh sources. They travel with every release
// (infra/release/bundle.ts), never in the user-data, so changing one is a release, in place.
import { createHash } from 'node:crypto';
import { ConfigError } from '../config/validate.js';
import { type Argv, containerRun, shellQuote } from '../app/docker-commands.js';
import { CADDY_IMAGE, renderCaddyConfig } from './caddy.js';
import { HOST_LAYOUT, type HostVariable } from './contract.js';
import { type AppSpec, containerName } from '../app/spec.js';

/** The host's settings; none of it is secret. They travel with every release, in host.env. */
export interface HostSetup {
  readonly region: string;
  /** EBS volume id of the data volume (vol-…), how the host finds its device. Absent: no data
   * volume (a fleet host, which keeps nothing of its own: deploy.sh mounts nothing and the proxy's
   * directory is a plain one on the root disk; see infra/host/deploy.sh). */
  readonly volumeId?: string;
  /** The attachment's device name (/dev/sdf); only Xen instances show the volume under it. */
  readonly deviceName: string;
  /** Plain HTTP on this port (without a domain). */
  readonly hostPort: number;
  /** HTTPS for this name, with an ACME certificate; HTTP on 80 redirects to it. */
  readonly https?: {
    readonly domain: string;
    readonly acmeCa: string;
    readonly acmeEmail?: string;
    /** PEM to trust for the ACME CA's own TLS, for a private CA. */
    readonly acmeCaRootPem?: string;
  };
  /** Fleet mode with a database: where it is and the RDS-managed secret (JSON with username and
   * password) the host reads with its role at release time. Only the secret's ARN travels here,
   * never the password: deploy.sh writes PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD and
   * PGSSLMODE=require into the app's env file (0600). The secret (JSON with username and password)
   * goes from the AWS CLI through python3 (Amazon Linux 2023 has it: dnf is written in it) into the
   * env file only; a value with a line break is refused rather than split across env lines. */
  readonly database?: { readonly secretArn: string; readonly host: string; readonly port: number; readonly name: string };
  /** Fleet mode: the stack's CloudWatch Logs group, which the containers' awslogs driver writes to. */
  readonly logGroup?: string;
}

/** Inside the proxy container. */
export const PROXY_CONFIG_IN = '/etc/caddy/caddy.json';
export const ACME_ROOT_IN = '/etc/caddy/acme-ca-root.pem';

/** The ports the proxy publishes on the host: hostPort, or 80 and 443 with a domain. */
export function proxyPorts(setup: Pick<HostSetup, 'hostPort' | 'https'>): readonly number[] {
  return setup.https ? [80, 443] : [setup.hostPort];
}

/** Networks on each side of one family: IPv4 and IPv6 CIDRs, as the security group lists them. */
export interface Networks {
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
}

/** The security group's rules as data: who may reach each published port, and where the host may go. */
export interface NetworkRules {
  readonly ingress: readonly (Networks & { readonly port: number })[];
  readonly egress: Networks;
}

/** What berth needs to know of the VPC the host goes in, looked up before anything is made. */
export interface VpcFacts {
  readonly id: string;
  /** Whether it has an IPv6 CIDR block, and so instances in it can have IPv6 addresses. */
  readonly hasIpv6: boolean;
}

/**
 * The facts from getVpc's answer. IPv6: its `ipv6CidrBlockAssociations` (@pulumi/aws 7,
 * node_modules/@pulumi/aws/ec2/getVpc.d.ts; `ipv6CidrBlock` is deprecated there), each with the
 * state EC2's DescribeVpcs reports for it (associating, associated, disassociating,
 * disassociated, failing, failed): only an associated block counts. Not verified against the
 * provider's newest data source, whose source was not available here (the stored
 * terraform-provider-aws internal/service/ec2/vpc_data_source.go predates the list).
 */
export function vpcFacts(vpc: { readonly id: string; readonly ipv6CidrBlockAssociations?: readonly { readonly state: string }[] }): VpcFacts {
  return { id: vpc.id, hasIpv6: (vpc.ipv6CidrBlockAssociations ?? []).some((a) => a.state === 'associated') };
}

/**
 * Refuses `allowedCidrs` the VPC cannot honour: an IPv6 network where the VPC has no IPv6 block.
 * An instance there has no IPv6 address, so the rule would let nobody in, silently.
 */
export function checkNetworks(allowedCidrs: readonly string[], vpc: Pick<VpcFacts, 'hasIpv6'>): void {
  const ipv4 = allowedCidrs.filter((c) => !c.includes(':'));
  const ipv6 = allowedCidrs.filter((c) => c.includes(':'));
  if (ipv6.length === 0 || vpc.hasIpv6) return;
  const fix = ipv4.length > 0
    ? `keep the IPv4 ones: pulumi config set berth:allowedCidrs '${JSON.stringify(ipv4)}'`
    : `name IPv4 networks instead, such as: pulumi config set berth:allowedCidrs '["203.0.113.0/24"]'`;
  throw new ConfigError([
    `berth:allowedCidrs: ${ipv6.join(', ')} ${ipv6.length === 1 ? 'is' : 'are'} IPv6, but the default VPC has no IPv6 CIDR block, so the host has no IPv6 address; ${fix} (or associate an IPv6 block with the VPC)`,
  ]);
}

/**
 * The security group's rules. Each published port is open to `allowedCidrs`, with one exception:
 * with a domain whose certificate comes from a public CA, port 80 is open to everyone. The CA checks
 * the HTTP-01 challenge on port 80 (the only port it may use) from several vantage points it does
 * not publish and changes without notice (Let's Encrypt, docs/challenge-types: HTTP-01 "can only be
 * done on port 80", retrieved "potentially multiple times from multiple vantage points";
 * docs/integration-guide, Firewall Configuration: "For the http-01 ACME challenge, you need to allow
 * inbound port 80 traffic. We don't publish the IP ranges"), so a narrowed port 80 means no
 * certificate, ever, while the host serves its redirect and reports healthy. Port 80 only answers
 * challenges and redirects to HTTPS (proxy/caddy.ts), and the proxy validates with HTTP-01 alone,
 * so 443 keeps to `allowedCidrs`.
 * A private CA (berth:acmeCaRoot set: a public CA needs no root of its own) validates from networks
 * its operator knows, maybe inside the VPC: port 80 then keeps to `allowedCidrs` too, which must
 * include the CA's validation addresses.
 * IPv6 only where the VPC has it (checkNetworks refuses an IPv6 `allowedCidrs` entry elsewhere):
 * `::/0` out of a VPC without IPv6 would be a rule for traffic that cannot exist.
 */
export function networkRules(setup: Pick<HostSetup, 'hostPort' | 'https'>, allowedCidrs: readonly string[], vpc: Pick<VpcFacts, 'hasIpv6'>): NetworkRules {
  checkNetworks(allowedCidrs, vpc);
  const allowed: Networks = { ipv4: allowedCidrs.filter((c) => !c.includes(':')), ipv6: allowedCidrs.filter((c) => c.includes(':')) };
  const everyone: Networks = { ipv4: ['0.0.0.0/0'], ipv6: vpc.hasIpv6 ? ['::/0'] : [] };
  const challengeFromAnywhere = setup.https !== undefined && setup.https.acmeCaRootPem === undefined;
  return {
    ingress: proxyPorts(setup).map((port) => ({ port, ...(port === 80 && challengeFromAnywhere ? everyone : allowed) })),
    // Out: the registry, SSM, the ACME CA, and the package mirrors on first boot.
    egress: everyone,
  };
}

/** What a fleet's security groups admit, as data: the load balancer's, the hosts', the database's. */
export interface FleetNetworkRules {
  /** The load balancer: its listener ports from the allowed networks; out only to the VPC, on the hosts' port. */
  readonly alb: { readonly ingress: readonly (Networks & { readonly port: number })[]; readonly egress: { readonly port: number; readonly ipv4: readonly string[] } };
  /** The hosts: the proxy port, from the load balancer's group and nothing else; out anywhere. */
  readonly hosts: { readonly port: number; readonly egress: Networks };
  /** The database: PostgreSQL's port, from the hosts' group and nothing else. */
  readonly database: { readonly port: number };
}

/** PostgreSQL's port, RDS's default for the engine. */
export const POSTGRES_PORT = 5432;

/** The load balancer's listeners: 80, and 443 with a domain (80 then redirects to it). */
export const albListenerPorts = (domain: boolean): readonly number[] => (domain ? [80, 443] : [80]);

/**
 * A fleet's rules. The allowed networks reach only the load balancer (no ACME exception: ACM
 * validates through DNS); the hosts take the proxy port only from the load balancer's group, so
 * nothing reaches a host around it; the database takes 5432 only from the hosts' group. The load
 * balancer's way out is the VPC's IPv4 block on the proxy port: its targets are there, and an
 * outbound rule naming the hosts' group would make each group wait for the other.
 */
export function fleetNetworkRules(setup: { readonly hostPort: number; readonly domain: boolean }, allowedCidrs: readonly string[], vpc: Pick<VpcFacts, 'hasIpv6'> & { readonly cidrBlock: string }): FleetNetworkRules {
  checkNetworks(allowedCidrs, vpc);
  const allowed: Networks = { ipv4: allowedCidrs.filter((c) => !c.includes(':')), ipv6: allowedCidrs.filter((c) => c.includes(':')) };
  return {
    alb: { ingress: albListenerPorts(setup.domain).map((port) => ({ port, ...allowed })), egress: { port: setup.hostPort, ipv4: [vpc.cidrBlock] } },
    // Out: the registry, SSM, Secrets Manager, CloudWatch Logs, the database, the package mirrors.
    hosts: { port: setup.hostPort, egress: { ipv4: ['0.0.0.0/0'], ipv6: vpc.hasIpv6 ? ['::/0'] : [] } },
    database: { port: POSTGRES_PORT },
  };
}

/**
 * A fleet host's settings: no data volume (volumeId absent, no device), plain HTTP on the proxy
 * port the target group uses (TLS ends at the load balancer, so no `https`), the database's
 * whereabouts and secret ARN when there is one, and the stack's log group.
 */
export function fleetHostSetup(s: { readonly region: string; readonly hostPort: number; readonly logGroup: string; readonly database?: HostSetup['database'] }): HostSetup {
  return { region: s.region, deviceName: '', hostPort: s.hostPort, ...(s.database ? { database: s.database } : {}), logGroup: s.logGroup };
}

/** Caddy's config for this host. */
export function proxyConfig(app: AppSpec, setup: HostSetup): string {
  const https = setup.https && {
    domain: setup.https.domain,
    acmeCa: setup.https.acmeCa,
    ...(setup.https.acmeEmail ? { acmeEmail: setup.https.acmeEmail } : {}),
    ...(setup.https.acmeCaRootPem ? { acmeCaRootFile: ACME_ROOT_IN } : {}),
  };
  return `${JSON.stringify(
    renderCaddyConfig({ upstream: { name: containerName(app), port: app.port }, ...(https ? { https } : {}) }),
    null,
    2,
  )}\n`;
}

/**
 * The proxy's `docker run`. Only Caddy publishes ports; it reaches the app on the private network.
 * Its label `berth.proxy.config` fingerprints the config and these flags: deploy.sh recreates the
 * proxy when the label differs, and otherwise never touches it (a release does not).
 */
export function proxyRunArgv(app: AppSpec, setup: HostSetup): Argv {
  const argv = proxyRunArgvUnlabelled(setup);
  const id = createHash('sha256').update(proxyConfig(app, setup)).update(JSON.stringify(argv)).update(setup.https?.acmeCaRootPem ?? '').digest('hex').slice(0, 16);
  const imageAt = argv.indexOf(CADDY_IMAGE);
  return [...argv.slice(0, imageAt), '--label', `berth.proxy.config=${id}`, ...argv.slice(imageAt)];
}

function proxyRunArgvUnlabelled(setup: HostSetup): Argv {
  return containerRun({
    name: HOST_LAYOUT.proxy,
    image: CADDY_IMAGE,
    command: ['caddy', 'run', '--config', PROXY_CONFIG_IN],
    network: HOST_LAYOUT.network,
    publish: setup.https ? ['80:80', '443:443'] : [`${setup.hostPort}:80`],
    mounts: [
      { kind: 'bind', source: HOST_LAYOUT.proxyConfigFile, target: PROXY_CONFIG_IN, readonly: true },
      ...(setup.https?.acmeCaRootPem ? [{ kind: 'bind', source: HOST_LAYOUT.acmeCaRootFile, target: ACME_ROOT_IN, readonly: true } as const] : []),
      // Certificates live on the data volume (a replacement host keeps them: no new issuance, no
      // rate limit); a bind mount fails closed if the volume is not mounted.
      { kind: 'bind', source: HOST_LAYOUT.proxyDataDir, target: '/data' },
    ],
    // Caddy's image runs as root: binding 80 and 443 needs only NET_BIND_SERVICE, kept alone.
    readOnly: true,
    tmpfs: ['/config', '/tmp'],
    capDrop: ['ALL'],
    capAdd: ['NET_BIND_SERVICE'],
    securityOpt: ['no-new-privileges:true'],
    memory: '256m',
    pids: 200,
    restart: 'unless-stopped',
    logging: { driver: 'json-file', maxSize: '10m', maxFile: 3 },
    labels: { 'berth.proxy': 'caddy' },
  });
}

/** The host's settings as deploy.sh sources them (host.env, carried by every release). */
export function renderHostEnv(app: AppSpec, setup: HostSetup): string {
  const scalar = (name: HostVariable, value: string | number) => `${name}=${shellQuote(String(value))}`;
  const array = (name: HostVariable, words: readonly string[]) => `${name}=(\n${words.map((w) => `  ${shellQuote(w)}`).join('\n')}\n)`;
  return [
    '# berth host settings, rendered by infra/host/bootstrap.ts; deploy.sh sources this file.',
    '# shellcheck disable=SC2034 # the variables are used by deploy.sh',
    scalar('BERTH_REGION', setup.region),
    // Empty without a data volume (a fleet host): deploy.sh then mounts nothing.
    scalar('BERTH_VOLUME_ID', setup.volumeId ?? ''),
    scalar('BERTH_DEVICE_NAME', setup.deviceName),
    scalar('BERTH_VOLUME_WAIT_S', HOST_LAYOUT.volumeWaitS),
    scalar('BERTH_MOUNT', HOST_LAYOUT.mount),
    // Empty for an app without a data path: deploy.sh then makes no app data directory (the volume
    // still holds the proxy's data).
    scalar('BERTH_DATA_DIR', app.dataPath === undefined ? '' : HOST_LAYOUT.dataDir),
    scalar('BERTH_DATA_OWNER', app.user),
    scalar('BERTH_PROXY_DATA_DIR', HOST_LAYOUT.proxyDataDir),
    scalar('BERTH_ENV_FILE', HOST_LAYOUT.envFile),
    scalar('BERTH_STATUS_FILE', HOST_LAYOUT.statusFile),
    scalar('BERTH_LIVE_DIR', HOST_LAYOUT.liveDir),
    scalar('BERTH_PROXY_CONFIG_FILE', HOST_LAYOUT.proxyConfigFile),
    scalar('BERTH_ACME_CA_ROOT_FILE', HOST_LAYOUT.acmeCaRootFile),
    scalar('BERTH_CONTAINER', containerName(app)),
    scalar('BERTH_NETWORK', HOST_LAYOUT.network),
    scalar('BERTH_PROXY', HOST_LAYOUT.proxy),
    scalar('BERTH_PROXY_IMAGE', CADDY_IMAGE),
    // The port deploy.sh checks the proxy on: plain HTTP, or 80 (the redirect) with a domain.
    scalar('BERTH_PROXY_PORT', setup.https ? 80 : setup.hostPort),
    scalar('BERTH_KEEP_IMAGES', HOST_LAYOUT.keepImages),
    scalar('BERTH_RELEASED_IMAGES_FILE', HOST_LAYOUT.releasedImagesFile),
    '# shellcheck disable=SC2054 # commas inside --mount type=bind,source=... are one word',
    array('BERTH_PROXY_RUN', proxyRunArgv(app, setup)),
    // Only with a database, so a single host's host.env stays as it was.
    ...(setup.database
      ? [
        scalar('BERTH_DB_SECRET_ARN', setup.database.secretArn),
        scalar('BERTH_DB_HOST', setup.database.host),
        scalar('BERTH_DB_PORT', setup.database.port),
        scalar('BERTH_DB_NAME', setup.database.name),
      ]
      : []),
    '',
  ].join('\n');
}
