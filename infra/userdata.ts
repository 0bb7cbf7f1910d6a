// The EC2 host's user-data, rendered by pure functions: the host's settings go in, text comes out.
// No Pulumi types, no I/O; the deploy script (infra/host/deploy.sh) is passed in as text. What the
// host runs is therefore exact data a test can read, shellcheck, and run unmodified on a simulated
// host.
//
// The user-data sets the host up; it holds no release. Releases arrive through SSM
// (infra/ssm-document.ts), so a new image digest never changes the user-data and never stops the
// instance. The user-data is MIME multipart, the form AWS documents for "run on every boot":
//   1. cloud-config that sets cloud-init's scripts-user module to run "always", and
//   2. a script that installs the host's files (settings, Caddy's config, deploy.sh) and runs
//      `deploy.sh boot`: tools, data volume, private network, proxy, then the last release that
//      went live (none on a new host: the first one comes from SSM moments later).
// Changing these settings (domain, port, volume) changes the user-data; the AWS provider applies
// that as a stop/start, and on that boot cloud-init re-reads the user-data and runs it again.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { type Argv, shellQuote } from './docker-commands.js';
import { CADDY_IMAGE, renderCaddyConfig } from './proxy/caddy.js';
import { HOST_LAYOUT } from './release.js';
import type { ContainerShape } from './shape.js';

/** Everything the host itself needs; none of it is secret, none of it changes per release. */
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
const HEREDOC_END = 'BERTH_FILE_END';
/** Inside the proxy container. */
export const PROXY_CONFIG_IN = '/etc/caddy/caddy.json';
const ACME_ROOT_IN = '/etc/caddy/acme-ca-root.pem';

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
    '# brings back the last release; a stop/start with new user-data applies new host settings.',
    'cloud_final_modules:',
    '  - [scripts-user, always]',
    '',
  ].join('\n');
}

/** The user-data's shell part: install the host's files, then converge with `deploy.sh boot`. */
export function renderSetupScript(shape: ContainerShape, setup: HostSetup, deployScript: string): string {
  const scalar = (name: string, value: string | number) => `${name}=${shellQuote(String(value))}`;
  const array = (name: string, words: readonly string[]) => `${name}=(\n${words.map((w) => `  ${shellQuote(w)}`).join('\n')}\n)`;
  const hostEnv = [
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
    scalar('BERTH_RELEASE_FILE', HOST_LAYOUT.releaseFile),
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
  const files: { path: string; mode: string; text: string }[] = [
    { path: HOST_LAYOUT.hostEnvFile, mode: '0644', text: hostEnv },
    { path: HOST_LAYOUT.proxyConfigFile, mode: '0644', text: proxyConfig(shape, setup) },
    ...(setup.https?.acmeCaRootPem ? [{ path: HOST_LAYOUT.acmeCaRootFile, mode: '0644', text: setup.https.acmeCaRootPem.trimEnd() + '\n' }] : []),
    { path: HOST_LAYOUT.deployScript, mode: '0755', text: deployScript },
  ];
  for (const file of files) {
    if (file.text.split('\n').includes(HEREDOC_END)) throw new UserDataError(`${file.path} contains the line ${HEREDOC_END}, which ends the heredoc it travels in`);
  }
  return [
    '#!/bin/bash',
    '# berth host setup, rendered by infra/userdata.ts: install the host files, then converge.',
    'set -euo pipefail',
    'umask 022',
    'install_file() { # path mode < text: written whole, then moved into place',
    '  mkdir -p "$(dirname "$1")"',
    '  local tmp',
    '  tmp=$(mktemp "$1.XXXXXX")',
    '  cat >"$tmp"',
    '  chmod "$2" "$tmp"',
    '  mv -f "$tmp" "$1"',
    '}',
    ...files.flatMap((f) => [`install_file ${f.path} ${f.mode} <<'${HEREDOC_END}'`, f.text.trimEnd(), HEREDOC_END]),
    `exec ${HOST_LAYOUT.deployScript} boot`,
    '',
  ].join('\n');
}

/** MIME multipart/mixed, the container cloud-init reads several user-data parts from. */
export function multipart(parts: readonly { readonly type: string; readonly body: string }[]): string {
  const part = ({ type, body }: { type: string; body: string }) =>
    [`--${MIME_BOUNDARY}`, `Content-Type: ${type}; charset="us-ascii"`, 'MIME-Version: 1.0', 'Content-Transfer-Encoding: 7bit', '', body].join('\n');
  return [`Content-Type: multipart/mixed; boundary="${MIME_BOUNDARY}"`, 'MIME-Version: 1.0', '', ...parts.map(part), `--${MIME_BOUNDARY}--`, ''].join('\n');
}

/** The whole user-data as text: MIME multipart with the cloud-config part and the setup script. */
export function renderUserData(shape: ContainerShape, setup: HostSetup, deployScript: string): string {
  const text = multipart([
    { type: 'text/cloud-config', body: renderCloudConfig() },
    { type: 'text/x-shellscript', body: renderSetupScript(shape, setup, deployScript) },
  ]);
  if (/[^\x09\x0a\x20-\x7e]/.test(text)) throw new UserDataError('the user-data must be printable ASCII (its parts are 7bit); check berth:domain and berth:acmeCaRoot');
  return text;
}

/**
 * The user-data as EC2 takes it: gzip, then base64 (the instance's userDataBase64). cloud-init
 * unpacks gzip user-data itself; compressed, deploy.sh can travel with its comments and still fit
 * EC2's 16 KB, which counts the bytes before base64.
 */
export function packUserData(text: string): string {
  const packed = gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
  if (packed.length > USER_DATA_LIMIT_BYTES) {
    throw new UserDataError(
      `the user-data is ${packed.length} bytes gzipped, over EC2's limit of ${USER_DATA_LIMIT_BYTES}; a long berth:acmeCaRoot is the part that grows: give only the root certificate`,
    );
  }
  return packed.toString('base64');
}
