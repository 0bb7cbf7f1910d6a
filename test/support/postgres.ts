// A throwaway PostgreSQL server for tests: Debian's real `postgresql` package (bookworm: 15), a
// fresh cluster under the temp directory, listening on a free port on 127.0.0.1 with password
// (scram-sha-256) auth, removed by stop(). PostgreSQL refuses to run as root, so under root (CI)
// the cluster belongs to the package's `postgres` user (or `nobody`). fsync is off: these tests
// share a busy machine, and none of them pulls the plug on the database.
//
// Usage: `const pg = await startPostgres(); const db = await pg.createDatabase();` then
// `pg.env(db)` is the PG* env for a server process (or parseConfig(pg.env(db)).database for a
// store in-process); `await pg.stop()` at the end. For clients in containers (the fleet sim),
// `startPostgres({ listen: '<bridge address>' })` listens there too (still password-only), and
// `pg.env(db, '<address the containers reach>')` names it.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, runSync } from '../../ops/run.js';
import { freePort } from '../../sim/net.js';

export const POSTGRES_USER = 'berth';

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly password: string;
  /** The PG* env the notes server reads, for one database on this server (PGHOST: host, or as given). */
  env(database: string, host?: string): Record<string, string>;
  /** A new, empty database (a fresh name unless given); returns its name. */
  createDatabase(name?: string): Promise<string>;
  /** Runs SQL with psql in one database; returns its unaligned, tuples-only output. */
  sql(database: string, sql: string): Promise<string>;
  /** What the server logged, for a failure message. */
  log(): string;
  /** A copy of the running cluster taken by pg_basebackup (see BaseBackup); the server keeps running. */
  baseBackup(): Promise<BaseBackup>;
  stop(): Promise<void>;
}

/**
 * A point-in-time copy of a running cluster: pg_basebackup over the replication protocol, after a
 * fast checkpoint, with the WAL written meanwhile streamed alongside (-X stream). A server started
 * on it (startPostgres({ fromBaseBackup })) replays that WAL to the backup's end: it holds every
 * transaction committed before `startedAt`, none committed after `endedAt`, and for those between,
 * whatever had committed when the copy ended. The server's own copy of its files, not a storage
 * snapshot: an RDS DB snapshot copies the instance's volume beneath PostgreSQL, and its restore is
 * crash recovery from the WAL on that volume; both are consistent (committed transactions only)
 * and both start with WAL replay, but this one's point in time is the copy's end.
 */
export interface BaseBackup {
  /** The data directory (owned by the cluster's user); startPostgres({ fromBaseBackup }) consumes it. */
  readonly dataDir: string;
  /** Epoch ms when pg_basebackup was started and when it ended. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** Removes what is left of it (nothing once a server was started from it). */
  remove(): void;
}

/**
 * The directory of initdb, postgres and psql: `pg_config --bindir` when it names one that has the
 * server (Debian's pg_config comes with libpq-dev and may be there without it), else the newest
 * /usr/lib/postgresql/<major>/bin (Debian's and Ubuntu's layout: the binaries are not on PATH).
 */
export function postgresBinDir(): string {
  const fromPgConfig = runSync(['pg_config', '--bindir']);
  const candidates = [
    ...(fromPgConfig.code === 0 ? [fromPgConfig.stdout.trim()] : []),
    ...(existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .filter((v) => /^\d+$/.test(v))
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => `/usr/lib/postgresql/${v}/bin`)
      : []),
  ];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres')));
  if (!found) {
    throw new Error(
      `no PostgreSQL server found (looked in ${candidates.join(', ') || 'pg_config --bindir and /usr/lib/postgresql/*/bin'}): install Debian's or Ubuntu's postgresql package (apt-get install postgresql)`,
    );
  }
  return found;
}

/** Who runs the cluster: this process's user, or under root the `postgres` user (else nobody). */
function clusterOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const entry = runSync(['getent', 'passwd', name]);
    const fields = entry.stdout.trim().split(':');
    if (entry.code === 0 && fields.length >= 4) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new Error('running as root, and neither a postgres nor a nobody user exists to own the test cluster');
}

function runAs(
  owner: { uid: number; gid: number } | undefined,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = {},
): ChildProcess {
  const [program, ...args] = argv;
  return spawn(program!, args, {
    env: { PATH: process.env.PATH, LC_ALL: 'C', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: os.tmpdir(),
    ...(owner ?? {}),
  });
}

function finished(child: ChildProcess, what: string): Promise<string> {
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`${what} exited ${code}:\n${output.slice(-2000)}`))));
  });
}

export interface PostgresOptions {
  /** Another address to listen on besides 127.0.0.1 (such as a Docker bridge's gateway). */
  readonly listen?: string;
  /** TLS on (ssl=on) with this certificate and key (PEM files; copied into the cluster, the key
   * 0600 as PostgreSQL requires). With `listen`, connections from elsewhere must then use TLS
   * (pg_hba hostssl), as RDS's rds.force_ssl=1 makes them. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** More server settings (`-c name=value`), such as log_lock_waits. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Start from this base backup's data directory (BaseBackup.dataDir, moved in) instead of a new
   * cluster: its roles, pg_hba rules and data are the backup's; the user gets a new password, as
   * RDS gives a restored instance a new master password (in a new managed secret). */
  readonly fromBaseBackup?: string;
}

/** A new cluster in `data` (initdb), the user's password set, host lines for `listen` added. */
async function initCluster(bin: string, owner: { uid: number; gid: number } | undefined, root: string, data: string, password: string, options: PostgresOptions) {
  const pwfile = path.join(root, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  await finished(
    runAs(owner, [
      path.join(bin, 'initdb'),
      '--pgdata', data,
      '--username', POSTGRES_USER,
      `--pwfile=${pwfile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ]),
    'initdb',
  );
  rmSync(pwfile);
  if (options.listen) {
    // initdb's host lines cover loopback only; from elsewhere, the same password auth (over TLS
    // only when the server has it: hostssl matches only encrypted connections).
    const type = options.tls ? 'hostssl' : 'host';
    appendFileSync(path.join(data, 'pg_hba.conf'), `${type} all all 0.0.0.0/0 scram-sha-256\n${type} all all ::/0 scram-sha-256\n`);
  }
}

export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const owner = clusterOwner();
  const root = mkdtempSync(path.join(os.tmpdir(), 'berth-pg-'));
  const data = path.join(root, 'data');
  const password = randomBytes(18).toString('base64url');
  const host = '127.0.0.1';
  let server: ChildProcess | undefined;
  let log = '';
  const killOnExit = () => server?.kill('SIGKILL');
  try {
    chmodSync(root, 0o700);
    if (owner) chownSync(root, owner.uid, owner.gid);
    if (options.fromBaseBackup) {
      // The backup's pg_hba.conf has the lines this function wrote for the original (listen, tls).
      renameSync(options.fromBaseBackup, data);
    } else {
      await initCluster(bin, owner, root, data, password, options);
    }
    const tlsSettings: string[] = [];
    if (options.tls) {
      // The server refuses a key file group or others may read (PostgreSQL docs, "Secure TCP/IP
      // Connections with SSL": server.key 0600, or root-owned 0640).
      const certFile = path.join(root, 'server.crt');
      const keyFile = path.join(root, 'server.key');
      copyFileSync(options.tls.certFile, certFile);
      copyFileSync(options.tls.keyFile, keyFile);
      chmodSync(keyFile, 0o600);
      if (owner) for (const f of [certFile, keyFile]) chownSync(f, owner.uid, owner.gid);
      tlsSettings.push('-c', 'ssl=on', '-c', `ssl_cert_file=${certFile}`, '-c', `ssl_key_file=${keyFile}`);
    }

    const port = await freePort();
    server = runAs(owner, [
      path.join(bin, 'postgres'),
      '-D', data,
      '-p', String(port),
      // The socket in our own directory: /var/run/postgresql may not exist or not be ours.
      '-k', root,
      '-c', `listen_addresses=${[host, ...(options.listen ? [options.listen] : [])].join(',')}`,
      '-c', 'fsync=off',
      '-c', 'full_page_writes=off',
      '-c', 'shared_buffers=32MB',
      '-c', 'max_connections=100',
      ...tlsSettings,
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ]);
    server.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    server.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    let exited = false;
    const stopped = new Promise<void>((resolve) => server!.on('close', () => resolve()));
    void stopped.then(() => (exited = true));
    process.once('exit', killOnExit);

    const pgEnv = (database: string, at = host) => ({ PGHOST: at, PGPORT: String(port), PGUSER: POSTGRES_USER, PGPASSWORD: password, PGDATABASE: database, PGSSLMODE: 'disable' });
    const psql = (database: string, sql: string) =>
      finished(runAs(undefined, [path.join(bin, 'psql'), '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], pgEnv(database)), `psql -c ${sql}`);

    // Not ops/run's waitFor: it retries through errors, and a server that exited will not come back.
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exited) throw new Error(`postgres exited early:\n${log.slice(-2000)}`);
      const ready = await run([path.join(bin, 'pg_isready'), '-q', '-h', host, '-p', String(port)]);
      if (ready.code === 0) break;
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 60 s:\n${log.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    if (options.fromBaseBackup) {
      // The new password, over the socket (local trust), with this session's statement logging off
      // (log_statement=ddl would log the ALTER ROLE's text, password and all).
      await finished(
        runAs(undefined, [path.join(bin, 'psql'), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', root, '-p', String(port), '-U', POSTGRES_USER, '-d', 'postgres',
          '-c', 'set log_statement = none', '-c', `alter role ${POSTGRES_USER} password '${password}'`]),
        'psql alter role',
      );
    }

    return {
      host,
      port,
      password,
      env: pgEnv,
      async createDatabase(name = `t_${randomBytes(6).toString('hex')}`) {
        await psql('postgres', `create database "${name}"`);
        return name;
      },
      sql: psql,
      log: () => log,
      async baseBackup() {
        const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-pg-backup-'));
        chmodSync(dir, 0o700);
        if (owner) chownSync(dir, owner.uid, owner.gid);
        const dataDir = path.join(dir, 'data');
        const remove = () => rmSync(dir, { recursive: true, force: true });
        const startedAt = Date.now();
        try {
          // As the cluster's user (a server refuses a data directory it does not own), over the
          // socket (initdb's `local replication all trust`); --no-sync as the server runs fsync=off.
          await finished(
            runAs(owner, [path.join(bin, 'pg_basebackup'), '-h', root, '-p', String(port), '-U', POSTGRES_USER, '-D', dataDir, '-X', 'stream', '-c', 'fast', '--no-sync']),
            'pg_basebackup',
          );
        } catch (err) {
          remove();
          throw err;
        }
        return { dataDir, startedAt, endedAt: Date.now(), remove };
      },
      async stop() {
        if (!exited) {
          server!.kill('SIGINT'); // fast shutdown: roll back, disconnect, exit
          const timer = setTimeout(() => server!.kill('SIGKILL'), 10_000);
          await stopped;
          clearTimeout(timer);
        }
        process.removeListener('exit', killOnExit);
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (err) {
    killOnExit();
    process.removeListener('exit', killOnExit);
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
}
