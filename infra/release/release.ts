// One release of the app, as the host receives it: a small shell file of BERTH_* variables (image
// digest, SSM parameter versions, env, health settings, the `docker run` argv), rendered by pure
// functions. It travels as a parameter of berth's SSM document (infra/release/ssm-document.ts), so a new
// digest, env or secret version reaches the running host in place: no stop/start, no new user-data.
// infra/host/deploy.sh sources it and swaps containers behind the proxy. Nothing here is secret:
// secrets are named by SSM parameter and version, and the host reads them with its role.
import { createHash } from 'node:crypto';
import { type Argv, type AwsLogs, dockerRun, shellQuote } from '../app/docker-commands.js';
import { HOST_LAYOUT, type HostVariable } from '../host/contract.js';
import { type AppSpec, containerName } from '../app/spec.js';

/** A SecureString parameter pinned to one version, so a changed secret changes the release too. */
export interface SsmRef {
  readonly name: string;
  readonly version: number;
}

/** How a release is gated and retired (Kamal's defaults: 1 s, 30 s, 30 s). */
export interface ReleasePolicy {
  /** Seconds between health checks of the new container. */
  readonly healthIntervalS: number;
  /** Seconds the new container has to become healthy before the release fails. */
  readonly deployTimeoutS: number;
  /** Seconds the old container has to finish its requests after SIGTERM, before SIGKILL. */
  readonly drainTimeoutS: number;
}

/** Everything that decides what runs. None of it is secret. */
export interface AppRelease {
  /** registry/path@sha256:…, never a tag. */
  readonly imageRef: string;
  /** Registry host to log in to: docker.io for Docker Hub. */
  readonly registry: string;
  readonly registryUsername: string;
  readonly registryToken: SsmRef;
  /** Env var name → the parameter holding its value. */
  readonly secretEnv: Readonly<Record<string, SsmRef>>;
  /** Plain env vars. */
  readonly env: Readonly<Record<string, string>>;
  readonly policy: ReleasePolicy;
  /** Fleet mode: the container logs to the stack's CloudWatch Logs group (infra/release/bundle.ts,
   * hostRelease, sets it from the host settings); absent: json-file, as on the single host. */
  readonly logs?: AwsLogs;
  /** Fleet mode: the database the app connects to (infra/release/bundle.ts, hostRelease, sets it
   * from HostSetup.database). Not rendered into the release file (host.env carries it); it is here
   * for the id: a release that only moves the hosts to another database (a restore: a new endpoint
   * and a new secret) must start new containers, and deploy.sh swaps only when the id differs (the
   * env file is written when a container starts). */
  readonly database?: { readonly host: string; readonly port: number; readonly name: string; readonly secretArn: string };
}

// The host's paths and names live in the host contract; re-exported for the modules that import them from here.
export { HOST_LAYOUT } from '../host/contract.js';

const DIGEST_REF = /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+@sha256:[a-f0-9]{64}$/;

export class ReleaseError extends Error {
  override name = 'ReleaseError';
}

/** A short fingerprint of everything that decides what runs: same release, same id. */
export function releaseId(app: AppSpec, release: AppRelease): string {
  const unnamed = dockerRun(app, runSpec(app, release, undefined));
  return createHash('sha256').update(JSON.stringify({ release, run: unnamed })).digest('hex').slice(0, 12);
}

/** The name a release's container starts under, beside the one serving (containerName(app), the
 * name the proxy finds it by); promoted by a rename. */
export const candidateName = (app: AppSpec, id: string) => `${containerName(app)}-${id}`;

/** The release's `docker run`: on the private network, no published port, labelled with its id. */
export function releaseRunArgv(app: AppSpec, release: AppRelease): Argv {
  return dockerRun(app, runSpec(app, release, releaseId(app, release)));
}

function runSpec(app: AppSpec, release: AppRelease, id: string | undefined) {
  return {
    name: id ? candidateName(app, id) : containerName(app),
    image: release.imageRef,
    network: HOST_LAYOUT.network,
    envFiles: [HOST_LAYOUT.envFile],
    data: { kind: 'bind', hostPath: HOST_LAYOUT.dataDir } as const,
    labels: { 'berth.app': containerName(app), ...(id ? { 'berth.release': id } : {}) },
    ...(release.logs ? { logs: release.logs } : {}),
  };
}

const scalar = (name: HostVariable, value: string | number) => `${name}=${shellQuote(String(value))}`;
const array = (name: HostVariable, words: readonly string[]) =>
  words.length === 0 ? `${name}=()` : `${name}=(\n${words.map((w) => `  ${shellQuote(w)}`).join('\n')}\n)`;
const sortedEntries = <T>(record: Readonly<Record<string, T>>) => Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** The release file deploy.sh sources. ASCII only: it travels as an SSM document parameter. */
export function renderRelease(app: AppSpec, release: AppRelease): string {
  if (!DIGEST_REF.test(release.imageRef)) {
    throw new ReleaseError(`imageRef must be registry/path@sha256:<64 hex>, never a tag; got ${JSON.stringify(release.imageRef)}`);
  }
  const nonAscii = Object.entries(release.env).find(([, v]) => /[^\x20-\x7e]/.test(v));
  if (nonAscii) {
    throw new ReleaseError(`berth:env: ${nonAscii[0]} has characters outside printable ASCII; put it in berth:secretEnv, which travels through SSM`);
  }
  const { healthIntervalS, deployTimeoutS, drainTimeoutS } = release.policy;
  const id = releaseId(app, release);
  const ref = (r: SsmRef) => `${r.name}:${r.version}`;
  return [
    `# berth release ${id}, rendered by infra/release/release.ts. Secrets are not here: the host reads them`,
    '# from SSM (the parameters below, pinned by version) with its instance role.',
    '# shellcheck disable=SC2034 # the variables are used by deploy.sh, which sources this file',
    scalar('BERTH_RELEASE', id),
    scalar('BERTH_IMAGE', release.imageRef),
    scalar('BERTH_REGISTRY', release.registry),
    scalar('BERTH_REGISTRY_USER', release.registryUsername),
    scalar('BERTH_TOKEN_PARAM', ref(release.registryToken)),
    array('BERTH_SECRET_ENV', sortedEntries(release.secretEnv).map(([name, r]) => `${name}=${ref(r)}`)),
    '# shellcheck disable=SC2016 # env values are literal: a $ in them is not expanded, by design',
    array('BERTH_ENV', sortedEntries(release.env).map(([name, value]) => `${name}=${value}`)),
    scalar('BERTH_CANDIDATE', candidateName(app, id)),
    scalar('BERTH_APP_PORT', app.port),
    scalar('BERTH_HEALTH_PATH', app.healthPath),
    scalar('BERTH_HEALTH_INTERVAL_S', healthIntervalS),
    scalar('BERTH_DEPLOY_TIMEOUT_S', deployTimeoutS),
    scalar('BERTH_DRAIN_TIMEOUT_S', drainTimeoutS),
    '# shellcheck disable=SC2054 # commas inside --mount type=bind,source=... are one word',
    array('BERTH_RUN', releaseRunArgv(app, release)),
    '',
  ].join('\n');
}
