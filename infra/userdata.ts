// The EC2 host's user-data, rendered by pure functions: the container's shape and one release's
// values go in, text comes out. No Pulumi types, no I/O; the host's shell (infra/host/deploy.sh) is
// passed in as text. What the host runs is therefore exact data a test can read, shellcheck, and
// run unmodified on a simulated host.
//
// The user-data is MIME multipart, the form AWS documents for "run user data on every boot":
//   1. cloud-config that sets cloud-init's scripts-user module to run "always" instead of once
//      per instance, and
//   2. the deploy script: the release (image digest, SSM parameter versions, env, run flags) as
//      shell variables, then deploy.sh.
// cloud-init re-reads user-data from the instance metadata on every boot. A new image digest
// changes the user-data; the AWS provider applies a user-data change by stopping and starting the
// instance, and on that boot the new script converges the host to the new release. The data volume
// is separate and stays attached throughout.
import { createHash } from 'node:crypto';
import { type Argv, dockerRun, shellQuote } from './docker-commands.js';
import type { ContainerShape } from './shape.js';

/** A SecureString parameter pinned to one version, so a changed secret changes the release too. */
export interface SsmRef {
  readonly name: string;
  readonly version: number;
}

/** Everything the host needs to run one release. None of it is secret. */
export interface HostRelease {
  readonly region: string;
  /** registry/path@sha256:…, never a tag. */
  readonly imageRef: string;
  /** Registry host to log in to: docker.io for Docker Hub. */
  readonly registry: string;
  readonly registryUsername: string;
  readonly registryToken: SsmRef;
  /** Env var name → the parameter holding its value. */
  readonly secretEnv: Readonly<Record<string, SsmRef>>;
  /** Plain env vars; they travel in the user-data. */
  readonly env: Readonly<Record<string, string>>;
  /** EBS volume id of the data volume (vol-…), how the host finds its device. */
  readonly volumeId: string;
  /** The attachment's device name (/dev/sdf); only Xen instances show the volume under it. */
  readonly deviceName: string;
  readonly hostPort: number;
}

/** Where things live on the host. */
export const HOST_LAYOUT = {
  container: 'berth-notes',
  mount: '/var/lib/berth/data',
  /** A directory on the volume: it exists only while the volume is mounted. */
  dataDir: '/var/lib/berth/data/app',
  envFile: '/etc/berth/app.env',
  statusFile: '/var/lib/berth/status',
  volumeWaitS: 300,
  healthWaitS: 120,
  /** Images of the repository kept on the host, the running one included: rollbacks need no pull. */
  keepImages: 3,
} as const;

/** EC2 refuses user-data over 16 KB (before base64). */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

const DIGEST_REF = /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+@sha256:[a-f0-9]{64}$/;
const MIME_BOUNDARY = '==BERTH-USER-DATA==';

export class UserDataError extends Error {
  override name = 'UserDataError';
}

/** The host's `docker run`, with the release label that tells the deploy script what is running. */
export function hostRunArgv(shape: ContainerShape, release: HostRelease): Argv {
  return dockerRun(shape, runSpec(release, releaseId(shape, release)));
}

/** A short fingerprint of everything that decides what runs: same release, same id. */
export function releaseId(shape: ContainerShape, release: HostRelease): string {
  const unlabelled = dockerRun(shape, runSpec(release, undefined));
  return createHash('sha256').update(JSON.stringify({ release, run: unlabelled })).digest('hex').slice(0, 16);
}

function runSpec(release: HostRelease, id: string | undefined) {
  return {
    name: HOST_LAYOUT.container,
    image: release.imageRef,
    publish: { hostPort: release.hostPort },
    envFiles: [HOST_LAYOUT.envFile],
    data: { kind: 'bind', hostPath: HOST_LAYOUT.dataDir } as const,
    ...(id ? { labels: { 'berth.release': id } } : {}),
  };
}

export function renderCloudConfig(): string {
  return [
    '#cloud-config',
    '# Run the user-data script on every boot, not only the first: a stop/start with new user-data',
    '# (a new image digest) must deploy it, and a reboot re-checks the host.',
    'cloud_final_modules:',
    '  - [scripts-user, always]',
    '',
  ].join('\n');
}

export function renderDeployScript(shape: ContainerShape, release: HostRelease, deployScript: string): string {
  if (!DIGEST_REF.test(release.imageRef)) {
    throw new UserDataError(`imageRef must be registry/path@sha256:<64 hex>, never a tag; got ${JSON.stringify(release.imageRef)}`);
  }
  const id = releaseId(shape, release);
  const ref = (r: SsmRef) => `${r.name}:${r.version}`;
  const scalar = (name: string, value: string | number) => `${name}=${shellQuote(String(value))}`;
  const array = (name: string, words: readonly string[]) =>
    words.length === 0 ? `${name}=()` : `${name}=(\n${words.map((w) => `  ${shellQuote(w)}`).join('\n')}\n)`;
  const sortedEntries = <T>(record: Readonly<Record<string, T>>) =>
    Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [
    '#!/bin/bash',
    `# berth release ${id}, rendered by infra/userdata.ts. Secrets are not here: the host reads them`,
    '# from SSM (the parameters below, pinned by version) with its instance role.',
    scalar('BERTH_RELEASE', id),
    scalar('BERTH_REGION', release.region),
    scalar('BERTH_IMAGE', release.imageRef),
    scalar('BERTH_REGISTRY', release.registry),
    scalar('BERTH_REGISTRY_USER', release.registryUsername),
    scalar('BERTH_TOKEN_PARAM', ref(release.registryToken)),
    array('BERTH_SECRET_ENV', sortedEntries(release.secretEnv).map(([name, r]) => `${name}=${ref(r)}`)),
    '# shellcheck disable=SC2016 # env values are literal: a $ in them is not expanded, by design',
    array('BERTH_ENV', sortedEntries(release.env).map(([name, value]) => `${name}=${value}`)),
    scalar('BERTH_VOLUME_ID', release.volumeId),
    scalar('BERTH_DEVICE_NAME', release.deviceName),
    scalar('BERTH_VOLUME_WAIT_S', HOST_LAYOUT.volumeWaitS),
    scalar('BERTH_MOUNT', HOST_LAYOUT.mount),
    scalar('BERTH_DATA_DIR', HOST_LAYOUT.dataDir),
    scalar('BERTH_DATA_OWNER', shape.user),
    scalar('BERTH_ENV_FILE', HOST_LAYOUT.envFile),
    scalar('BERTH_STATUS_FILE', HOST_LAYOUT.statusFile),
    scalar('BERTH_CONTAINER', HOST_LAYOUT.container),
    scalar('BERTH_HOST_PORT', release.hostPort),
    scalar('BERTH_HEALTH_PATH', shape.healthPath),
    scalar('BERTH_HEALTH_WAIT_S', HOST_LAYOUT.healthWaitS),
    scalar('BERTH_STOP_GRACE_S', shape.stopGraceS),
    scalar('BERTH_KEEP_IMAGES', HOST_LAYOUT.keepImages),
    '# shellcheck disable=SC2054 # commas inside --mount type=bind,source=… are one word',
    array('BERTH_RUN', hostRunArgv(shape, release)),
    '',
    deployScript.trimEnd(),
    '',
  ].join('\n');
}

/** MIME multipart/mixed, the container cloud-init reads several user-data parts from. */
export function multipart(parts: readonly { readonly type: string; readonly body: string }[]): string {
  const part = ({ type, body }: { type: string; body: string }) =>
    [`--${MIME_BOUNDARY}`, `Content-Type: ${type}; charset="us-ascii"`, 'MIME-Version: 1.0', 'Content-Transfer-Encoding: 7bit', '', body].join('\n');
  return [`Content-Type: multipart/mixed; boundary="${MIME_BOUNDARY}"`, 'MIME-Version: 1.0', '', ...parts.map(part), `--${MIME_BOUNDARY}--`, ''].join('\n');
}

/** The whole user-data: MIME multipart with the cloud-config part and the deploy script part. */
export function renderUserData(shape: ContainerShape, release: HostRelease, deployScript: string): string {
  const script = renderDeployScript(shape, release, deployScript);
  // 7bit parts: the script must be ASCII. Env values are the only free text in it.
  const nonAscii = Object.entries(release.env).find(([, v]) => /[^\x20-\x7e]/.test(v));
  if (nonAscii) {
    throw new UserDataError(`berth:env: ${nonAscii[0]} has characters outside printable ASCII, which user-data parts cannot carry; put it in berth:secretEnv, which travels through SSM`);
  }
  const text = multipart([
    { type: 'text/cloud-config', body: renderCloudConfig() },
    { type: 'text/x-shellscript', body: script },
  ]);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > USER_DATA_LIMIT_BYTES) {
    throw new UserDataError(
      `the user-data is ${bytes} bytes, over EC2's limit of ${USER_DATA_LIMIT_BYTES}; berth:env is the part that grows: move large values to berth:secretEnv, which travels through SSM`,
    );
  }
  return text;
}
