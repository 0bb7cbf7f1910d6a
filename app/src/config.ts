// The server's configuration comes from the environment only, and is validated once at start.
// A bad value stops the process with one line that names the variable and how to fix it.
//
// The store: PGHOST set selects PostgreSQL, with the connection from libpq's PG* variables (the
// names the `pg` client and psql read); unset, the file store on DATA_DIR. The password is held
// as a function, so no log line or JSON of the config can print it, and no error line quotes it.

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AppConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  readonly greeting: string;
  readonly shutdownTimeoutMs: number;
  readonly version: string;
  readonly revision: string;
  /** Present when PGHOST is set: the notes go to PostgreSQL, not DATA_DIR. */
  readonly database?: PgConnection;
}

/**
 * libpq's sslmode values this server honours, with libpq's meaning (the `pg` client's own reading
 * of PGSSLMODE differs: it verifies the certificate on `require`, which RDS's CA fails unless it is
 * given; see pg-store.ts). `allow` and `prefer` fall back to plain text, so they are refused.
 */
export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface PgConnection {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** PGPASSWORD, behind a function: JSON.stringify and loggers leave functions out. */
  readonly password?: () => string;
  readonly sslMode: SslMode;
  /** PGSSLROOTCERT: a PEM file of the CAs to trust (verify-ca, verify-full), such as RDS's bundle. */
  readonly sslRootCert?: string;
}

/** Env vars the server reads. The platform sets the first group; GREETING is the demo value. */
export const APP_ENV_VARS = [
  'HOST',
  'PORT',
  'DATA_DIR',
  'LOG_LEVEL',
  'SHUTDOWN_TIMEOUT_MS',
  'APP_VERSION',
  'APP_REVISION',
  'GREETING',
] as const;

/** The PostgreSQL store's env (libpq's names); the platform sets them in fleet mode. */
export const DATABASE_ENV_VARS = ['PGHOST', 'PGPORT', 'PGDATABASE', 'PGUSER', 'PGPASSWORD', 'PGSSLMODE', 'PGSSLROOTCERT'] as const;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const MAX_GREETING = 200;

export function parseConfig(env: Env): AppConfig {
  const database = parseDatabase(env);
  return {
    host: parseHost(env.HOST),
    port: parseInteger('PORT', env.PORT, 8080, 1, 65535, 'a TCP port such as 8080'),
    dataDir: parseDataDir(env.DATA_DIR),
    logLevel: parseLogLevel(env.LOG_LEVEL),
    greeting: parseGreeting(env.GREETING),
    shutdownTimeoutMs: parseInteger(
      'SHUTDOWN_TIMEOUT_MS',
      env.SHUTDOWN_TIMEOUT_MS,
      8000,
      0,
      600_000,
      'milliseconds, below the 10 s docker stop gives by default, such as 8000',
    ),
    version: parseLabel('APP_VERSION', env.APP_VERSION, 'dev'),
    revision: parseLabel('APP_REVISION', env.APP_REVISION, 'unknown'),
    ...(database ? { database } : {}),
  };
}

function parseDatabase(env: Env): PgConnection | undefined {
  const host = env.PGHOST;
  if (host === undefined || host === '') return undefined;
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(host)) {
    throw new ConfigError('PGHOST', `must be a host name or IP address, such as notes.abc123.eu-west-1.rds.amazonaws.com (a socket directory is not supported); got ${quote(host)}`);
  }
  const password = env.PGPASSWORD;
  const sslRootCert = env.PGSSLROOTCERT;
  if (sslRootCert !== undefined && sslRootCert !== '' && !sslRootCert.startsWith('/')) {
    throw new ConfigError('PGSSLROOTCERT', `must be the absolute path of a PEM file, such as /etc/ssl/rds-global-bundle.pem; got ${quote(sslRootCert)}`);
  }
  return {
    host,
    port: parseInteger('PGPORT', env.PGPORT, 5432, 1, 65535, 'a TCP port such as 5432'),
    database: parseIdentifier('PGDATABASE', env.PGDATABASE, 'the database name, such as notes'),
    user: parseIdentifier('PGUSER', env.PGUSER, 'the database user, such as notes'),
    ...(password !== undefined && password !== '' ? { password: () => password } : {}),
    sslMode: parseSslMode(env.PGSSLMODE),
    ...(sslRootCert ? { sslRootCert } : {}),
  };
}

/** PostgreSQL names are at most 63 bytes (NAMEDATALEN - 1); longer ones are cut, silently. */
function parseIdentifier(name: string, raw: string | undefined, what: string): string {
  if (raw === undefined || raw === '') throw new ConfigError(name, `must be set when PGHOST is (${what})`);
  if (Buffer.byteLength(raw, 'utf8') > 63 || /[\u0000-\u001f\u007f]/.test(raw)) {
    throw new ConfigError(name, `must be 1 to 63 bytes of printable text (${what}); got ${quote(raw)}`);
  }
  return raw;
}

function parseSslMode(raw: string | undefined): SslMode {
  if (raw === undefined || raw === '') return 'disable';
  if (!(SSL_MODES as readonly string[]).includes(raw)) {
    throw new ConfigError(
      'PGSSLMODE',
      `must be one of ${SSL_MODES.join(', ')} (allow and prefer may fall back to plain text); got ${quote(raw)}`,
    );
  }
  return raw as SslMode;
}

function parseInteger(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
  hint: string,
): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max} (${hint}); got ${quote(raw)}`);
  }
  const value = Number(raw.trim());
  if (value < min || value > max) {
    throw new ConfigError(name, `must be from ${min} to ${max} (${hint}); got ${value}`);
  }
  return value;
}

function parseHost(raw: string | undefined): string {
  if (raw === undefined || raw === '') return '0.0.0.0';
  if (!/^[A-Za-z0-9.:-]+$/.test(raw)) {
    throw new ConfigError('HOST', `must be an address to listen on, such as 0.0.0.0 or ::; got ${quote(raw)}`);
  }
  return raw;
}

function parseDataDir(raw: string | undefined): string {
  if (raw === undefined || raw === '') return '/data';
  if (!raw.startsWith('/')) {
    throw new ConfigError('DATA_DIR', `must be an absolute path, such as /data; got ${quote(raw)}`);
  }
  if (raw.split('/').includes('..')) {
    throw new ConfigError('DATA_DIR', `must not contain '..'; got ${quote(raw)}`);
  }
  return raw.length > 1 ? raw.replace(/\/+$/, '') : raw;
}

function parseLogLevel(raw: string | undefined): LogLevel {
  if (raw === undefined || raw === '') return 'info';
  const level = raw.toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}; got ${quote(raw)}`);
  }
  return level as LogLevel;
}

function parseGreeting(raw: string | undefined): string {
  if (raw === undefined) return 'hello from berth';
  if (raw.length > MAX_GREETING) {
    throw new ConfigError('GREETING', `must be at most ${MAX_GREETING} characters; got ${raw.length}`);
  }
  if (/[\u0000-\u001f\u007f]/.test(raw)) {
    throw new ConfigError('GREETING', 'must be one line of printable text; remove control characters and newlines');
  }
  return raw;
}

function parseLabel(name: string, raw: string | undefined, fallback: string): string {
  if (raw === undefined || raw === '') return fallback;
  if (!/^[\w.+:@/-]{1,128}$/.test(raw)) {
    throw new ConfigError(name, `must be 1 to 128 of letters, digits and . _ + : @ / -; got ${quote(raw)}`);
  }
  return raw;
}

/** Quotes a bad value for an error line, cut short so a line stays a line. */
function quote(raw: string): string {
  const clean = raw.replace(/[\u0000-\u001f\u007f]/g, '?');
  return JSON.stringify(clean.length > 40 ? `${clean.slice(0, 40)}…` : clean);
}
