// `berth:backups`, `berth:restoreSnapshotId` and `berth:restoreDbSnapshot`: how the stack's data is
// backed up, and where a new data volume (a single host) or database (a fleet) comes from. Pure: the stack config's text in, a spec or path-qualified problems
// out (`berth:backups.everyHours: must be one of DLM's intervals …; got "5"`). Numbers and booleans
// set with --path arrive as such or as strings (app-spec.ts says why), and both are taken.
//
// One source of truth in fleet mode: RDS keeps one retention, and two keys could name it
// (berth:backups.retainDays, the stack's backup policy in either mode, and berth:database.backupDays,
// which fleet mode had first). berth:backups is the policy; backupDays stays an accepted spelling
// of the same number when it is set alone, and the two set to different numbers are refused
// (databaseBackupDays below), so the database never keeps a retention the user did not mean.
import type { DatabaseSpec } from './fleet.js';
import { DATABASE_CONFIG_KEY } from './fleet.js';
import { bad, bool, fieldReader, objectOf, ok, shown, whole } from './structured.js';
import { DEFAULT_BACKUPS, DLM_INTERVAL_HOURS, DLM_MAX_RETAIN_DAYS, RDS_MAX_BACKUP_DAYS } from './schema.js';
import { quote } from './suggest.js';

export const BACKUPS_CONFIG_KEY = 'berth:backups';
export const RESTORE_SNAPSHOT_KEY = 'berth:restoreSnapshotId';
export const RESTORE_DB_SNAPSHOT_KEY = 'berth:restoreDbSnapshot';
export const BACKUPS_KEYS = ['enabled', 'everyHours', 'retainDays'] as const;
type BackupsKey = (typeof BACKUPS_KEYS)[number];

export interface BackupsSpec {
  readonly enabled: boolean;
  /** Hours between snapshots of a single host's data volume (DLM's CreateRule Interval). */
  readonly everyHours: number;
  /** Days each snapshot (a single host) or each automated backup (fleet mode, RDS) is kept. */
  readonly retainDays: number;
}

export type BackupsResult = {
  readonly backups: BackupsSpec;
  /** The keys the user set under berth:backups (the rest are defaults). */
  readonly given: readonly BackupsKey[];
  readonly problems: readonly string[];
};

const at = (k: string) => `${BACKUPS_CONFIG_KEY}.${k}`;

/** The BackupsSpec from `berth:backups`' JSON text; unset: the defaults. */
export function validateBackupsSpec(text: string | undefined, fleetMode: boolean): BackupsResult {
  if (text === undefined || text === '') return { backups: DEFAULT_BACKUPS, given: [], problems: [] };
  const parsed = objectOf(BACKUPS_CONFIG_KEY, text, BACKUPS_KEYS, 'retainDays 14');
  const problems = [...parsed.problems];
  const given = parsed.given ?? {};
  const field = fieldReader<BackupsKey>(given, problems, at);
  const enabled = field<boolean>('enabled', DEFAULT_BACKUPS.enabled, (v) => {
    const b = bool(v);
    return b === undefined ? bad(`must be true or false; got ${shown(v)}`) : ok(b);
  });
  const everyHours = field<number>('everyHours', DEFAULT_BACKUPS.everyHours, (v) => {
    const n = whole(v);
    return n !== undefined && (DLM_INTERVAL_HOURS as readonly number[]).includes(n)
      ? ok(n)
      : bad(`must be one of the intervals Data Lifecycle Manager takes, in hours: ${DLM_INTERVAL_HOURS.join(', ')}; got ${shown(v)}`);
  });
  // A fleet's backups are RDS's, whose retention stops at 35 days; a volume's are DLM's.
  const maxDays = fleetMode ? RDS_MAX_BACKUP_DAYS : DLM_MAX_RETAIN_DAYS;
  const retainDays = field<number>('retainDays', DEFAULT_BACKUPS.retainDays, (v) => {
    const n = whole(v);
    const why = fleetMode ? 'RDS keeps automated backups at most 35 days' : "DLM's longest retention is 100 years";
    return n !== undefined && n >= 1 && n <= maxDays ? ok(n) : bad(`must be a whole number of days from 1 to ${maxDays} (${why}); to turn backups off set ${at('enabled')} false; got ${shown(v)}`);
  });
  // In fleet mode RDS decides when it backs up (a daily window, and its transaction logs for a
  // point-in-time restore): there is no schedule to set.
  if (fleetMode && 'everyHours' in given) {
    problems.push(`${at('everyHours')}: only applies to a single host (DLM snapshots of its volume); in fleet mode RDS backs up daily and keeps its logs for a point-in-time restore; remove it: pulumi config rm --path ${at('everyHours')}`);
  }
  if (!enabled && 'retainDays' in given) {
    problems.push(`${at('retainDays')}: does not apply with ${at('enabled')} false (nothing is kept); remove one of them: pulumi config rm --path ${at('retainDays')}`);
  }
  const keys = BACKUPS_KEYS.filter((k) => k in given);
  return { backups: { enabled, everyHours, retainDays }, given: keys, problems };
}

/**
 * The database's backup retention in fleet mode, from the one policy: berth:backups (enabled false
 * is 0, RDS's "no automated backups"), or berth:database.backupDays set alone. Both set to
 * different numbers: refused, naming both keys and the fix.
 */
export function databaseBackupDays(backups: BackupsResult, database: DatabaseSpec, backupDaysGiven: boolean): { readonly backupDays: number; readonly problems: readonly string[] } {
  const fromBackups = backups.given.includes('enabled') || backups.given.includes('retainDays');
  if (!fromBackups) return { backupDays: database.backupDays, problems: [] };
  const wanted = backups.backups.enabled ? backups.backups.retainDays : 0;
  if (backupDaysGiven && database.backupDays !== wanted) {
    const ours = backups.backups.enabled ? `${at('retainDays')} (${wanted})` : `${at('enabled')} false (0 days)`;
    return {
      backupDays: database.backupDays,
      problems: [`${DATABASE_CONFIG_KEY}.backupDays: ${database.backupDays} contradicts ${ours}; the database keeps one retention, set by berth:backups: remove the other: pulumi config rm --path ${DATABASE_CONFIG_KEY}.backupDays`],
    };
  }
  return { backupDays: wanted, problems: [] };
}

/** An EBS snapshot id: snap- and 8 (older) or 17 hexadecimal digits. */
export const SNAPSHOT_ID = /^snap-([0-9a-f]{8}|[0-9a-f]{17})$/;

/** The problem with a berth:restoreSnapshotId value, if any (without the key). */
export function restoreSnapshotProblem(value: string, fleetMode: boolean): string | undefined {
  if (!SNAPSHOT_ID.test(value)) return `must be an EBS snapshot id such as snap-0123456789abcdef0; got ${quote(value)}`;
  if (fleetMode) return `only applies to a single host (its data volume); a fleet keeps its data in RDS: restore the database instead (README: Backups and restore); remove it: pulumi config rm ${RESTORE_SNAPSHOT_KEY}`;
  return undefined;
}

/**
 * A DB snapshot berth:restoreDbSnapshot may name: a manual snapshot's identifier (1 to 255 letters,
 * digits and hyphens, starting with a letter, no two hyphens in a row, none at the end:
 * CreateDBSnapshot DBSnapshotIdentifier, RDS API Reference), an automated one's (`rds:` and the
 * instance's identifier and the time, as RDS names them), or a snapshot shared from another
 * account, by its ARN ("If you are restoring from a shared manual DB snapshot, the
 * DBSnapshotIdentifier must be the ARN of the shared DB snapshot": RestoreDBInstanceFromDBSnapshot).
 * RDS stores identifiers lower-case (DescribeDBSnapshots DBSnapshotIdentifier).
 */
const DB_SNAPSHOT_NAME = /^[a-z](?:[a-z0-9]|-(?!-))*$/;
const DB_SNAPSHOT_ARN = /^arn:aws[a-z-]*:rds:[a-z]{2}(-[a-z]+)+-\d:\d{12}:snapshot:(rds:)?[a-z](?:[a-z0-9]|-(?!-))*$/;

export type DbSnapshotKind = 'manual' | 'automated' | 'shared';

/** Which kind of snapshot an accepted berth:restoreDbSnapshot value names (DescribeDBSnapshots SnapshotType). */
export function dbSnapshotKind(value: string): DbSnapshotKind {
  if (value.startsWith('arn:')) return 'shared';
  return value.startsWith('rds:') ? 'automated' : 'manual';
}

/** The problem with a berth:restoreDbSnapshot value, if any (without the key). */
export function restoreDbSnapshotProblem(value: string, mode: { readonly fleetMode: boolean; readonly database: boolean }): string | undefined {
  if (!mode.fleetMode) return `only applies in fleet mode (the RDS database); a single host restores its data volume with ${RESTORE_SNAPSHOT_KEY}; remove it: pulumi config rm ${RESTORE_DB_SNAPSHOT_KEY}`;
  if (!mode.database) return `${DATABASE_CONFIG_KEY}.engine is none, so there is no database to restore; remove it: pulumi config rm ${RESTORE_DB_SNAPSHOT_KEY}`;
  if (value !== value.toLowerCase()) return `RDS keeps snapshot identifiers in lower case: set ${quote(value.toLowerCase())}; got ${quote(value)}`;
  const name = value.startsWith('rds:') ? value.slice(4) : value;
  const fits = value.startsWith('arn:') ? DB_SNAPSHOT_ARN.test(value) && value.length <= 1011 : DB_SNAPSHOT_NAME.test(name) && name.length <= 255 && !name.endsWith('-');
  return fits
    ? undefined
    : `must be a DB snapshot of the stack's database: its identifier (such as notes-prod-before-upgrade, or rds:<instance>-2026-12-02-03-10 for an automated one), or a shared snapshot's ARN; list them: aws rds describe-db-snapshots --query 'DBSnapshots[].DBSnapshotIdentifier'; got ${quote(value)}`;
}
