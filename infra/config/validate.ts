// The deployment's configuration, validated in one place before any resource is made. This file
// is pure: it takes the raw config strings (and which keys were set as secrets) and returns a typed
// DeployConfig, or throws one ConfigError listing every bad key with how to fix it. read.ts is the
// thin layer that gets the raw values from Pulumi.
import { APP_ENV_VARS } from '../../app/src/config.js';
import type { AppSpec } from '../app/spec.js';
import { APP_CONFIG_KEY, type AppFiles, validateAppSpec } from './app-spec.js';
import { DATABASE_CONFIG_KEY, type DatabaseSpec, FLEET_CONFIG_KEY, type FleetSpec, hostedZoneProblem, validateDatabaseSpec, validateFleetSpec } from './fleet.js';
import { BACKUPS_CONFIG_KEY, type BackupsSpec, RESTORE_DB_SNAPSHOT_KEY, RESTORE_SNAPSHOT_KEY, databaseBackupDays, restoreDbSnapshotProblem, restoreSnapshotProblem, validateBackupsSpec } from './backups.js';
import { DEFAULTS } from './schema.js';
import { closestKey, quote, shellWord } from './suggest.js';
import { type Parsed, bad, ok } from './structured.js';

/** Raw stack config, as Pulumi delivers it to the program: every value a string. */
export interface RawConfig {
  /** Every key of the stack, `namespace:name`; an object set with `--path` is JSON under its top key. */
  readonly values: Readonly<Record<string, string | undefined>>;
  /** Full keys (`berth:registryToken`) that were set with `--secret`. */
  readonly secretKeys: ReadonlySet<string>;
  /** The keys berth reads (read.ts's CONFIG_KEYS): any other `berth:` key is a mistake. */
  readonly knownKeys: readonly string[];
  /** The project directory, asked whether berth:app's context and Dockerfile exist (read.ts). */
  readonly files?: AppFiles;
}

export interface ImageRepository {
  /** Registry host (and port), `docker.io` for Docker Hub. */
  readonly registry: string;
  /** Path in the registry: `user/app`. */
  readonly path: string;
  /** `registry/path`, what docker push and pull take before `@sha256:…`. */
  readonly name: string;
}

export interface DeployConfig<Secret = string> {
  readonly region: string;
  readonly image: ImageRepository;
  readonly registryUsername: string;
  readonly registryToken: Secret;
  readonly instanceType: string;
  /** The image platform the instance type runs: Graviton types are arm64. */
  readonly platform: 'linux/amd64' | 'linux/arm64';
  readonly hostPort: number;
  readonly allowedCidrs: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly secretEnv: Secret extends string ? Readonly<Record<string, string>> : Secret;
  readonly dataVolumeGiB: number;
  /** Run this earlier digest of berth:image instead of building and pushing: a rollback. */
  readonly pinDigest?: string;
  /** HTTPS for this name (Caddy, ACME); without it, plain HTTP on hostPort. */
  readonly https?: {
    readonly domain: string;
    readonly acmeCa: string;
    readonly acmeEmail?: string;
    readonly acmeCaRootPem?: string;
  };
  /** How releases are health-gated and the old container drained, in seconds. */
  readonly release: { readonly healthIntervalS: number; readonly deployTimeoutS: number; readonly drainTimeoutS: number };
  /** Permissions boundary of the host role (ci/aws-oidc's hostRoleBoundaryArn); unset: none. */
  readonly hostRoleBoundary?: string;
  /** The user's app (berth:app), the notes server by default. */
  readonly app: AppSpec;
  /** Fleet mode (berth:fleet): an Auto Scaling group behind an ALB; unset: the single host. */
  readonly fleet?: FleetSpec;
  /** Fleet mode's database (berth:database); unset: none (a single host, or engine none). */
  readonly database?: DatabaseSpec;
  /** Route 53 zone of berth:domain in fleet mode: berth writes the certificate's and the ALB's records there. */
  readonly hostedZoneId?: string;
  /** Backups (berth:backups): DLM snapshots of a single host's volume, RDS's in fleet mode. */
  readonly backups: BackupsSpec;
  /** A single host's data volume is made from this EBS snapshot (berth:restoreSnapshotId). */
  readonly restoreSnapshotId?: string;
  /** Fleet mode: the database is made from this DB snapshot (berth:restoreDbSnapshot). */
  readonly restoreDbSnapshot?: string;
}


/** Names the app or the platform sets in the container; a user's env must not shadow them. */
export const RESERVED_ENV = [...APP_ENV_VARS.filter((name) => name !== 'GREETING' && name !== 'LOG_LEVEL'), 'NODE_ENV'];


export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      problems.length === 1
        ? `invalid configuration: ${problems[0]}`
        : `invalid configuration (${problems.length} problems):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/** Inbound rules a security group holds per IP family (Amazon VPC quotas). */
const SECURITY_GROUP_RULES = 60;

const set = (key: string, example: string, secret = false) =>
  `pulumi config set ${secret ? '--secret ' : ''}${key} ${example}`;

export function validateDeployConfig(raw: RawConfig): DeployConfig {
  // A misspelled key first: it is often why another key reads as missing.
  const problems: string[] = unknownKeyProblems(
    Object.keys(raw.values).filter((key) => raw.values[key] !== undefined),
    raw.knownKeys,
  );
  const get = (key: string) => {
    const value = raw.values[key];
    return value === undefined || value === '' ? undefined : value;
  };
  function check<T>(key: string, fallback: T, parse: (value: string) => Parsed<T>): T {
    const value = get(key);
    if (value === undefined) return fallback;
    const result = parse(value);
    if ('problem' in result) {
      problems.push(`${key}: ${result.problem}`);
      return fallback;
    }
    return result.value;
  }
  function required(key: string, example: string, secret = false): string {
    const value = get(key);
    if (value === undefined) problems.push(`${key}: is required; set it with: ${set(key, example, secret)}`);
    return value ?? '';
  }

  const region = required('aws:region', 'us-east-1');
  if (region && !/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/.test(region)) {
    problems.push(`aws:region: must be an AWS region such as us-east-1; got ${quote(region)}`);
  }

  const imageText = required('berth:image', 'youruser/berth-notes');
  const image = imageText ? parseImage(imageText, problems) : { registry: '', path: '', name: '' };

  const registryUsername = required('berth:registryUsername', 'youruser');
  if (registryUsername && /\s/.test(registryUsername)) {
    problems.push(`berth:registryUsername: must not contain spaces; got ${quote(registryUsername)}`);
  }

  const registryToken = required('berth:registryToken', '<access token>', true);
  if (registryToken && !raw.secretKeys.has('berth:registryToken')) {
    problems.push(
      `berth:registryToken: is stored in plain text; set it as a secret: ${set('berth:registryToken', '<access token>', true)}`,
    );
  }
  if (utf8Bytes(registryToken) > SSM_STANDARD_VALUE_BYTES) {
    problems.push(
      `berth:registryToken: is over the ${SSM_STANDARD_VALUE_BYTES} bytes a standard SSM parameter holds (berth stores it as one SecureString); set the access token alone: ${set('berth:registryToken', '<access token>', true)}`,
    );
  }

  const instanceType = check<string>('berth:instanceType', DEFAULTS.instanceType, (v) =>
    /^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(v) ? ok(v) : bad(`must be an EC2 instance type such as t3.micro; got ${quote(v)}`),
  );

  const hostPort = check<number>('berth:hostPort', DEFAULTS.hostPort, (v) => {
    if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) return bad(`must be a port from 1 to 65535; got ${quote(v)}`);
    if (Number(v) === 22) return bad('must not be 22: SSH stays closed (berth reaches the host through SSM); use 80, 443 or 8080');
    return ok(Number(v));
  });

  const allowedCidrs = check<string[]>('berth:allowedCidrs', [...DEFAULTS.allowedCidrs], parseCidrs);

  const env = check<Record<string, string>>('berth:env', {}, (v) => parseEnv('berth:env', v));
  if (get('berth:env') !== undefined && raw.secretKeys.has('berth:env')) {
    problems.push('berth:env: is a secret, but its values would be handled as plain text; move secret values to berth:secretEnv');
  }

  const secretEnv = check<Record<string, string>>('berth:secretEnv', {}, (v) => parseEnv('berth:secretEnv', v));
  if (Object.keys(secretEnv).length > 0 && !raw.secretKeys.has('berth:secretEnv')) {
    problems.push(
      `berth:secretEnv: is stored in plain text; set it as a secret: ${set('berth:secretEnv', `'{"API_KEY":"…"}'`, true)}`,
    );
  }
  for (const name of Object.keys(secretEnv)) {
    if (name in env) problems.push(`berth:secretEnv: ${name} is also in berth:env; keep each variable in one of them`);
  }

  const dataVolumeGiB = check<number>('berth:dataVolumeGiB', DEFAULTS.dataVolumeGiB, (v) =>
    /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65536
      ? ok(Number(v))
      : bad(`must be a whole number of GiB from 1 to 65536 (the gp3 limit, CreateVolume Size); got ${quote(v)}`),
  );

  const pinDigest = check<string | undefined>('berth:pinDigest', undefined, (v) =>
    /^sha256:[a-f0-9]{64}$/.test(v)
      ? ok(v)
      : bad(`must be an image digest such as sha256:<64 hex digits> (an earlier release's: pulumi stack output imageDigest); got ${quote(v)}`),
  );

  const fleetResult = validateFleetSpec(get(FLEET_CONFIG_KEY));
  problems.push(...fleetResult.problems);
  // Fleet mode is the key being set, even when its value has a problem: the checks below then
  // judge the rest of the config as a fleet's.
  const fleetMode = get(FLEET_CONFIG_KEY) !== undefined;
  const databaseResult = validateDatabaseSpec(get(DATABASE_CONFIG_KEY), fleetMode);
  problems.push(...databaseResult.problems);
  const backupsResult = validateBackupsSpec(get(BACKUPS_CONFIG_KEY), fleetMode);
  problems.push(...backupsResult.problems);
  // Fleet mode: the database's retention follows berth:backups (backups.ts says why one key rules).
  let database = databaseResult.database;
  if (database && backupsResult.problems.length === 0) {
    const databaseText = get(DATABASE_CONFIG_KEY);
    // A database spec came out, so its text (if any) is an object (fleet.ts, objectOf).
    const backupDaysGiven = databaseText !== undefined && 'backupDays' in (JSON.parse(databaseText) as object);
    const retention = databaseBackupDays(backupsResult, database, backupDaysGiven);
    problems.push(...retention.problems);
    database = { ...database, backupDays: retention.backupDays };
  } else if (fleetMode && !database && backupsResult.given.length > 0) {
    problems.push(`${BACKUPS_CONFIG_KEY}: a fleet with ${DATABASE_CONFIG_KEY}.engine none keeps no data to back up; remove it: pulumi config rm ${BACKUPS_CONFIG_KEY}`);
  }
  const restoreSnapshotId = check<string | undefined>(RESTORE_SNAPSHOT_KEY, undefined, (v) => {
    const problem = restoreSnapshotProblem(v, fleetMode);
    return problem ? bad(problem) : ok(v);
  });

  const restoreDbSnapshot = check<string | undefined>(RESTORE_DB_SNAPSHOT_KEY, undefined, (v) => {
    // A fleet without a database spec has one unless berth:database says engine none.
    const problem = restoreDbSnapshotProblem(v, { fleetMode, database: !fleetMode || database !== undefined || databaseResult.problems.length > 0 });
    return problem ? bad(problem) : ok(v);
  });

  const domain = check<string | undefined>('berth:domain', undefined, (v) =>
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(v)
      ? ok(v)
      : bad(`must be a lower-case DNS name such as notes.example.com, whose A record points at the host's publicIp; got ${quote(v)}`),
  );
  // 80 is also the default Pulumi.yaml fills in, so only another port is a contradiction. In fleet
  // mode TLS ends at the load balancer and hostPort is the port it reaches the hosts on.
  if (domain && !fleetMode && hostPort !== DEFAULTS.hostPort) {
    problems.push(`berth:hostPort: ${hostPort} is not used with berth:domain (HTTPS serves on 443 and redirects from 80); remove it: pulumi config rm berth:hostPort`);
  }
  const acmeCa = check<string>('berth:acmeCa', DEFAULTS.acmeCa, (v) =>
    /^https:\/\/[^\s/]+\/\S*$/.test(v) ? ok(v) : bad(`must be an ACME directory URL such as ${DEFAULTS.acmeCa}; got ${quote(v)}`),
  );
  // The ACME account's contact, nothing more: Let's Encrypt stopped sending expiry notices on
  // 2025-06-04 (its blog, "Ending Support for Expiration Notification Emails", 2025-01-22).
  const acmeEmail = check<string | undefined>('berth:acmeEmail', undefined, (v) =>
    /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? ok(v) : bad(`must be an email address, the contact of your account with the ACME CA; got ${quote(v)}`),
  );
  const acmeCaRootPem = check<string | undefined>('berth:acmeCaRoot', undefined, (v) =>
    /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n?$/.test(v.replace(/\r\n/g, '\n'))
      ? ok(v.replace(/\r\n/g, '\n'))
      : bad('must be one PEM certificate (-----BEGIN CERTIFICATE----- …), the root that signs your private ACME CA\'s TLS; set it with: pulumi config set berth:acmeCaRoot -- "$(cat root.pem)"'),
  );
  // The security group holds every allowed network once per port, and a group takes at most 60
  // inbound rules for IPv4 and 60 for IPv6 (Amazon VPC User Guide, "Amazon VPC quotas": inbound or
  // outbound rules per security group; RulesPerSecurityGroupLimitExceeded). With a domain from a
  // public CA, port 80 is one rule (open to everyone, host-settings.ts networkRules).
  // In fleet mode the networks reach the load balancer's group instead: 80, and 443 with a domain.
  const ports = fleetMode
    ? { perNetwork: domain ? 2 : 1, fixed: 0 }
    : domain ? (acmeCaRootPem === undefined ? { perNetwork: 1, fixed: 1 } : { perNetwork: 2, fixed: 0 }) : { perNetwork: 1, fixed: 0 };
  for (const [family, list] of [['IPv4', allowedCidrs.filter((c) => !c.includes(':'))], ['IPv6', allowedCidrs.filter((c) => c.includes(':'))]] as const) {
    const rules = ports.fixed + ports.perNetwork * list.length;
    if (rules > SECURITY_GROUP_RULES) {
      problems.push(`berth:allowedCidrs: ${list.length} ${family} networks make ${rules} inbound rules, over the security group's ${SECURITY_GROUP_RULES}; merge them into fewer, wider CIDRs`);
    }
  }
  // acmeCa's default is filled in by Pulumi.yaml, so only another CA counts as set.
  const setWithoutDomain = [
    ...(acmeCa !== DEFAULTS.acmeCa ? ['berth:acmeCa'] : []),
    ...(['berth:acmeEmail', 'berth:acmeCaRoot'] as const).filter((key) => get(key) !== undefined),
  ];
  // In fleet mode the certificate is ACM's, validated through DNS: the ACME keys mean nothing there.
  if (fleetMode) {
    for (const key of setWithoutDomain) problems.push(`${key}: only applies to a single host; in fleet mode TLS ends at the load balancer with an ACM certificate; remove it: pulumi config rm ${key}`);
  } else {
    for (const key of domain ? [] : setWithoutDomain) problems.push(`${key}: only applies with berth:domain; set berth:domain or remove ${key}`);
  }
  const hostedZoneId = check<string | undefined>('berth:hostedZoneId', undefined, (v) => {
    const problem = hostedZoneProblem(v);
    return problem ? bad(problem) : ok(v);
  });
  if (hostedZoneId && !(fleetMode && domain)) {
    problems.push(`berth:hostedZoneId: only applies with berth:domain in fleet mode (berth:fleet), where berth writes the certificate's and the load balancer's records in it; remove it: pulumi config rm berth:hostedZoneId`);
  }
  // A fleet's hosts keep nothing on their disks; 8 is also the default Pulumi.yaml fills in.
  if (fleetMode && dataVolumeGiB !== DEFAULTS.dataVolumeGiB) {
    problems.push('berth:dataVolumeGiB: only applies to a single host; a fleet keeps its data in its database; remove it: pulumi config rm berth:dataVolumeGiB');
  }
  const seconds = (key: string, fallback: number, min: number, max: number) =>
    check<number>(key, fallback, (v) =>
      /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? ok(Number(v)) : bad(`must be a whole number of seconds from ${min} to ${max}; got ${quote(v)}`),
    );
  const healthIntervalS = seconds('berth:healthInterval', DEFAULTS.healthIntervalS, 1, 60);
  const deployTimeoutS = seconds('berth:deployTimeout', DEFAULTS.deployTimeoutS, 5, 900);
  const drainTimeoutS = seconds('berth:drainTimeout', DEFAULTS.drainTimeoutS, 0, 600);
  if (healthIntervalS > deployTimeoutS) {
    problems.push(`berth:healthInterval: ${healthIntervalS} s is longer than berth:deployTimeout (${deployTimeoutS} s), so no check would run in time; lower it`);
  }

  // ci/aws-oidc's output: the CI deploy role may make the host role only with this boundary.
  const hostRoleBoundary = check<string | undefined>('berth:hostRoleBoundary', undefined, (v) =>
    /^arn:aws[a-z-]*:iam::\d{12}:policy\/[\w+=,.@/-]{1,512}$/.test(v)
      ? ok(v)
      : bad(`must be the ARN of an IAM managed policy: pulumi config set berth:hostRoleBoundary "$(pulumi -C ci/aws-oidc stack output hostRoleBoundaryArn)"; got ${quote(v)}`),
  );

  const app = validateAppSpec(get(APP_CONFIG_KEY), raw.files);
  problems.push(...app.problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    region,
    image,
    registryUsername,
    registryToken,
    instanceType,
    platform: isGraviton(instanceType) ? 'linux/arm64' : 'linux/amd64',
    hostPort,
    allowedCidrs,
    env,
    secretEnv,
    dataVolumeGiB,
    ...(pinDigest ? { pinDigest } : {}),
    ...(domain
      ? { https: { domain, acmeCa, ...(acmeEmail ? { acmeEmail } : {}), ...(acmeCaRootPem ? { acmeCaRootPem } : {}) } }
      : {}),
    release: { healthIntervalS, deployTimeoutS, drainTimeoutS },
    ...(hostRoleBoundary ? { hostRoleBoundary } : {}),
    app: app.app,
    ...(fleetResult.fleet ? { fleet: fleetResult.fleet } : {}),
    ...(database ? { database } : {}),
    backups: backupsResult.backups,
    ...(restoreSnapshotId ? { restoreSnapshotId } : {}),
    ...(restoreDbSnapshot ? { restoreDbSnapshot } : {}),
    ...(hostedZoneId ? { hostedZoneId } : {}),
  };
}

// --- keys: Pulumi ignores a `berth:` key no program reads, so a misspelled one would silently
// leave its default in place. Other namespaces (aws:, pulumi:, docker:) belong to others.
const NAMESPACE = 'berth:';

export function unknownKeyProblems(keys: readonly string[], knownKeys: readonly string[]): string[] {
  return keys
    .filter((key) => key.startsWith(NAMESPACE) && !knownKeys.includes(key))
    .sort()
    .map((key) => {
      const remove = `pulumi config rm ${shellWord(key)}`;
      // `pulumi config set berth:app.port 5000` without --path makes a key named "app.port".
      if ([APP_CONFIG_KEY, FLEET_CONFIG_KEY, DATABASE_CONFIG_KEY, BACKUPS_CONFIG_KEY].some((structured) => key.startsWith(`${structured}.`))) {
        return `${key}: set without --path, so Pulumi stored a key of that name; set it with: pulumi config set --path ${shellWord(key)} <value>, and remove this one: ${remove}`.replace(/[\u0000-\u001f\u007f]/g, '?');
      }
      const guess = closestKey(key, knownKeys);
      const line = guess
        ? `${key}: unknown key; did you mean ${guess}? (${remove})`
        : `${key}: unknown key; berth reads only the keys Pulumi.yaml declares (README: Deployment configuration); remove it: ${remove}`;
      return line.replace(/[\u0000-\u001f\u007f]/g, '?'); // one line, whatever the key holds
    });
}

// --- images: `user/app`, `docker.io/user/app`, `host[:port]/path`, never with a tag or digest.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

function parseImage(text: string, problems: string[]): ImageRepository {
  const fail = (why: string) => {
    problems.push(
      `berth:image: ${why}; use a repository such as youruser/berth-notes, docker.io/youruser/berth-notes or registry.example.com:5000/team/berth-notes`,
    );
    return { registry: '', path: '', name: '' };
  };
  if (text.includes('@')) return fail(`must not name a digest (berth pushes and pins the digest itself); got ${quote(text)}`);
  const parts = text.split('/');
  const first = parts[0]!;
  const hasRegistry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : 'docker.io';
  const path = (hasRegistry ? parts.slice(1) : parts).join('/');
  const last = path.split('/').at(-1) ?? '';
  if (last.includes(':')) return fail(`must not name a tag (berth runs the image by digest); got ${quote(text)}`);
  if (hasRegistry && !/^[a-zA-Z0-9.-]+(:\d{1,5})?$/.test(registry)) return fail(`has an invalid registry host ${quote(registry)}`);
  if (!path || !path.split('/').every((c) => PATH_COMPONENT.test(c))) {
    return fail(`must be lower-case letters, digits and . _ - separated by /; got ${quote(text)}`);
  }
  if (registry === 'docker.io' && path.split('/').length < 2) {
    return fail(`on Docker Hub it must be user/name (you cannot push to the library namespace); got ${quote(text)}`);
  }
  return { registry, path, name: `${registry}/${path}` };
}

// --- CIDRs: canonical IPv4 or IPv6 networks.
function parseCidrs(text: string): Parsed<string[]> {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    return bad(`must be a JSON list of CIDRs such as ["203.0.113.0/24"]; got ${quote(text)}`);
  }
  if (!Array.isArray(list)) return bad(`must be a list of CIDRs such as ["203.0.113.0/24"]; got ${quote(text)}`);
  if (list.length === 0) return bad('is empty, which would let nobody reach the app; use ["0.0.0.0/0"] for everyone');
  for (const item of list) {
    const problem = typeof item === 'string' ? cidrProblem(item) : `${JSON.stringify(item)} is not a string`;
    if (problem) return bad(problem);
  }
  return ok([...new Set(list as string[])]);
}

function cidrProblem(cidr: string): string | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (v4) {
    const octets = v4.slice(1, 5).map(Number);
    const bits = Number(v4[5]);
    if (octets.some((o) => o > 255) || bits > 32) return `${quote(cidr)} is not a valid IPv4 CIDR`;
    const address = octets.reduce((acc, o) => acc * 256 + o, 0);
    const hostBits = 2 ** (32 - bits);
    if (address % hostBits !== 0) {
      const network = address - (address % hostBits);
      const dotted = [24, 16, 8, 0].map((s) => Math.floor(network / 2 ** s) % 256).join('.');
      return `${quote(cidr)} has host bits set; did you mean "${dotted}/${bits}"?`;
    }
    return undefined;
  }
  if (/^[0-9a-fA-F:]+\/\d{1,3}$/.test(cidr) && cidr.includes(':') && Number(cidr.split('/')[1]) <= 128) return undefined;
  return `${quote(cidr)} is not a CIDR such as 203.0.113.0/24 or 2001:db8::/32`;
}

// --- env: a JSON object of NAME → string.
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_ENV_VALUE = 4096;

/**
 * What one standard-tier SSM parameter holds; each secret (and the registry token) is one
 * SecureString (infra/components/single-host.ts). The PutParameter API reference (Value, and Tier: "Standard
 * parameters have a content size limit of 4 KB") gives the limit as 4 KB, while the service's own
 * error says "Standard tier parameters support a maximum parameter value of 4096 characters" (as
 * reported in github-aws-runners/terraform-aws-github-runner#3815). Which of the two it counts is
 * not stated, so berth counts UTF-8 bytes, which is right under either reading (a value of at most
 * 4096 bytes has at most 4096 characters); a non-ASCII value it refuses might, if AWS counts
 * characters, have been accepted. Not verified against AWS.
 */
export const SSM_STANDARD_VALUE_BYTES = 4096;
const utf8Bytes = (value: string) => Buffer.byteLength(value, 'utf8');

function parseEnv(key: string, text: string): Parsed<Record<string, string>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return bad(`must be a JSON object of names to strings such as {"GREETING":"hi"}; got ${quote(text)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return bad(`must be an object of names to strings such as {"GREETING":"hi"}; got ${quote(text)}`);
  }
  const secret = key === 'berth:secretEnv';
  const shown = (v: string) => (secret ? '(value hidden)' : quote(v));
  for (const [name, v] of Object.entries(value)) {
    if (!ENV_NAME.test(name)) return bad(`${quote(name)} is not a valid variable name (letters, digits and _, not starting with a digit)`);
    if (RESERVED_ENV.includes(name)) return bad(`${name} is set by berth itself; choose another name (reserved: ${RESERVED_ENV.join(', ')})`);
    // `pulumi config set --path` stores true, false and whole numbers as such (pulumi/pulumi
    // sdk/go/common/resource/config/map.go, adjustObjectValue); --type string keeps them strings
    // (pulumi/pulumi#18287, in the CLI since early 2025).
    if (typeof v !== 'string') {
      const [quoted, word] = secret ? ['"…"', '<value>'] : [JSON.stringify(String(v)), shellWord(String(v))];
      return bad(`${name} must be a string; write ${quoted}, with quotes, or with --path: pulumi config set --path --type string ${secret ? '--secret ' : ''}${shellWord(`${key}.${name}`)} ${word}`);
    }
    if (/[\n\r\0]/.test(v)) return bad(`${name} must be one line: an env file cannot hold a newline; got ${shown(v)}`);
    if (secret) {
      // Each secret is one SSM parameter. PutParameter refuses an empty value ("ValidationException:
      // 1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have
      // length greater than or equal to 1", the service's answer as quoted in getmoto/moto#3794 and
      // localstack/localstack#5108; the API reference's Value entry lists no minimum).
      if (v === '') return bad(`${name} is empty, and SSM Parameter Store refuses an empty value; give ${name} a value or remove it from berth:secretEnv`);
      // Sizes only, never the value or its length: the message may reach a CI log.
      if (utf8Bytes(v) > SSM_STANDARD_VALUE_BYTES) return bad(`${name} is over the ${SSM_STANDARD_VALUE_BYTES} bytes (UTF-8) a standard SSM parameter holds; shorten it`);
    } else if (v.length > MAX_ENV_VALUE) {
      return bad(`${name} is longer than ${MAX_ENV_VALUE} characters`);
    }
  }
  return ok(value as Record<string, string>);
}

/** Graviton instance families end their family name in "g" after the generation digit: t4g, m7g, c6gn. */
export function isGraviton(instanceType: string): boolean {
  return /^[a-z]+\d+g[a-z]*\./.test(instanceType) || instanceType.startsWith('a1.');
}

