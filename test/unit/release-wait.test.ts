// The release waiter against the State Manager stand-in, through the real AWS SDK client: it ends
// 0 only when the association's current version succeeded on every host, fails with each host's
// own reason, and at its timeout says what it was still waiting for. It never trusts
// Overview.Status, which right after an update still shows the previous run.
import { CreateAssociationCommand, DeleteAssociationCommand, DescribeAssociationCommand, SSMClient, UpdateAssociationCommand } from '@aws-sdk/client-ssm';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FAILED_PREFIX, OK_PREFIX } from '../../infra/host/status-lines.js';
import { WaitUsageError, parseWaitArgs, targetFromOutputs } from '../../ops/release-wait/args.js';
import { summarize, waitForRelease } from '../../infra/release/waiter.js';
import { run } from '../../ops/run.js';
import { type ManagedInstance, type RunOutcome, StateManager, VERSION_LIMIT } from '../../sim/state-manager.js';

const DOC = 'berth-deploy';
const CONTENT = JSON.stringify({ schemaVersion: '2.2', parameters: { release: { type: 'String' } }, mainSteps: [] });

let sm: StateManager;
afterEach(async () => sm?.close());

async function world(options: ConstructorParameters<typeof StateManager>[0] = {}) {
  sm = await new StateManager(options).start();
  sm.putDocument(DOC, CONTENT);
  const ssm = new SSMClient({ region: sm.region, endpoint: sm.endpoint, credentials: { accessKeyId: 'AKIASIM', secretAccessKey: 'sim' } });
  return ssm;
}

/** An instance whose agent answers each release by its parameter: `good-*` succeeds, the rest fail. */
function instance(instanceId: string, extra: Partial<ManagedInstance> = {}): ManagedInstance & { runs: string[] } {
  const runs: string[] = [];
  return {
    instanceId,
    pingStatus: 'Online',
    runs,
    run: async (_content, params): Promise<RunOutcome> => {
      runs.push(params.release!);
      return params.release!.startsWith('good')
        ? { status: 'Success', stdout: `berth: release ${params.release}\n${OK_PREFIX}img@${params.release} is healthy and serving\n`, stderr: '' }
        : { status: 'Failed', stdout: 'berth: pulling img\n', stderr: `berth: container berth-notes-x is exited; its last log lines:\n  | boom\n${FAILED_PREFIX}img did not answer /healthz within 30 s; release r1 keeps serving\n` };
    },
    ...extra,
  };
}

const create = (ssm: SSMClient, release: string, targets = [{ Key: 'InstanceIds', Values: ['i-0123456789abcdef0'] }], extra = {}) =>
  ssm.send(new CreateAssociationCommand({ Name: DOC, AssociationName: 'berth-release', Targets: targets, Parameters: { release: [release] }, ...extra })).then((r) => r.AssociationDescription!.AssociationId!);

describe('the release waiter', () => {
  it('ends in success only once the current version succeeded on the host, with its OK line', async () => {
    const ssm = await world({ pickupDelayMs: 300 });
    sm.register(instance('i-0123456789abcdef0'));
    const id = await create(ssm, 'good-1');
    const lines: string[] = [];
    const result = await waitForRelease(ssm, { associationId: id, timeoutS: 10, pollS: 0.05, log: (l) => lines.push(l) });
    expect(result).toMatchObject({ outcome: 'success', version: '1', hosts: [{ instanceId: 'i-0123456789abcdef0', status: 'Success', ok: `${OK_PREFIX}img@good-1 is healthy and serving` }] });
    expect(lines).toContain('version 1: not run yet (State Manager runs it when the agent picks it up)');
    expect(summarize(result).exitCode).toBe(0);
  });

  it("fails a release that failed on the host with the host's own reason, although Overview.Status still says Success", async () => {
    const ssm = await world({ pickupDelayMs: 300 });
    sm.register(instance('i-0123456789abcdef0'));
    const id = await create(ssm, 'good-1');
    expect((await waitForRelease(ssm, { associationId: id, timeoutS: 10, pollS: 0.05 })).outcome).toBe('success');
    await ssm.send(new UpdateAssociationCommand({ AssociationId: id, Parameters: { release: ['bad-2'] } }));
    // What a waiter that trusted the overview would have read: the previous run's Success.
    const overview = (await ssm.send(new DescribeAssociationCommand({ AssociationId: id }))).AssociationDescription!;
    expect(overview).toMatchObject({ AssociationVersion: '2', Overview: { Status: 'Success' } });
    const result = await waitForRelease(ssm, { associationId: id, timeoutS: 10, pollS: 0.05 });
    expect(result).toMatchObject({ outcome: 'failed', version: '2' });
    const { lines, exitCode } = summarize(result);
    expect(exitCode).toBe(1);
    expect(lines.join('\n')).toContain(`i-0123456789abcdef0: Failed: ${FAILED_PREFIX}img did not answer /healthz within 30 s; release r1 keeps serving`);
    expect(lines.join('\n')).toContain('| boom');
  });

  it('ends at its timeout naming what it waited for, when the agent never picks the version up', async () => {
    const ssm = await world({ agentPicksUp: false });
    sm.register(instance('i-0123456789abcdef0'));
    const id = await create(ssm, 'good-1');
    const started = Date.now();
    const result = await waitForRelease(ssm, { associationId: id, timeoutS: 1, pollS: 0.1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(result.outcome).toBe('timeout');
    const { lines, exitCode } = summarize(result);
    expect(exitCode).toBe(3);
    expect(lines.join('\n')).toMatch(/version 1 of association .* to start: State Manager has not run it on any host/);
  });

  it('waits for the agent of a new instance to be Online first, and says so', async () => {
    const ssm = await world();
    const host = instance('i-0123456789abcdef0', { pingStatus: 'ConnectionLost' });
    sm.register(host);
    const id = await create(ssm, 'good-1');
    const lines: string[] = [];
    const waiting = waitForRelease(ssm, { associationId: id, timeoutS: 1, pollS: 0.05, log: (l) => lines.push(l) });
    expect((await waiting).outcome).toBe('timeout');
    expect(lines).toContain('i-0123456789abcdef0: SSM agent ConnectionLost');
  });

  it('with hosts targeted by tag, reports every failed host and skips the rest once MaxErrors is exceeded', async () => {
    const ssm = await world();
    const a = instance('i-0aaaaaaaaaaaaaaaa', { tags: { berth: 'web' } });
    const b = instance('i-0bbbbbbbbbbbbbbbb', { tags: { berth: 'web' } });
    const c = instance('i-0cccccccccccccccc', { tags: { berth: 'other' } });
    [a, b, c].forEach((i) => sm.register(i));
    const id = await create(ssm, 'bad-1', [{ Key: 'tag:berth', Values: ['web'] }], { MaxConcurrency: '1', MaxErrors: '0' });
    const result = await waitForRelease(ssm, { associationId: id, timeoutS: 10, pollS: 0.05 });
    expect(result.outcome).toBe('failed');
    if (result.outcome !== 'failed') return;
    expect(result.hosts.map((h) => [h.instanceId, h.status])).toEqual([
      ['i-0aaaaaaaaaaaaaaaa', 'Failed'],
      ['i-0bbbbbbbbbbbbbbbb', 'Skipped'],
    ]);
    expect(a.runs).toEqual(['bad-1']);
    expect(b.runs).toEqual([]);
    expect(c.runs).toEqual([]);
  });

  it('keeps only what GetCommandInvocation returns: a FAILED line past 8,000 characters of stderr is lost', async () => {
    const ssm = await world();
    sm.register({
      instanceId: 'i-0123456789abcdef0',
      pingStatus: 'Online',
      run: async () => ({ status: 'Failed', stdout: '', stderr: `${'x'.repeat(8_000)}\n${FAILED_PREFIX}too late to be seen\n` }),
    });
    const id = await create(ssm, 'bad-1');
    const result = await waitForRelease(ssm, { associationId: id, timeoutS: 10, pollS: 0.05 });
    expect(summarize(result).lines.join('\n')).not.toContain('too late to be seen');
  });

  it(`refuses version ${VERSION_LIMIT + 1} of one association, and a new association per release goes past it`, async () => {
    const ssm = await world();
    sm.register(instance('i-0123456789abcdef0'));
    const one = await create(ssm, 'good-1');
    for (let v = 2; v <= VERSION_LIMIT; v++) await ssm.send(new UpdateAssociationCommand({ AssociationId: one, Parameters: { release: [`good-${v}`] } }));
    await expect(ssm.send(new UpdateAssociationCommand({ AssociationId: one, Parameters: { release: ['good-1001'] } }))).rejects.toMatchObject({ name: 'AssociationVersionLimitExceeded' });
    await ssm.send(new DeleteAssociationCommand({ AssociationId: one }));
    await sm.settled();

    // berth's way (infra/components/release-channel.ts): each release is a new association, created before the old one is deleted.
    let previous: string | undefined;
    let succeeded = 0;
    for (let r = 1; r <= VERSION_LIMIT + 5; r++) {
      const id = await create(ssm, `good-r${r}`);
      if (previous) await ssm.send(new DeleteAssociationCommand({ AssociationId: previous }));
      const result = await waitForRelease(ssm, { associationId: id, timeoutS: 10, pollS: 0.01 });
      if (result.outcome === 'success' && result.version === '1') succeeded++;
      previous = id;
    }
    expect(succeeded).toBe(VERSION_LIMIT + 5);
  }, 120_000);
});

describe('npm run release:wait', () => {
  it('takes --association-id ID --region REGION --timeout SECONDS, honours AWS_ENDPOINT_URL_SSM, and exits 1 with the reason', async () => {
    const ssm = await world();
    sm.register(instance('i-0123456789abcdef0'));
    const id = await create(ssm, 'bad-1');
    const env = { ...process.env, ...sm.clientEnv(), BERTH_RELEASE_WAIT_POLL_S: '0.1' };
    const failed = await run(['npx', 'tsx', 'ops/release-wait.ts', '--association-id', id, '--region', sm.region, '--timeout', '20'], { env });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`${FAILED_PREFIX}img did not answer /healthz within 30 s`);
    const good = await create(ssm, 'good-2');
    const ok = await run(['npx', 'tsx', 'ops/release-wait.ts', '--association-id', good, '--region', sm.region, '--timeout', '20'], { env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('release ok: version 1 succeeded on 1 host(s)');
  }, 60_000);

  it("with no flags reads the selected stack's associationId and region outputs (pulumi stack output --json), and --stack NAME names another", async () => {
    const ssm = await world();
    sm.register(instance('i-0123456789abcdef0'));
    const id = await create(ssm, 'good-1');
    // The Pulumi CLI cannot run here: a stand-in on PATH that answers `pulumi stack output --json
    // [--stack NAME]` as the CLI does (a JSON object of the outputs; "no stack selected" on stderr
    // and exit 255 without one), and records how it was called.
    const bin = await mkdtemp(path.join(os.tmpdir(), 'berth-pulumi-'));
    try {
      const calls = path.join(bin, 'calls');
      const outputs = JSON.stringify({ associationId: id, region: sm.region, url: 'http://203.0.113.9', apiKey: '[secret]' });
      await writeFile(path.join(bin, 'pulumi'), [
        '#!/bin/sh',
        `printf '%s\\n' "$*" >> ${calls}`,
        '[ "$1 $2 $3" = "stack output --json" ] || { echo "pulumi stand-in: unexpected call: $*" >&2; exit 64; }',
        'if [ "$4" = "--stack" ] && [ "$5" != "prod" ]; then echo "error: no stack named \'$5\' found" >&2; exit 255; fi',
        `echo '${outputs}'`,
        '',
      ].join('\n'), { mode: 0o755 });
      const env = { ...process.env, ...sm.clientEnv(), BERTH_RELEASE_WAIT_POLL_S: '0.1', PATH: `${bin}:${process.env.PATH}` };
      const selected = await run(['npx', 'tsx', 'ops/release-wait.ts', '--timeout', '20'], { env });
      expect(selected.code, selected.stderr).toBe(0);
      expect(selected.stdout).toContain('release ok: version 1 succeeded on 1 host(s)');
      const named = await run(['npx', 'tsx', 'ops/release-wait.ts', '--stack', 'prod', '--timeout', '20'], { env });
      expect(named.code, named.stderr).toBe(0);
      const missing = await run(['npx', 'tsx', 'ops/release-wait.ts', '--stack', 'staging'], { env });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("could not read the stack's outputs (pulumi stack output: error: no stack named 'staging' found)");
      expect(missing.stderr).toContain('pass --association-id ID --region REGION');
      expect((await readFile(calls, 'utf8')).trim().split('\n')).toEqual(['stack output --json', 'stack output --json --stack prod', 'stack output --json --stack staging']);
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses bad arguments with what to pass instead', async () => {
    expect(() => parseWaitArgs(['--association-id', 'nope'])).toThrow(/--association-id must be an association id/);
    expect(() => parseWaitArgs(['--timeout', '-1'])).toThrow(/--timeout must be whole seconds/);
    expect(() => parseWaitArgs(['--region', 'us-east-1'])).toThrow(/--region goes with --association-id/);
    expect(() => parseWaitArgs(['--wait'])).toThrow(WaitUsageError);
    expect(() => targetFromOutputs('{"url":"x"}')).toThrow(/no associationId and region outputs/);
    expect(parseWaitArgs(['--association-id', '8dfe3659-4309-493a-8755-0123456789ab', '--region', 'eu-west-1', '--timeout', '60'])).toEqual({
      associationId: '8dfe3659-4309-493a-8755-0123456789ab',
      region: 'eu-west-1',
      timeoutS: 60,
    });
    const usage = await run(['npx', 'tsx', 'ops/release-wait.ts', '--timeout', 'soon']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--timeout must be whole seconds from 1 to 86400; got 'soon'");
  }, 30_000);
});
