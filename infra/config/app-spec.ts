// `berth:app`: the user's app, validated into an AppSpec. Pure: the stack config's JSON text in,
// an AppSpec or path-qualified problems out (`berth:app.healthPath: must start with /; got "up"`).
// Whether the build context and Dockerfile exist is asked of `files`, which the caller (read.ts, the
// local commands) answers from the disk, relative to the project directory.
//
// How the values arrive: `pulumi config set --path berth:app.port 5000` stores an object under the
// top key `berth:app`, and the program receives it as JSON text (read.ts); `--path` stores true,
// false and whole numbers as such, anything else as a string (pulumi/pulumi
// sdk/go/common/resource/config/map.go, adjustObjectValue), so a number or boolean here may come as
// either, and both are taken.
import path from 'node:path';
import type { AppSpec } from '../app/spec.js';
import { APP_KEYS, type AppKey, DEFAULT_APP } from './schema.js';
import { quote } from './suggest.js';
import { type Parsed, bad, fieldReader, objectOf, ok } from './structured.js';

export const APP_CONFIG_KEY = 'berth:app';

/** What the validator may ask of the project directory; paths are relative to it, or absolute. */
export interface AppFiles {
  isDirectory(p: string): boolean;
  isFile(p: string): boolean;
}

export type AppSpecResult = { readonly app: AppSpec; readonly problems: readonly string[] };

const keyOf = (key: string) => `${APP_CONFIG_KEY}.${key}`;
const setPath = (key: AppKey, example: string) => `pulumi config set --path ${keyOf(key)} ${example}`;

/**
 * The AppSpec from `berth:app`'s JSON text (undefined or empty: the defaults, the notes server).
 * `files` unset: the context and Dockerfile are not looked for (a caller with no project directory).
 */
export function validateAppSpec(text: string | undefined, files?: AppFiles): AppSpecResult {
  if (text === undefined || text === '') return { app: DEFAULT_APP, problems: [] };
  const parsed = objectOf(APP_CONFIG_KEY, text, APP_KEYS, 'port 5000');
  const problems = parsed.problems;
  if (!parsed.given) return { app: DEFAULT_APP, problems };
  const given = parsed.given;

  const read = fieldReader<AppKey>(given, problems, keyOf);
  const field = <T>(key: AppKey, parse: (value: unknown) => Parsed<T>): T => read(key, DEFAULT_APP[key] as T, parse);

  // The name is part of container names (berth-<name>, berth-<name>-<release>) and of the name the
  // proxy resolves on the host's Docker network. Docker takes [a-zA-Z0-9][a-zA-Z0-9_.-]* for a
  // container name (moby/moby daemon/names/names.go, RestrictedNameChars), but a dot would make the
  // proxy's lookup a different DNS name and an upper-case letter or _ is no hostname character
  // (RFC 1123), so: lower-case letters, digits and inner hyphens, at most 40, which keeps
  // berth-<name> inside one 63-character DNS label.
  const name = field('name', (v) =>
    typeof v === 'string' && /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/.test(v)
      ? ok(v)
      : bad(`must be 1 to 40 lower-case letters, digits and inner hyphens, such as notes or my-api (it names the containers, berth-<name>); got ${shown(v)}`),
  );
  const context = field('context', (v) =>
    typeof v === 'string' && v !== '' && !/[\u0000-\u001f]/.test(v)
      ? ok(v)
      : bad(`must be the build context directory, relative to the project directory (where Pulumi.yaml is) or absolute, such as app; got ${shown(v)}`),
  );
  const dockerfile = field('dockerfile', (v) =>
    typeof v === 'string' && v !== '' && !path.isAbsolute(v) && !/[\u0000-\u001f]/.test(v)
      ? ok(v)
      : bad(`must be the Dockerfile's path relative to berth:app.context, such as Dockerfile or docker/Dockerfile.prod; got ${shown(v)}`),
  );
  const port = field('port', (v) => {
    const n = whole(v);
    return n !== undefined && n >= 1 && n <= 65535 ? ok(n) : bad(`must be the port the app listens on in the container, from 1 to 65535; got ${shown(v)}`);
  });
  // It travels in the release file (printable ASCII) and into a URL the health gate requests.
  const healthPath = field('healthPath', (v) => {
    if (typeof v !== 'string' || !v.startsWith('/')) return bad(`must start with /; got ${shown(v)}`);
    return /^\/[\x21-\x7e]*$/.test(v) && !/[#"'\\`]/.test(v)
      ? ok(v)
      : bad(`must be a URL path such as /healthz: printable ASCII, no spaces, quotes or #; got ${shown(v)}`);
  });
  // "" means none. Otherwise an absolute path that docker's --mount takes as one target (no comma,
  // its separator), and not /tmp, where berth mounts a tmpfs (or the root itself).
  const dataPath = field<string | undefined>('dataPath', (v) => {
    if (v === '') return ok(undefined);
    if (typeof v !== 'string' || !v.startsWith('/')) {
      return bad(`must be an absolute path in the container such as /data, or "" for none (the app keeps no data); got ${shown(v)}`);
    }
    const normal = path.posix.normalize(v).replace(/(.)\/$/, '$1');
    if (!/^\/[\w./@+-]+$/.test(v) || normal === '/') return bad(`must be a directory path of letters, digits and . _ - @ + such as /data; got ${shown(v)}`);
    if (normal === '/tmp' || normal.startsWith('/tmp/')) return bad(`must not be /tmp or under it: berth mounts a tmpfs there; got ${shown(v)}`);
    return ok(normal);
  });
  // Numeric: docker's --user takes a name too, but a name means nothing to the host, which owns the
  // data directory by this uid:gid (BERTH_DATA_OWNER). Never root: berth runs apps unprivileged.
  const user = field<string>('user', (v) => {
    const m = typeof v === 'string' ? /^(\d{1,10}):(\d{1,10})$/.exec(v) : null;
    if (!m) return bad(`must be a numeric uid:gid such as 1000:1000 (the image's user; a name cannot own the data directory on the host); got ${shown(v)}`);
    const [uid, gid] = [Number(m[1]), Number(m[2])];
    // 4294967295 is (uid_t)-1, which the kernel reserves as "no id".
    if (uid > 4294967294 || gid > 4294967294) return bad(`must be ids below 4294967295; got ${shown(v)}`);
    if (uid === 0) return bad(`must not be root (uid 0): berth runs apps unprivileged; use the image's own user, such as 1000:1000; got ${shown(v)}`);
    return ok(`${uid}:${gid}`);
  });
  // Docker's daemon refuses less than 6 MiB ("Minimum memory limit allowed is 6MB", moby/moby
  // integration-cli/docker_api_containers_test.go); the upper bound only catches a unit mistake
  // (bytes or KiB given as MiB): 256 GiB is more than any single-host berth instance runs an app in.
  const memoryMiB = field('memoryMiB', (v) => {
    const n = whole(v);
    return n !== undefined && n >= 6 && n <= 262144 ? ok(n) : bad(`must be whole MiB from 6 (Docker's minimum) to 262144; got ${shown(v)}`);
  });
  // docker --cpus takes hundredths from 0.01 up to the host's CPU count ("Range of CPUs is from 0.01
  // to N.00, as there are only N CPUs available"): the host's count is known only there, so a larger
  // value fails the release's docker run, and 192 (the most vCPUs of common EC2 sizes) bounds typos.
  const cpus = field('cpus', (v) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
    return n >= 0.01 && n <= 192 && Math.abs(Math.round(n * 100) - n * 100) < 1e-9 ? ok(n) : bad(`must be a number of CPUs from 0.01 to 192, in hundredths (0.5, 1, 2); got ${shown(v)}`);
  });
  // Threads count as pids in the cgroup: a Node or Python runtime starts about a dozen, and the
  // image's health check and `docker exec` run inside the same limit, so fewer than 16 starves the
  // app; the top is Linux's own (PID_MAX_LIMIT, 4194304 on 64-bit).
  const pids = field('pids', (v) => {
    const n = whole(v);
    return n !== undefined && n >= 16 && n <= 4194304 ? ok(n) : bad(`must be a whole number of processes and threads from 16 to 4194304; got ${shown(v)}`);
  });
  const readOnly = field('readOnly', (v) =>
    v === true || v === 'true' ? ok(true) : v === false || v === 'false' ? ok(false) : bad(`must be true or false; got ${shown(v)}`),
  );

  // The files, only once their names are good: the context is a directory, the Dockerfile in it.
  if (files && !problems.some((p) => p.startsWith(`${keyOf('context')}:`))) {
    if (!files.isDirectory(context)) {
      problems.push(`${keyOf('context')}: no directory ${quote(context)} (relative to the project directory, where Pulumi.yaml is); set the app's build context: ${setPath('context', 'path/to/app')}`);
    } else if (!problems.some((p) => p.startsWith(`${keyOf('dockerfile')}:`)) && !files.isFile(path.join(context, dockerfile))) {
      problems.push(`${keyOf('dockerfile')}: no file ${quote(dockerfile)} in ${quote(context)}; name the Dockerfile relative to the context: ${setPath('dockerfile', 'Dockerfile')}`);
    }
  }

  return { app: { name, context, dockerfile, port, healthPath, ...(dataPath === undefined ? {} : { dataPath }), user, memoryMiB, cpus, pids, readOnly }, problems };
}


/** A whole number given as a number or as its digits. */
function whole(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
  return typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : undefined;
}

const shown = (v: unknown) => (typeof v === 'string' ? quote(v) : v === undefined ? 'nothing' : quote(JSON.stringify(v)));
