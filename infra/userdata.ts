// The EC2 host's user-data, rendered by pure functions: a bootstrap only. It holds nothing that
// changes when berth's code or the host's settings change: the region, the name of this stack's
// release manifest parameter, and the small fetcher (infra/host/fetch-release.sh). So upgrading
// berth or changing a setting never changes it, and the AWS provider never stops the instance to
// apply it. Everything else arrives with each release (infra/release-bundle.ts): the deploy
// script, the host settings (host.env, rendered here), and the proxy's config.
//
// The user-data is MIME multipart, the form AWS documents for "run on every boot":
//   1. cloud-config that sets cloud-init's scripts-user module to run "always", and
//   2. a script that, on every boot, hands over to the deploy script of the release that last
//      went live (`<liveDir>/deploy.sh boot`, which converges to that release), and on a new
//      host's first boot fetches the stack's current release from Parameter Store and runs it:
//      the host serves without waiting for State Manager, which then finds it already serving.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
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

/** EC2 refuses user-data over 16 KB (before base64; gzip counts as sent). */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

const MIME_BOUNDARY = '==BERTH-USER-DATA==';
/** Inside the proxy container. */
export const PROXY_CONFIG_IN = '/etc/caddy/caddy.json';
export const ACME_ROOT_IN = '/etc/caddy/acme-ca-root.pem';

export class UserDataError extends Error {
  override name = 'UserDataError';
}

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

export function renderCloudConfig(): string {
  return [
    '#cloud-config',
    '# Run the user-data script on every boot, not only the first: a reboot re-checks the host and',
    '# brings back the last release that went live, with the deploy script that came with it.',
    'cloud_final_modules:',
    '  - [scripts-user, always]',
    '',
  ].join('\n');
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

/** What the bootstrap needs to find the stack's release; fixed for the life of a stack. */
export interface Bootstrap {
  readonly region: string;
  /** The SSM parameter holding the current release's manifest (infra/release-bundle.ts). */
  readonly manifestParameter: string;
}

/** The user-data's shell part: hand over to the live release's deploy script, or fetch the first. */
export function renderBootstrap(bootstrap: Bootstrap, fetchScript: string): string {
  const live = HOST_LAYOUT.liveDir;
  return [
    '#!/bin/bash',
    '# berth bootstrap, rendered by infra/userdata.ts. Every boot: converge to the release that last',
    '# went live, with the deploy script that came with it. First boot: fetch the current release.',
    'set -euo pipefail',
    'umask 077',
    `if [ -x ${live}/deploy.sh ]; then exec ${live}/deploy.sh boot; fi`,
    fetchScript.trimEnd(),
    `manifest=$(berth_parameter ${shellQuote(bootstrap.region)} ${shellQuote(bootstrap.manifestParameter)}) ||`,
    `  berth_fetch_fail "could not read the release manifest ${bootstrap.manifestParameter}; State Manager will deliver the release"`,
    'dir=$(mktemp -d /run/berth-release.XXXXXX)',
    'fetch_release "$manifest" "$dir"',
    'rc=0',
    '"$dir/files/deploy.sh" release "$dir/files" || rc=$?',
    'rm -rf "$dir"',
    'exit "$rc"',
    '',
  ].join('\n');
}

/** MIME multipart/mixed, the container cloud-init reads several user-data parts from. */
export function multipart(parts: readonly { readonly type: string; readonly body: string }[]): string {
  const part = ({ type, body }: { type: string; body: string }) =>
    [`--${MIME_BOUNDARY}`, `Content-Type: ${type}; charset="us-ascii"`, 'MIME-Version: 1.0', 'Content-Transfer-Encoding: 7bit', '', body].join('\n');
  return [`Content-Type: multipart/mixed; boundary="${MIME_BOUNDARY}"`, 'MIME-Version: 1.0', '', ...parts.map(part), `--${MIME_BOUNDARY}--`, ''].join('\n');
}

/** The whole user-data as text: MIME multipart with the cloud-config part and the bootstrap. */
export function renderUserData(bootstrap: Bootstrap, fetchScript: string): string {
  const text = multipart([
    { type: 'text/cloud-config', body: renderCloudConfig() },
    { type: 'text/x-shellscript', body: renderBootstrap(bootstrap, fetchScript) },
  ]);
  if (/[^\x09\x0a\x20-\x7e]/.test(text)) throw new UserDataError('the user-data must be printable ASCII (its parts are 7bit)');
  return text;
}

/** The user-data as EC2 takes it: gzip, then base64 (the instance's userDataBase64); cloud-init
 * unpacks gzip user-data itself. EC2's 16 KB counts the bytes before base64. */
export function packUserData(text: string): string {
  const packed = gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
  if (packed.length > USER_DATA_LIMIT_BYTES) {
    throw new UserDataError(
      `the user-data is ${packed.length} bytes gzipped, over EC2's limit of ${USER_DATA_LIMIT_BYTES}; the bootstrap should be far smaller; was infra/host/fetch-release.sh made larger?`,
    );
  }
  return packed.toString('base64');
}
