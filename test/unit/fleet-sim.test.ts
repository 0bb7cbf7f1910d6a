// The fleet's pure parts and its stand-ins, without an engine: the target group's settings against
// AWS's ranges, the HAProxy config rendered from them, and State Manager's rate control over
// several tagged instances (MaxConcurrency, MaxErrors 0), as the rolling release relies on them.
import { CreateAssociationCommand, DescribeAssociationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import { TARGET_GROUP, detectionWindowS, targetGroupProblems } from '../../infra/aws/target-group.js';
import { renderHaproxyConfig } from '../../sim/haproxy.js';
import { type ManagedInstance, StateManager } from '../../sim/state-manager.js';

describe('the target group', () => {
  it("is within AWS's ranges, and takes a lost host out within two checks", () => {
    expect(targetGroupProblems(TARGET_GROUP)).toEqual([]);
    expect(detectionWindowS()).toBe(TARGET_GROUP.healthCheck.unhealthyThreshold * TARGET_GROUP.healthCheck.intervalS);
  });

  it('names each setting AWS would refuse', () => {
    const bad = { ...TARGET_GROUP, healthCheck: { ...TARGET_GROUP.healthCheck, intervalS: 4, healthyThreshold: 1, timeoutS: 4 }, deregistrationDelayS: 3601 };
    expect(targetGroupProblems(bad)).toEqual([
      'healthCheck.intervalS: must be a whole number from 5 to 300; got 4',
      'healthCheck.healthyThreshold: must be a whole number from 2 to 10; got 1',
      'deregistrationDelayS: must be a whole number from 0 to 3600; got 3601',
      'healthCheck.timeoutS: must be less than healthCheck.intervalS (4); got 4',
    ]);
  });
});

describe("HAProxy as the fleet's load balancer", () => {
  const config = renderHaproxyConfig({ listenPort: 18080, adminSocket: '/tmp/x/admin.sock', healthPath: '/healthz' });
  const lines = config.split('\n').map((l) => l.trim());

  it("checks each target's health path, balances round robin, and never retries elsewhere (as an ALB does not)", () => {
    expect(lines).toContain('option httpchk');
    expect(lines.find((l) => l.startsWith('http-check send'))).toMatch(/^http-check send meth GET uri \/healthz /);
    expect(lines).toContain(`http-check expect status ${TARGET_GROUP.healthCheck.matcher}`);
    expect(lines).toContain(`timeout check ${TARGET_GROUP.healthCheck.timeoutS}s`);
    expect(lines).toContain('balance roundrobin');
    expect(lines).toContain('retries 0');
    expect(lines.some((l) => l.includes('redispatch'))).toBe(false);
    expect(lines).toContain('bind 127.0.0.1:18080');
  });

  it('refuses a health path without a leading slash and settings AWS would refuse', () => {
    expect(() => renderHaproxyConfig({ listenPort: 1, adminSocket: '/s', healthPath: 'healthz' })).toThrow('healthPath must start with /; got "healthz"');
    const tg = { ...TARGET_GROUP, healthCheck: { ...TARGET_GROUP.healthCheck, timeoutS: 10 } };
    expect(() => renderHaproxyConfig({ listenPort: 1, adminSocket: '/s', healthPath: '/healthz', targetGroup: tg })).toThrow(/healthCheck.timeoutS: must be less than/);
  });
});

describe("State Manager's rate control over a fleet targeted by tag", () => {
  let sm: StateManager;
  afterEach(async () => sm?.close());
  const DOC = 'berth-deploy';

  async function fleet(ids: string[], fails: (id: string) => boolean) {
    sm = await new StateManager().start();
    sm.putDocument(DOC, JSON.stringify({ schemaVersion: '2.2', parameters: { manifest: { type: 'String' } }, mainSteps: [] }));
    let running = 0;
    const trace = { maxRunning: 0, started: [] as string[] };
    for (const id of ids) {
      const inst: ManagedInstance = {
        instanceId: id,
        tags: { 'berth:fleet': 'dev' },
        pingStatus: 'Online',
        run: async () => {
          trace.started.push(id);
          trace.maxRunning = Math.max(trace.maxRunning, ++running);
          await new Promise((r) => setTimeout(r, 30));
          running--;
          return fails(id) ? { status: 'Failed', stdout: '', stderr: 'berth: FAILED: no\n' } : { status: 'Success', stdout: 'berth: OK: yes\n', stderr: '' };
        },
      };
      sm.register(inst);
    }
    const ssm = new SSMClient({ region: sm.region, endpoint: sm.endpoint, credentials: { accessKeyId: 'AKIASIM', secretAccessKey: 'sim' } });
    const roll = async (maxConcurrency: string, maxErrors: string) => {
      const created = await ssm.send(new CreateAssociationCommand({
        Name: DOC, Targets: [{ Key: 'tag:berth:fleet', Values: ['dev'] }], Parameters: { manifest: ['m'] }, MaxConcurrency: maxConcurrency, MaxErrors: maxErrors,
      }));
      await sm.settled();
      return (await ssm.send(new DescribeAssociationCommand({ AssociationId: created.AssociationDescription!.AssociationId! }))).AssociationDescription!;
    };
    return { trace, roll };
  }
  const ids = ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2', 'i-0aaaaaaaaaaaaaaa3', 'i-0aaaaaaaaaaaaaaa4'];

  it('runs on at most MaxConcurrency hosts at once, every host in the end', async () => {
    const { trace, roll } = await fleet(ids, () => false);
    const a = await roll('2', '0');
    expect(trace.maxRunning).toBe(2);
    expect(trace.started.sort()).toEqual(ids);
    expect(a.Overview).toMatchObject({ Status: 'Success', AssociationStatusAggregatedCount: { Success: 4 } });
  });

  it('with MaxErrors 0 and MaxConcurrency 1, starts no host after the first failure; the status says so', async () => {
    const { trace, roll } = await fleet(ids, (id) => id === ids[1]);
    const a = await roll('1', '0');
    expect(trace.started).toEqual(ids.slice(0, 2));
    expect(a.Overview).toMatchObject({ Status: 'Failed', AssociationStatusAggregatedCount: { Success: 1, Failed: 1, Skipped: 2 } });
    expect(a.Overview!.DetailedStatus).toBe('Failed: MaxErrors 0 reached; 2 of 4 targets not run');
  });

  it('lets the runs already started finish after the threshold (MaxConcurrency 2), and starts none after', async () => {
    const { trace, roll } = await fleet(ids, (id) => id === ids[0]);
    const a = await roll('2', '0');
    expect(trace.started).toEqual(ids.slice(0, 2));
    expect(a.Overview).toMatchObject({ AssociationStatusAggregatedCount: { Failed: 1, Success: 1, Skipped: 2 } });
  });

  it('no longer targets a terminated (deregistered) instance', async () => {
    const { trace, roll } = await fleet(ids, () => false);
    sm.deregister(ids[2]!);
    await roll('1', '0');
    expect(trace.started).toEqual([ids[0], ids[1], ids[3]]);
  });
});
