// deploy.sh's database env (fleet mode with a database), run for real in bash with a stand-in
// `aws` on PATH: the secret RDS manages (JSON with username and password) becomes PGUSER and
// PGPASSWORD in the app's env file (0600) beside PGHOST, PGPORT, PGDATABASE and PGSSLMODE=require,
// and the password appears nowhere else, not even when the secret is malformed.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../ops/run.js';
import { repoRoot } from '../support/engine-setup.js';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0123-AbCdEf';
const PASSWORD = 'p4ss-Wörd#with;chars$and spaces';
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'berth-db-env-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

/** Runs write_env_file from deploy.sh (without its last line, `main "$@"`) with `aws` answering `secret`. */
async function writeEnvFile(secret: string) {
  const bin = path.join(dir, 'bin');
  await run(['mkdir', '-p', bin]);
  // The stand-in checks it is asked what deploy.sh must ask, and answers as the CLI does with
  // --query SecretString --output text: the string itself.
  await writeFile(path.join(bin, 'aws'), [
    '#!/bin/bash',
    `[[ "$*" == "secretsmanager get-secret-value --region eu-west-1 --secret-id ${ARN} --query SecretString --output text" ]] || { echo "unexpected: $*" >&2; exit 254; }`,
    `cat ${path.join(dir, 'secret')}`,
  ].join('\n'), { mode: 0o755 });
  await writeFile(path.join(dir, 'secret'), secret);
  const script = [
    `source <(sed '$d' ${path.join(repoRoot, 'infra/host/deploy.sh')})`,
    // One attempt: retry's back-off is not what is tested here.
    'retry() { shift 2; "$@"; }',
    // deploy.sh sets its own PATH; the stand-in goes first again.
    `PATH=${bin}:$PATH`,
    `BERTH_REGION=eu-west-1 BERTH_ENV_FILE=${path.join(dir, 'etc/app.env')} BERTH_STATUS_FILE=${path.join(dir, 'status')}`,
    'BERTH_ENV=(LOG_LEVEL=info) BERTH_SECRET_ENV=()',
    `BERTH_DB_SECRET_ARN='${ARN}' BERTH_DB_HOST=db.example BERTH_DB_PORT=5432 BERTH_DB_NAME=notes`,
    'write_env_file',
  ].join('\n');
  return run(['bash', '-c', script]);
}

describe("deploy.sh's database env", () => {
  it('puts the connection settings and the credentials in the env file (0600), and prints no password', async () => {
    const r = await writeEnvFile(JSON.stringify({ username: 'berth', password: PASSWORD }));
    expect(r.code, r.stderr).toBe(0);
    const file = path.join(dir, 'etc/app.env');
    expect((await readFile(file, 'utf8')).split('\n')).toEqual([
      'LOG_LEVEL=info', 'PGHOST=db.example', 'PGPORT=5432', 'PGDATABASE=notes', 'PGSSLMODE=require', 'PGUSER=berth', `PGPASSWORD=${PASSWORD}`, '',
    ]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('fails on a secret without a password, saying so without its content, and writes no env file', async () => {
    const r = await writeEnvFile(JSON.stringify({ username: 'berth', pass: PASSWORD }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('berth: the database secret is not JSON with username and password');
    expect(r.stderr).toContain(`berth: FAILED: could not read the database secret ${ARN}; check the instance role`);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    expect((await run(['ls', path.join(dir, 'etc')])).stdout).toBe('');
  });

  it('refuses a password with a line break rather than split it across env lines', async () => {
    const r = await writeEnvFile(JSON.stringify({ username: 'berth', password: 'one\nPGHOST=evil' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('berth: the database secret has an empty or multi-line value');
    expect(r.stdout + r.stderr).not.toContain('evil');
  });
});
