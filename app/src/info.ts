// What the container sees of itself: the kernel's view through /proc and /sys/fs/cgroup. These are
// the limits `docker run --memory/--cpus/--pids-limit` set, read back from inside.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StoreInfo } from './store.js';

export interface CgroupLimits {
  readonly version: 1 | 2 | null;
  /** Bytes, or null when unlimited or unknown. */
  readonly memoryLimitBytes: number | null;
  /** CPUs the quota allows (quota / period), or null when unlimited or unknown. */
  readonly cpuQuota: { readonly quotaUs: number; readonly periodUs: number; readonly cpus: number } | null;
  readonly pidsLimit: number | null;
}

// cgroup v1 reports "no limit" as a huge number near 2^63 rounded down to the page size.
const V1_UNLIMITED = 2 ** 62;

/** Reads the limits of the cgroup this process is in, as mounted at `root` (v1 or v2). */
export function readCgroupLimits(root = '/sys/fs/cgroup'): CgroupLimits {
  const read = (file: string): string | undefined => {
    try {
      return readFileSync(path.join(root, file), 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  if (existsSync(path.join(root, 'cgroup.controllers'))) {
    return {
      version: 2,
      memoryLimitBytes: limit(read('memory.max')),
      cpuQuota: cpuQuota(read('cpu.max')?.split(/\s+/) ?? []),
      pidsLimit: limit(read('pids.max')),
    };
  }
  if (existsSync(path.join(root, 'memory')) || existsSync(path.join(root, 'cpu'))) {
    const memory = limit(read('memory/memory.limit_in_bytes'));
    return {
      version: 1,
      memoryLimitBytes: memory !== null && memory >= V1_UNLIMITED ? null : memory,
      cpuQuota: cpuQuota([read('cpu/cpu.cfs_quota_us') ?? '', read('cpu/cpu.cfs_period_us') ?? '']),
      pidsLimit: limit(read('pids/pids.max')),
    };
  }
  return { version: null, memoryLimitBytes: null, cpuQuota: null, pidsLimit: null };
}

function limit(raw: string | undefined): number | null {
  if (raw === undefined || !/^\d+$/.test(raw)) return null; // "max", missing, or unreadable
  return Number(raw);
}

function cpuQuota([quota, period]: string[]): CgroupLimits['cpuQuota'] {
  const quotaUs = limit(quota);
  const periodUs = limit(period);
  if (quotaUs === null || periodUs === null || periodUs === 0) return null;
  return { quotaUs, periodUs, cpus: Math.round((quotaUs / periodUs) * 1000) / 1000 };
}

export interface ContainerInfo {
  readonly hostname: string;
  readonly pid: number;
  readonly uid: number | null;
  readonly gid: number | null;
  readonly node: string;
  readonly cgroup: CgroupLimits;
  readonly dataDir: string;
  /** Which store holds the notes: the file store's directory, or PostgreSQL's host and database. */
  readonly store: StoreInfo;
  readonly version: string;
  readonly revision: string;
  readonly greeting: string;
}

export function containerInfo(
  app: Pick<ContainerInfo, 'dataDir' | 'store' | 'version' | 'revision' | 'greeting'>,
  cgroupRoot?: string,
): ContainerInfo {
  return {
    hostname: os.hostname(),
    pid: process.pid,
    uid: process.getuid?.() ?? null,
    gid: process.getgid?.() ?? null,
    node: process.version,
    cgroup: readCgroupLimits(cgroupRoot),
    dataDir: app.dataDir,
    store: app.store,
    version: app.version,
    revision: app.revision,
    greeting: app.greeting,
  };
}
