import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../app/src/config.js';

describe('the server reads its configuration from env only', () => {
  it('has defaults that fit the container', () => {
    expect(parseConfig({})).toEqual({
      host: '0.0.0.0',
      port: 8080,
      dataDir: '/data',
      logLevel: 'info',
      greeting: 'hello from berth',
      shutdownTimeoutMs: 8000,
      version: 'dev',
      revision: 'unknown',
    });
  });

  it('takes valid values', () => {
    const config = parseConfig({
      PORT: '3000',
      DATA_DIR: '/var/lib/notes/',
      LOG_LEVEL: 'DEBUG',
      GREETING: 'hi',
      SHUTDOWN_TIMEOUT_MS: '0',
      APP_VERSION: '1.2.3',
      APP_REVISION: 'abc123',
      HOST: '::',
    });
    expect(config).toMatchObject({ port: 3000, dataDir: '/var/lib/notes', logLevel: 'debug', host: '::' });
  });

  const bad: Array<[Record<string, string>, string]> = [
    [{ PORT: 'abc' }, 'PORT: must be a whole number from 1 to 65535 (a TCP port such as 8080); got "abc"'],
    [{ PORT: '0' }, 'PORT: must be from 1 to 65535 (a TCP port such as 8080); got 0'],
    [{ PORT: '70000' }, 'PORT: must be from 1 to 65535 (a TCP port such as 8080); got 70000'],
    [{ PORT: '80.5' }, 'PORT: must be a whole number from 1 to 65535 (a TCP port such as 8080); got "80.5"'],
    [{ PORT: '-1' }, 'PORT: must be a whole number from 1 to 65535 (a TCP port such as 8080); got "-1"'],
    [{ DATA_DIR: 'data' }, 'DATA_DIR: must be an absolute path, such as /data; got "data"'],
    [{ DATA_DIR: '/data/../etc' }, `DATA_DIR: must not contain '..'; got "/data/../etc"`],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent; got "loud"'],
    [{ GREETING: 'x'.repeat(201) }, 'GREETING: must be at most 200 characters; got 201'],
    [{ GREETING: 'two\nlines' }, 'GREETING: must be one line of printable text; remove control characters and newlines'],
    [
      { SHUTDOWN_TIMEOUT_MS: 'soon' },
      'SHUTDOWN_TIMEOUT_MS: must be a whole number from 0 to 600000 (milliseconds, below the 10 s docker stop gives by default, such as 8000); got "soon"',
    ],
    [{ HOST: 'a b' }, 'HOST: must be an address to listen on, such as 0.0.0.0 or ::; got "a b"'],
    [{ APP_REVISION: 'has space' }, 'APP_REVISION: must be 1 to 128 of letters, digits and . _ + : @ / -; got "has space"'],
  ];

  it.each(bad)('refuses %j with a message naming the variable', (env, message) => {
    expect(() => parseConfig(env)).toThrow(message);
  });

  it('cuts a long bad value short so the error stays one line', () => {
    expect(() => parseConfig({ PORT: `${'9'.repeat(100)}x` })).toThrow(/got "9{40}…"$/);
  });
});

describe('PGHOST selects the PostgreSQL store, with the connection from the PG* env', () => {
  const pg = { PGHOST: 'notes.abc123.eu-west-1.rds.amazonaws.com', PGDATABASE: 'notes', PGUSER: 'berth', PGPASSWORD: 'pw-canary-5e1d' };

  it('without PGHOST the file store on DATA_DIR: no database in the config', () => {
    expect(parseConfig({ PGDATABASE: 'notes', PGUSER: 'berth' }).database).toBeUndefined();
    expect(parseConfig({ PGHOST: '' }).database).toBeUndefined();
  });

  it("with PGHOST: host, port (5432 by default), database, user, libpq's sslmode (disable by default)", () => {
    const { database } = parseConfig(pg);
    expect(database).toMatchObject({ host: pg.PGHOST, port: 5432, database: 'notes', user: 'berth', sslMode: 'disable' });
    expect(database!.password?.()).toBe(pg.PGPASSWORD);
    expect(parseConfig({ ...pg, PGPORT: '6432', PGSSLMODE: 'require' }).database).toMatchObject({ port: 6432, sslMode: 'require' });
    expect(parseConfig({ ...pg, PGPASSWORD: '' }).database!.password).toBeUndefined();
  });

  it('never shows the password: not in the JSON of the config, nor in an error line', () => {
    expect(JSON.stringify(parseConfig(pg))).not.toContain(pg.PGPASSWORD);
    let message = '';
    try {
      parseConfig({ ...pg, PGUSER: '', PGPORT: 'x' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^PG/);
    expect(message).not.toContain(pg.PGPASSWORD);
  });

  const bad: Array<[Record<string, string>, string]> = [
    [{ PGDATABASE: '' }, 'PGDATABASE: must be set when PGHOST is (the database name, such as notes)'],
    [{ PGUSER: '' }, 'PGUSER: must be set when PGHOST is (the database user, such as notes)'],
    [{ PGUSER: 'u'.repeat(64) }, 'PGUSER: must be 1 to 63 bytes of printable text (the database user, such as notes); got "'],
    [{ PGPORT: 'five' }, 'PGPORT: must be a whole number from 1 to 65535 (a TCP port such as 5432); got "five"'],
    [{ PGPORT: '0' }, 'PGPORT: must be from 1 to 65535 (a TCP port such as 5432); got 0'],
    [{ PGHOST: '/var/run/postgresql' }, 'PGHOST: must be a host name or IP address, such as notes.abc123.eu-west-1.rds.amazonaws.com (a socket directory is not supported); got "/var/run/postgresql"'],
    [{ PGSSLMODE: 'prefer' }, 'PGSSLMODE: must be one of disable, require, verify-ca, verify-full (allow and prefer may fall back to plain text); got "prefer"'],
    [{ PGSSLROOTCERT: 'rds.pem' }, 'PGSSLROOTCERT: must be the absolute path of a PEM file, such as /etc/ssl/rds-global-bundle.pem; got "rds.pem"'],
  ];
  it.each(bad)('refuses %j with a message naming the variable', (env, message) => {
    expect(() => parseConfig({ ...pg, ...env })).toThrow(message);
  });
});
