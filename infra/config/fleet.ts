// `berth:fleet` and `berth:database`: fleet mode's settings, validated into plain data. Pure: the
// stack config's JSON text in (each is an object set one key at a time with
// `pulumi config set --path berth:fleet.min 2`), a spec or path-qualified problems out
// (`berth:fleet.min: must be a whole number of hosts from 1; got "0"`). Numbers and booleans set
// with --path arrive as such or as strings (app-spec.ts says why), and both are taken.
import { DEFAULT_DATABASE, DEFAULT_FLEET, LOG_RETENTION_DAYS } from './schema.js';
import { quote } from './suggest.js';
import { bad, bool, fieldReader, objectOf, ok, shown, whole } from './structured.js';

export const FLEET_CONFIG_KEY = 'berth:fleet';
export const DATABASE_CONFIG_KEY = 'berth:database';

/** Fleet mode: how many hosts, how they scale, how a release rolls over them, how long logs stay. */
export interface FleetSpec {
  readonly min: number;
  readonly max: number;
  /** Unset: the group starts at `min`. */
  readonly desired?: number;
  /** Average CPU percent the group's target-tracking policy keeps; unset: no scaling policy. */
  readonly cpuTarget?: number;
  /** Hosts released at once: the release association's MaxConcurrency. */
  readonly maxUnavailable: number;
  /** Retention of the stack's CloudWatch log group. */
  readonly logRetentionDays: number;
}

/** The fleet's database; `engine: none` is no database (undefined in DeployConfig). */
export interface DatabaseSpec {
  readonly engine: 'postgres';
  readonly instanceClass: string;
  readonly storageGiB: number;
  readonly multiAz: boolean;
  readonly backupDays: number;
}

export const FLEET_KEYS = ['min', 'max', 'desired', 'cpuTarget', 'maxUnavailable', 'logRetentionDays'] as const;
export const DATABASE_KEYS = ['engine', 'instanceClass', 'storageGiB', 'multiAz', 'backupDays'] as const;


export type FleetResult = { readonly fleet?: FleetSpec; readonly problems: readonly string[] };

/** The FleetSpec from `berth:fleet`'s JSON text; undefined or empty: no fleet (the single host). */
export function validateFleetSpec(text: string | undefined): FleetResult {
  if (text === undefined || text === '') return { problems: [] };
  const { given, problems } = objectOf(FLEET_CONFIG_KEY, text, FLEET_KEYS, 'min 2');
  if (!given) return { problems };
  const at = (k: string) => `${FLEET_CONFIG_KEY}.${k}`;
  const field = fieldReader<(typeof FLEET_KEYS)[number]>(given, problems, at);
  const hosts = (what: string) => (v: unknown) => {
    const n = whole(v);
    return n !== undefined && n >= 1 ? ok(n) : bad(`must be a whole number of hosts from 1 (${what}); got ${shown(v)}`);
  };
  // min and max have no default: a fleet's size is the user's decision, and its cost.
  for (const k of ['min', 'max'] as const) {
    if (!(k in given)) problems.push(`${at(k)}: is required in fleet mode; set it with: pulumi config set --path ${at(k)} 2`);
  }
  const min = field<number>('min', 1, hosts('the fewest the group keeps'));
  const max = field<number>('max', Math.max(min, 1), hosts('the most the group may launch'));
  const desired = field<number | undefined>('desired', undefined, hosts('how many it starts with'));
  const cpuTarget = field<number | undefined>('cpuTarget', undefined, (v) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
    return n >= 1 && n <= 100 ? ok(n) : bad(`must be the average CPU percent to keep, from 1 to 100, such as 60; got ${shown(v)}`);
  });
  const maxUnavailable = field<number>('maxUnavailable', DEFAULT_FLEET.maxUnavailable, hosts('released at once'));
  const logRetentionDays = field<number>('logRetentionDays', DEFAULT_FLEET.logRetentionDays, (v) => {
    const n = whole(v);
    // CloudWatch Logs takes only these (PutRetentionPolicy retentionInDays, botocore logs model).
    return n !== undefined && (LOG_RETENTION_DAYS as readonly number[]).includes(n) ? ok(n) : bad(`must be one of CloudWatch Logs' retention periods: ${LOG_RETENTION_DAYS.join(', ')}; got ${shown(v)}`);
  });

  if ('min' in given && 'max' in given && min > max) problems.push(`${at('min')}: ${min} is more than ${at('max')} (${max}); raise max or lower min`);
  if (desired !== undefined && (desired < min || desired > max)) problems.push(`${at('desired')}: ${desired} must be from ${at('min')} (${min}) to ${at('max')} (${max})`);
  // A roll must leave hosts untouched while a batch swaps, even at the group's smallest size, so
  // that MaxErrors 0 stops a bad release before it reaches every host: at most min - 1 at once.
  // A fleet of one (min 1) has no other host; it releases its one host, as a single host does.
  const allowed = Math.max(1, min - 1);
  if (maxUnavailable > allowed) {
    problems.push(`${at('maxUnavailable')}: ${maxUnavailable} would release every host of a ${min}-host fleet at once, so a failing release would reach them all before the roll stops; use at most ${allowed}: pulumi config set --path ${at('maxUnavailable')} ${allowed}`);
  }
  if (cpuTarget !== undefined && min === max) problems.push(`${at('cpuTarget')}: a fleet with min = max (${min}) cannot scale; raise ${at('max')} or remove cpuTarget: pulumi config rm --path ${at('cpuTarget')}`);
  if (problems.length > 0) return { problems };
  return { fleet: { min, max, ...(desired !== undefined ? { desired } : {}), ...(cpuTarget !== undefined ? { cpuTarget } : {}), maxUnavailable, logRetentionDays }, problems };
}

export type DatabaseResult = { readonly database?: DatabaseSpec; readonly problems: readonly string[] };

/**
 * The DatabaseSpec from `berth:database`'s JSON text. In fleet mode a database is made unless
 * `engine` is `none` (the file store cannot be shared by several hosts); without a fleet the key
 * is refused: a single host keeps its data in the file store on its data volume, and a database
 * there would be a second copy of the state nobody reads.
 */
export function validateDatabaseSpec(text: string | undefined, fleetMode: boolean): DatabaseResult {
  const given = text === undefined || text === '' ? undefined : text;
  if (!fleetMode) {
    return given === undefined ? { problems: [] } : { problems: [`${DATABASE_CONFIG_KEY}: only applies in fleet mode (berth:fleet); a single host keeps its data on its volume; set berth:fleet or remove it: pulumi config rm ${DATABASE_CONFIG_KEY}`] };
  }
  if (given === undefined) return { database: DEFAULT_DATABASE, problems: [] };
  const parsed = objectOf(DATABASE_CONFIG_KEY, given, DATABASE_KEYS, 'engine none');
  const problems = parsed.problems;
  if (!parsed.given) return { problems };
  const at = (k: string) => `${DATABASE_CONFIG_KEY}.${k}`;
  const field = fieldReader<(typeof DATABASE_KEYS)[number]>(parsed.given, problems, at);
  const engine = field<'postgres' | 'none'>('engine', 'postgres', (v) =>
    v === 'postgres' || v === 'none' ? ok(v) : bad(`must be postgres (RDS PostgreSQL) or none (an app that keeps no state); got ${shown(v)}`));
  const instanceClass = field<string>('instanceClass', DEFAULT_DATABASE.instanceClass, (v) =>
    typeof v === 'string' && /^db\.[a-z0-9]+\.[a-z0-9]+$/.test(v) ? ok(v) : bad(`must be an RDS instance class such as ${DEFAULT_DATABASE.instanceClass}; got ${shown(v)}`));
  // CreateDBInstance AllocatedStorage, RDS for PostgreSQL, General Purpose (SSD) gp2/gp3: "Must be
  // an integer from 20 to 65536" (botocore rds model, CreateDBInstanceMessage).
  const storageGiB = field<number>('storageGiB', DEFAULT_DATABASE.storageGiB, (v) => {
    const n = whole(v);
    return n !== undefined && n >= 20 && n <= 65536 ? ok(n) : bad(`must be a whole number of GiB from 20 to 65536 (RDS PostgreSQL on gp3); got ${shown(v)}`);
  });
  const multiAz = field<boolean>('multiAz', DEFAULT_DATABASE.multiAz, (v) => {
    const b = bool(v);
    return b === undefined ? bad(`must be true or false; got ${shown(v)}`) : ok(b);
  });
  // CreateDBInstance BackupRetentionPeriod: "Must be a value from 0 to 35"; 0 disables automated
  // backups (botocore rds model).
  const backupDays = field<number>('backupDays', DEFAULT_DATABASE.backupDays, (v) => {
    const n = whole(v);
    return n !== undefined && n <= 35 ? ok(n) : bad(`must be a whole number of days from 0 to 35 (0 turns automated backups off); got ${shown(v)}`);
  });
  if (problems.length > 0) return { problems };
  if (engine === 'none') {
    const others = DATABASE_KEYS.filter((k) => k !== 'engine' && k in parsed.given!);
    if (others.length > 0) return { problems: [`${at(others[0]!)}: does not apply with ${at('engine')} none; remove it: pulumi config rm --path ${at(others[0]!)}`] };
    return { problems };
  }
  return { database: { engine, instanceClass, storageGiB, multiAz, backupDays }, problems };
}

/** A Route 53 hosted zone id: Z and up to 32 upper-case letters and digits (Route 53 ResourceId). */
export function hostedZoneProblem(value: string): string | undefined {
  return /^Z[A-Z0-9]{1,31}$/.test(value) ? undefined : `must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ (aws route53 list-hosted-zones-by-name); got ${quote(value)}`;
}
