// The fleet's database on the simulated world, standing in for RDS PostgreSQL: Debian's real
// PostgreSQL server (test/support/postgres.ts, the one the store's contract tests start) run on
// this machine and listening on the world network's gateway, under an RDS-like endpoint name in the
// world's DNS. The hosts reach it as a fleet host reaches RDS: the app containers in each host's
// own engine connect by name, NATed to the host's address, with TLS (hostssl: from the network a
// plaintext connection is refused, as with RDS's rds.force_ssl=1, which turns its pg_hba rules
// into hostssl ones: AWS re:Post knowledge center, "aurora-postgresql-ssl-certificates") and a
// scram password that is the one in the RDS-managed secret the Secrets Manager stand-in serves,
// the database named as HostSetup.database says. test/e2e/fleet.test.ts and bench/fleet.ts share it.
//
// A restore (test/e2e/fleet-restore.test.ts, sim/fleet-restore-drill.ts): snapshot() copies the
// running cluster (pg_basebackup, the "DB snapshot"), and startFleetDatabaseFromSnapshot() starts a
// second server from that copy as RestoreDBInstanceFromDBSnapshot makes a new instance: a new
// identifier, so a new endpoint name, and a new master password in a new RDS-managed secret. The
// first server keeps running, as the old instance stays (deletion protection).
//
// Why a server here rather than a container on the world network: no image to build (the package
// is what .ci/run installs for the store's tests), and the bridge's gateway is routable from every
// host and from the containers their engines run, with nothing between.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { HostSetup } from '../infra/host/settings.js';
import { type Result, run } from '../ops/run.js';
import { type BaseBackup, POSTGRES_USER, type PostgresServer, postgresBinDir, startPostgres } from '../test/support/postgres.js';
import { MIGRATION_LOCK_KEY } from '../app/src/pg-store.js';
import type { SimFleet } from './fleet.js';
import type { World } from './world.js';

export interface FleetDatabase {
  /** What every release of the fleet carries (HostSetup.database): endpoint, port, name, secret. */
  readonly setup: NonNullable<HostSetup['database']>;
  /** For SimFleet.create: the RDS-managed secret (ARN -> JSON {username, password}). */
  readonly secrets: Readonly<Record<string, string>>;
  /** The user's password (what must appear nowhere but the app's env file). */
  readonly password: string;
  /** Runs SQL in the fleet's database over the server's loopback: directly, not through the app. */
  sql(sql: string): Promise<string>;
  /** psql's `select 1` from here to the endpoint's address with this sslmode, as a host would connect. */
  probe(sslMode: 'disable' | 'require'): Promise<Result>;
  /** Takes a transaction-level advisory lock in a session of its own (over loopback) and holds it
   * until release(): what a migrating process holds, so that the hosts' migrations queue on it. */
  holdAdvisoryLock(key: string): Promise<{ release(): Promise<void> }>;
  /** What the server logged (with log_statement=ddl and log_lock_waits, each line with its client). */
  log(): string;
  /** The "DB snapshot" stand-in: a point-in-time copy of the running cluster (BaseBackup says which
   * point); the server keeps serving. */
  snapshot(): Promise<FleetDbSnapshot>;
  close(): Promise<void>;
}

/**
 * A DB snapshot of the fleet's database. An RDS DB snapshot is a storage-level copy of the
 * instance's volume, crash-consistent, whose restore is PostgreSQL's crash recovery from the WAL on
 * it; this is pg_basebackup's copy through the running server with the WAL streamed alongside,
 * whose start replays that WAL to the copy's end. The same: a consistent state (committed
 * transactions only) of one moment during the copy, roles and databases included, taken while the
 * database serves writes. Not the same: the moment is the end of the copy here (startedAt ≤ it ≤
 * endedAt), and the copy goes through the server (a checkpoint, a replication connection) rather
 * than beneath it; RDS's storage snapshot and its restore time are not modelled, nor the brief I/O
 * suspension a Single-AZ instance's snapshot causes ("Amazon RDS creates a storage volume snapshot of
 * your DB instance ... a brief I/O suspension that can last from a few seconds to a few minutes":
 * RDS User Guide, USER_CreateSnapshot). pg_basebackup "makes an exact copy of the database
 * cluster's files, while making sure the server is put into and out of backup mode", over the
 * replication protocol (PostgreSQL 15 docs, app-pgbasebackup).
 */
export interface FleetDbSnapshot extends Pick<BaseBackup, 'startedAt' | 'endedAt'> {
  /** The database the copy came from (its HostSetup.database.name is the restored one's too). */
  readonly name: string;
  /** The backup itself; startFleetDatabaseFromSnapshot consumes it. */
  readonly backup: BaseBackup;
}

export interface FleetDatabaseOptions {
  /** HostSetup.database.name. Default notes. */
  readonly name?: string;
  /** The stack (the endpoint's instance name is berth-<stack>). Default dev. */
  readonly stack?: string;
  /** The RDS instance identifier (the endpoint's first label). Default berth-<stack>. */
  readonly instance?: string;
}

/** Where the fleet's database server starts from: a new cluster, or a snapshot's copy. */
type Origin = { readonly kind: 'new' } | { readonly kind: 'snapshot'; readonly snapshot: FleetDbSnapshot };

/** Starts the fleet's PostgreSQL on the world's gateway; close() it before the world. */
export function startFleetDatabase(world: World, options: FleetDatabaseOptions = {}): Promise<FleetDatabase> {
  return serveFleetDatabase(world, options.name ?? 'notes', options.instance ?? `berth-${options.stack ?? 'dev'}`, { kind: 'new' });
}

/**
 * What RestoreDBInstanceFromDBSnapshot makes of `snapshot`: a new server from its copy, under a new
 * instance identifier (Pulumi names the replacement instance anew: its auto-name's random suffix;
 * default here berth-<stack>-<7 hex>), so a new endpoint, with a new password in a new RDS-managed
 * secret (a new ARN). The database's name is the snapshot's. Give the hosts' role the new secret
 * (SimFleet.addSecrets), then a release naming `setup` moves them over.
 */
export function startFleetDatabaseFromSnapshot(world: World, snapshot: FleetDbSnapshot, options: Pick<FleetDatabaseOptions, 'stack' | 'instance'> = {}): Promise<FleetDatabase> {
  const instance = options.instance ?? `berth-${options.stack ?? 'dev'}-${randomBytes(4).toString('hex').slice(0, 7)}`;
  return serveFleetDatabase(world, snapshot.name, instance, { kind: 'snapshot', snapshot });
}

async function serveFleetDatabase(world: World, name: string, instance: string, origin: Origin): Promise<FleetDatabase> {
  // RDS's endpoint form: <instance>.<account/region hash>.<region>.rds.amazonaws.com.
  const endpoint = `${instance}.csim0berth0.${world.region}.rds.amazonaws.com`;
  const dir = path.join(world.dir, `database-${instance}`);
  await mkdir(dir, { recursive: true });
  const served = await world.serveFromHere(endpoint, dir);
  let pg: PostgresServer;
  try {
    pg = await startPostgres({
      listen: served.ip,
      tls: { certFile: served.certFile, keyFile: served.keyFile },
      settings: {
        // The evidence the tests read: every DDL statement with its client's address (the host), and
        // a session that waits on a lock (the migrations' advisory lock) past deadlock_timeout.
        log_statement: 'ddl',
        log_lock_waits: 'on',
        deadlock_timeout: '50ms',
        log_line_prefix: '%m [%p] client=%h ',
      },
      ...(origin.kind === 'snapshot' ? { fromBaseBackup: origin.snapshot.backup.dataDir } : {}),
    });
  } finally {
    if (origin.kind === 'snapshot') origin.snapshot.backup.remove();
  }
  if (origin.kind === 'new') {
    try {
      await pg.createDatabase(name);
    } catch (err) {
      await pg.stop();
      throw err;
    }
  }
  // RDS's managed secret names: rds!db-<uuid>, with Secrets Manager's 6-character suffix.
  const secretArn = `arn:aws:secretsmanager:${world.region}:${world.accountId}:secret:rds!db-${randomUUID()}-Rd5Sim`;
  const bin = postgresBinDir();
  return {
    setup: { secretArn, host: endpoint, port: pg.port, name },
    secrets: { [secretArn]: JSON.stringify({ username: POSTGRES_USER, password: pg.password }) },
    password: pg.password,
    sql: (sql) => pg.sql(name, sql),
    probe: (sslMode) =>
      run([path.join(bin, 'psql'), '-X', '-A', '-t', '-c', 'select 1'], {
        env: { ...process.env, ...pg.env(name, served.ip), PGSSLMODE: sslMode, PGCONNECT_TIMEOUT: '5' },
        timeoutMs: 15_000,
      }),
    async holdAdvisoryLock(key) {
      if (!/^-?\d+$/.test(key)) throw new Error(`not a bigint advisory lock key: ${key}`);
      const psql = spawn(path.join(bin, 'psql'), ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1'], {
        env: { ...process.env, ...pg.env(name) },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      psql.stdout.on('data', (d: Buffer) => (out += d.toString()));
      psql.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const closed = new Promise<number | null>((resolve) => psql.on('close', resolve));
      psql.stdin.write(`begin;\nselect pg_advisory_xact_lock(${key}::bigint);\nselect 'held';\n`);
      const deadline = Date.now() + 15_000;
      while (!/^held$/m.test(out)) {
        if (psql.exitCode !== null || Date.now() > deadline) {
          psql.kill();
          throw new Error(`could not take advisory lock ${key}:\n${out}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      return {
        async release() {
          psql.stdin.end('commit;\n');
          const code = await closed;
          if (code !== 0) throw new Error(`psql holding advisory lock ${key} exited ${code}:\n${out}`);
        },
      };
    },
    log: () => pg.log(),
    async snapshot() {
      const backup = await pg.baseBackup();
      return { name, backup, startedAt: backup.startedAt, endedAt: backup.endedAt };
    },
    close: () => pg.stop(),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Launches `hosts` hosts of `fleet` together on its published release, and waits until the load
 * balancer has every one UP. Each app migrates the empty database at start; to make their race on
 * the migrations' advisory lock certain rather than likely, the lock is held here (as by a process
 * migrating) until every host queues on it, or 10 s after the first does (the health gate allows
 * 30 s, and the app's query timeout is 15 s); then they take it in turn. Returns the most hosts
 * seen queued on it at once.
 */
export async function launchRacingMigrations(fleet: SimFleet, db: FleetDatabase, hosts: number): Promise<number> {
  const lock = await db.holdAdvisoryLock(MIGRATION_LOCK_KEY);
  let settled = false;
  const launching = Promise.all(Array.from({ length: hosts }, () => fleet.launch())).finally(() => (settled = true));
  launching.catch(() => undefined);
  let queuedAtMost = 0;
  let firstQueued = 0;
  try {
    for (const deadline = Date.now() + 600_000; !settled && Date.now() < deadline; await sleep(100)) {
      const queued = Number(await db.sql("select count(*) from pg_locks where locktype = 'advisory' and not granted"));
      queuedAtMost = Math.max(queuedAtMost, queued);
      if (queued > 0 && !firstQueued) firstQueued = Date.now();
      if (queued >= hosts || (firstQueued && Date.now() - firstQueued > 10_000)) break;
    }
  } finally {
    await lock.release();
  }
  await launching;
  for (const h of fleet.hosts) await fleet.lb.waitFor(h.instanceId, 'UP');
  return queuedAtMost;
}
