// The host's settings, rendered by pure functions: what the proxy publishes and how it runs, its
// config, and host.env, the file deploy.sh sources. They travel with every release
// (infra/release-bundle.ts), never in the user-data, so changing one is a release, in place.
import { createHash } from 'node:crypto';
import { type Argv, shellQuote } from './docker-commands.js';
import { CADDY_IMAGE, renderCaddyConfig } from './proxy/caddy.js';
import { HOST_LAYOUT } from './release.js';
import type { ContainerShape } from './shape.js';

/** The host's settings; none of it is secret. They travel with every release, in host.env. */
export interface HostSetup {
  readonly region: string;
  /** EBS volume id of the data volume (vol-…), how the host finds its device. */
  readonly volumeId: string;
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
}

/** Inside the proxy container. */
export const PROXY_CONFIG_IN = '/etc/caddy/caddy.json';
export const ACME_ROOT_IN = '/etc/caddy/acme-ca-root.pem';

/** The ports the proxy publishes on the host: hostPort, or 80 and 443 with a domain. */
export function proxyPorts(setup: Pick<HostSetup, 'hostPort' | 'https'>): readonly number[] {
  return setup.https ? [80, 443] : [setup.hostPort];
}

/** Caddy's config for this host. */
export function proxyConfig(shape: ContainerShape, setup: HostSetup): string {
  const https = setup.https && {
    domain: setup.https.domain,
    acmeCa: setup.https.acmeCa,
    ...(setup.https.acmeEmail ? { acmeEmail: setup.https.acmeEmail } : {}),
    ...(setup.https.acmeCaRootPem ? { acmeCaRootFile: ACME_ROOT_IN } : {}),
  };
  return `${JSON.stringify(
    renderCaddyConfig({ upstream: { name: HOST_LAYOUT.container, port: shape.containerPort }, ...(https ? { https } : {}) }),
    null,
    2,
  )}\n`;
}

/**
 * The proxy's `docker run`. Only Caddy publishes ports; it reaches the app on the private network.
 * Its label `berth.proxy.config` fingerprints the config and these flags: deploy.sh recreates the
 * proxy when the label differs, and otherwise never touches it (a release does not).
 */
export function proxyRunArgv(shape: ContainerShape, setup: HostSetup): Argv {
  const argv = proxyRunArgvUnlabelled(setup);
  const id = createHash('sha256').update(proxyConfig(shape, setup)).update(JSON.stringify(argv)).update(setup.https?.acmeCaRootPem ?? '').digest('hex').slice(0, 16);
  const imageAt = argv.indexOf(CADDY_IMAGE);
  return [...argv.slice(0, imageAt), '--label', `berth.proxy.config=${id}`, ...argv.slice(imageAt)];
}

function proxyRunArgvUnlabelled(setup: HostSetup): Argv {
  const publish = setup.https ? ['--publish', '80:80', '--publish', '443:443'] : ['--publish', `${setup.hostPort}:80`];
  return [
    'docker', 'run', '--detach', '--name', HOST_LAYOUT.proxy,
    '--network', HOST_LAYOUT.network,
    ...publish,
    '--mount', `type=bind,source=${HOST_LAYOUT.proxyConfigFile},target=${PROXY_CONFIG_IN},readonly`,
    ...(setup.https?.acmeCaRootPem ? ['--mount', `type=bind,source=${HOST_LAYOUT.acmeCaRootFile},target=${ACME_ROOT_IN},readonly`] : []),
    // Certificates live on the data volume (a replacement host keeps them: no new issuance, no
    // rate limit); --mount fails closed if the volume is not mounted.
    '--mount', `type=bind,source=${HOST_LAYOUT.proxyDataDir},target=/data`,
    '--read-only', '--tmpfs', '/config', '--tmpfs', '/tmp',
    '--cap-drop', 'ALL', '--cap-add', 'NET_BIND_SERVICE', '--security-opt', 'no-new-privileges:true',
    '--memory', '256m', '--memory-swap', '256m', '--pids-limit', '200',
    '--restart', 'unless-stopped',
    '--log-driver', 'json-file', '--log-opt', 'max-size=10m', '--log-opt', 'max-file=3',
    '--label', 'berth.proxy=caddy',
    CADDY_IMAGE, 'caddy', 'run', '--config', PROXY_CONFIG_IN,
  ];
}

/** The host's settings as deploy.sh sources them (host.env, carried by every release). */
export function renderHostEnv(shape: ContainerShape, setup: HostSetup): string {
  const scalar = (name: string, value: string | number) => `${name}=${shellQuote(String(value))}`;
  const array = (name: string, words: readonly string[]) => `${name}=(\n${words.map((w) => `  ${shellQuote(w)}`).join('\n')}\n)`;
  return [
    '# berth host settings, rendered by infra/userdata.ts; deploy.sh sources this file.',
    '# shellcheck disable=SC2034 # the variables are used by deploy.sh',
    scalar('BERTH_REGION', setup.region),
    scalar('BERTH_VOLUME_ID', setup.volumeId),
    scalar('BERTH_DEVICE_NAME', setup.deviceName),
    scalar('BERTH_VOLUME_WAIT_S', HOST_LAYOUT.volumeWaitS),
    scalar('BERTH_MOUNT', HOST_LAYOUT.mount),
    scalar('BERTH_DATA_DIR', HOST_LAYOUT.dataDir),
    scalar('BERTH_DATA_OWNER', shape.user),
    scalar('BERTH_PROXY_DATA_DIR', HOST_LAYOUT.proxyDataDir),
    scalar('BERTH_ENV_FILE', HOST_LAYOUT.envFile),
    scalar('BERTH_STATUS_FILE', HOST_LAYOUT.statusFile),
    scalar('BERTH_LIVE_DIR', HOST_LAYOUT.liveDir),
    scalar('BERTH_PROXY_CONFIG_FILE', HOST_LAYOUT.proxyConfigFile),
    scalar('BERTH_ACME_CA_ROOT_FILE', HOST_LAYOUT.acmeCaRootFile),
    scalar('BERTH_CONTAINER', HOST_LAYOUT.container),
    scalar('BERTH_NETWORK', HOST_LAYOUT.network),
    scalar('BERTH_PROXY', HOST_LAYOUT.proxy),
    scalar('BERTH_PROXY_IMAGE', CADDY_IMAGE),
    // The port deploy.sh checks the proxy on: plain HTTP, or 80 (the redirect) with a domain.
    scalar('BERTH_PROXY_PORT', setup.https ? 80 : setup.hostPort),
    scalar('BERTH_KEEP_IMAGES', HOST_LAYOUT.keepImages),
    scalar('BERTH_RELEASED_IMAGES_FILE', HOST_LAYOUT.releasedImagesFile),
    '# shellcheck disable=SC2054 # commas inside --mount type=bind,source=... are one word',
    array('BERTH_PROXY_RUN', proxyRunArgv(shape, setup)),
    '',
  ].join('\n');
}
