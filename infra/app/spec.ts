// The container's shape, defined once. compose.yaml, the local `docker run` scripts and the EC2
// host's `docker run` all take it from here; test/unit/drift.test.ts fails when app/Dockerfile or
// compose.yaml say something else.

export interface ContainerShape {
  /** The port the server listens on inside the container (the image's PORT and EXPOSE). */
  readonly containerPort: number;
  /** Where notes are kept inside the container; a volume is mounted here. */
  readonly dataDir: string;
  /** Answers 200 only when the server can serve and write. */
  readonly healthPath: string;
  /** uid:gid the server runs as: the official Node image's `node` user, never root. */
  readonly user: string;
  readonly limits: {
    /** Memory limit as docker's --memory takes it. */
    readonly memory: string;
    readonly memoryBytes: number;
    readonly cpus: number;
    readonly pids: number;
  };
  readonly hardening: {
    readonly readOnlyRoot: boolean;
    /** Writable scratch space on a read-only root. */
    readonly tmpfs: readonly string[];
    readonly capDrop: readonly string[];
    readonly securityOpt: readonly string[];
  };
  readonly restart: string;
  readonly logging: { readonly driver: string; readonly maxSize: string; readonly maxFile: number };
  /** The image's HEALTHCHECK timings, in seconds. */
  readonly health: {
    readonly command: readonly string[];
    readonly intervalS: number;
    readonly timeoutS: number;
    readonly startPeriodS: number;
    readonly retries: number;
  };
  /** Seconds docker stop waits after SIGTERM before SIGKILL; the server exits well before. */
  readonly stopGraceS: number;
}

export const containerShape: ContainerShape = {
  containerPort: 8080,
  dataDir: '/data',
  healthPath: '/healthz',
  user: '1000:1000',
  limits: { memory: '256m', memoryBytes: 256 * 1024 * 1024, cpus: 1, pids: 100 },
  hardening: {
    readOnlyRoot: true,
    tmpfs: ['/tmp'],
    capDrop: ['ALL'],
    securityOpt: ['no-new-privileges:true'],
  },
  restart: 'unless-stopped',
  logging: { driver: 'json-file', maxSize: '10m', maxFile: 3 },
  health: {
    command: ['node', 'dist/healthcheck.js'],
    intervalS: 5,
    timeoutS: 3,
    startPeriodS: 10,
    retries: 3,
  },
  stopGraceS: 10,
};
