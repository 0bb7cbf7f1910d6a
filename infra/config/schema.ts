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
