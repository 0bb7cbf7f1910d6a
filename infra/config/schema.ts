// Every default of berth's configuration, in one table. The validator (validate.ts) falls back to
// these, Pulumi.yaml declares the same (test/unit/pulumi-project.test.ts checks it), and the local
// commands, the sim and the tests take the default app from here.
import type { AppSpec } from '../app/spec.js';
import type { ReleasePolicy } from '../release/release.js';

export const DEFAULTS = {
  instanceType: 't3.micro',
  hostPort: 80,
  allowedCidrs: ['0.0.0.0/0'],
  dataVolumeGiB: 8,
  acmeCa: 'https://acme-v02.api.letsencrypt.org/directory',
  // Kamal's defaults.
  healthIntervalS: 1,
  deployTimeoutS: 30,
  drainTimeoutS: 30,
} as const;

/** How a release is gated and retired when the stack says nothing (berth:healthInterval, …). */
export const DEFAULT_RELEASE_POLICY: ReleasePolicy = {
  healthIntervalS: DEFAULTS.healthIntervalS,
  deployTimeoutS: DEFAULTS.deployTimeoutS,
  drainTimeoutS: DEFAULTS.drainTimeoutS,
};

/** `berth:app` unset: the notes server in app/, as it has always run. */
export const DEFAULT_APP: AppSpec = {
  name: 'notes',
  context: 'app',
  dockerfile: 'Dockerfile',
  port: 8080,
  healthPath: '/healthz',
  dataPath: '/data',
  user: '1000:1000',
  memoryMiB: 256,
  cpus: 1,
  pids: 100,
  readOnly: true,
};

/** The keys under `berth:app`, each set with `pulumi config set --path berth:app.<key> …`. */
export const APP_KEYS = ['name', 'context', 'dockerfile', 'port', 'healthPath', 'dataPath', 'user', 'memoryMiB', 'cpus', 'pids', 'readOnly'] as const;
export type AppKey = (typeof APP_KEYS)[number];

/** berth:fleet's defaults; `min` and `max` have none (a fleet's size is its cost: the user says it). */
export const DEFAULT_FLEET = {
  maxUnavailable: 1,
  logRetentionDays: 14,
} as const;

/** CloudWatch Logs' retention periods (PutRetentionPolicy retentionInDays, botocore logs model). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** berth:database's defaults in fleet mode: the smallest Graviton class, RDS's minimum gp3 storage. */
export const DEFAULT_DATABASE = {
  engine: 'postgres',
  instanceClass: 'db.t4g.micro',
  // CreateDBInstance AllocatedStorage, RDS for PostgreSQL on gp2/gp3: 20 to 65536 GiB (botocore rds model).
  storageGiB: 20,
  multiAz: false,
  backupDays: 7,
} as const;

/** berth:backups' defaults: a snapshot a day, kept a week, on unless turned off. */
export const DEFAULT_BACKUPS = {
  enabled: true,
  everyHours: 24,
  retainDays: 7,
} as const;

/**
 * The intervals a DLM snapshot schedule takes, in hours: the provider's CreateRule interval
 * validation (hashicorp/terraform-provider-aws internal/service/dlm/lifecycle_policy.go,
 * validation.IntInSlice 1, 2, 3, 4, 6, 8, 12, 24; the DLM API Reference, CreateRule Interval,
 * lists the same hours).
 */
export const DLM_INTERVAL_HOURS = [1, 2, 3, 4, 6, 8, 12, 24] as const;

/**
 * How long DLM keeps a snapshot at most: "The maximum is 100 years. This is equivalent to 1200
 * months, 5200 weeks, or 36500 days" (DLM API Reference, RetainRule Interval).
 */
export const DLM_MAX_RETAIN_DAYS = 36500;

/** CreateDBInstance BackupRetentionPeriod: "Must be a value from 0 to 35" (botocore rds model). */
export const RDS_MAX_BACKUP_DAYS = 35;
