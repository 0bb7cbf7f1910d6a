// What berth runs, in two parts. The AppSpec is the user's: their app's build, port, health path,
// data path, user and limits, from stack config (`berth:app.*`, validated in
// infra/config/validate.ts, defaults in infra/config/schema.ts: the notes server in app/). The
// container policy is berth's own and the same for every app: hardening, restart, log rotation,
// stop grace. compose.yaml, the local `docker run` commands and the EC2 host's `docker run` all take
// both from here; test/unit/drift.test.ts fails when app/Dockerfile or compose.yaml say something
// else than the default AppSpec.

export interface AppSpec {
  /** The app's name on the host: its containers are berth-<name> (containerName), labelled with it. */
  readonly name: string;
  /** Build context: relative to the project directory (kept relative, see index.ts), or absolute. */
  readonly context: string;
  /** The Dockerfile, relative to the context. */
  readonly dockerfile: string;
  /** The port the app listens on inside the container. */
  readonly port: number;
  /** Answers 2xx only when the app can serve: the release's health gate and the proxy's upstream. */
  readonly healthPath: string;
  /** Where the data volume is mounted in the container; undefined: the app keeps no data. */
  readonly dataPath?: string;
  /** uid:gid the app runs as, and owns its data directory on the host. */
  readonly user: string;
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly pids: number;
  /** A read-only root filesystem (with a tmpfs on /tmp, berth's policy). */
  readonly readOnly: boolean;
}

/** berth's policy for every app's container; not configuration. */
export const CONTAINER_POLICY = {
  /** Writable scratch space, also on a read-only root. */
  tmpfs: ['/tmp'],
  capDrop: ['ALL'],
  securityOpt: ['no-new-privileges:true'],
  restart: 'unless-stopped',
  logging: { driver: 'json-file', maxSize: '10m', maxFile: 3 },
  /** Seconds docker stop waits after SIGTERM before SIGKILL. */
  stopGraceS: 10,
} as const;

/** The notes server's image HEALTHCHECK (app/Dockerfile, compose.yaml): the default app's, not berth's. */
export const NOTES_HEALTHCHECK = {
  command: ['node', 'dist/healthcheck.js'],
  intervalS: 5,
  timeoutS: 3,
  startPeriodS: 10,
  retries: 3,
} as const;

/** The name the app's serving container has on a host (and locally): berth-notes for the default. */
export const containerName = (app: Pick<AppSpec, 'name'>): string => `berth-${app.name}`;

/** The memory limit as docker's --memory takes it. */
export const memoryFlag = (app: Pick<AppSpec, 'memoryMiB'>): string => `${app.memoryMiB}m`;

export const memoryBytes = (app: Pick<AppSpec, 'memoryMiB'>): number => app.memoryMiB * 1024 * 1024;
