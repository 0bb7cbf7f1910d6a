import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readCgroupLimits } from '../../app/src/info.js';

const roots: string[] = [];
function fakeCgroup(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'berth-cgroup-'));
  roots.push(root);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), `${content}\n`);
  }
  return root;
}
afterEach(() => roots.splice(0).forEach((r) => rmSync(r, { recursive: true, force: true })));

describe('/api/info reads the limits docker sets from the cgroup filesystem', () => {
  it('reads cgroup v2 (unified) limits', () => {
    const root = fakeCgroup({
      'cgroup.controllers': 'cpu memory pids',
      'memory.max': '268435456',
      'cpu.max': '150000 100000',
      'pids.max': '100',
    });
    expect(readCgroupLimits(root)).toEqual({
      version: 2,
      memoryLimitBytes: 268435456,
      cpuQuota: { quotaUs: 150000, periodUs: 100000, cpus: 1.5 },
      pidsLimit: 100,
    });
  });

  it('reports no limit as null on cgroup v2', () => {
    const root = fakeCgroup({ 'cgroup.controllers': '', 'memory.max': 'max', 'cpu.max': 'max 100000', 'pids.max': 'max' });
    expect(readCgroupLimits(root)).toEqual({ version: 2, memoryLimitBytes: null, cpuQuota: null, pidsLimit: null });
  });

  it('reads cgroup v1 limits and treats the page-rounded 2^63 as unlimited', () => {
    const limited = fakeCgroup({
      'memory/memory.limit_in_bytes': '268435456',
      'cpu/cpu.cfs_quota_us': '50000',
      'cpu/cpu.cfs_period_us': '100000',
      'pids/pids.max': '100',
    });
    expect(readCgroupLimits(limited)).toEqual({
      version: 1,
      memoryLimitBytes: 268435456,
      cpuQuota: { quotaUs: 50000, periodUs: 100000, cpus: 0.5 },
      pidsLimit: 100,
    });
    const unlimited = fakeCgroup({
      'memory/memory.limit_in_bytes': '9223372036854771712',
      'cpu/cpu.cfs_quota_us': '-1',
      'cpu/cpu.cfs_period_us': '100000',
      'pids/pids.max': 'max',
    });
    expect(readCgroupLimits(unlimited)).toEqual({ version: 1, memoryLimitBytes: null, cpuQuota: null, pidsLimit: null });
  });

  it('says null rather than guessing where there is no cgroup filesystem', () => {
    expect(readCgroupLimits(fakeCgroup({}))).toEqual({ version: null, memoryLimitBytes: null, cpuQuota: null, pidsLimit: null });
  });
});
