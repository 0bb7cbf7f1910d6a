// The fleet restore drill's "DB snapshot" (sim/fleet-database.ts): a base backup of the running
// test server (test/support/postgres.ts, Debian's real PostgreSQL) and a second server started
// from it with a new password, as a restored RDS instance gets a new managed secret.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../ops/run.js';
import { type PostgresServer, postgresBinDir, startPostgres } from '../support/postgres.js';

let original: PostgresServer;
let restored: PostgresServer | undefined;
let db: string;

beforeAll(async () => {
  original = await startPostgres();
  db = await original.createDatabase();
  await original.sql(db, 'create table t (n int primary key)');
}, 60_000);

afterAll(async () => {
  await restored?.stop();
  await original?.stop();
});

const rows = async (pg: PostgresServer) => (await pg.sql(db, 'select n from t order by n')).trim().split('\n').filter(Boolean).map(Number);

describe('a base backup of a running server, and a server started from it', () => {
  it('holds what was committed before the copy, not what came after it; the original keeps both', async () => {
    await original.sql(db, 'insert into t select generate_series(1, 100)');
    const backup = await original.baseBackup();
    expect(backup.endedAt).toBeGreaterThanOrEqual(backup.startedAt);
    await original.sql(db, 'insert into t values (101)');
    // log_statement=ddl, as the fleet's database runs: an ALTER ROLE would be logged with its text.
    restored = await startPostgres({ fromBaseBackup: backup.dataDir, settings: { log_statement: 'ddl' } });
    backup.remove();
    expect(await rows(restored)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(await rows(original)).toHaveLength(101);
    // Two servers from then on: a write to one is not in the other.
    await restored.sql(db, 'insert into t values (1000)');
    expect(await rows(original)).not.toContain(1000);
  });

  it('the restored server takes its new password and refuses the old one', async () => {
    expect(restored!.password).not.toBe(original.password);
    const psql = (password: string) =>
      run([path.join(postgresBinDir(), 'psql'), '-X', '-A', '-t', '-c', 'select 1'], { env: { ...process.env, ...restored!.env(db), PGPASSWORD: password } });
    expect((await psql(restored!.password)).code).toBe(0);
    const old = await psql(original.password);
    expect(old.code).not.toBe(0);
    expect(old.stderr).toMatch(/password authentication failed/);
    // Nor did the server log the ALTER ROLE that set it.
    expect(restored!.log()).not.toContain(restored!.password);
  });
});
