// The release waiter: did the association's *current version* run successfully on every host it
// targets? This is what `pulumi up` runs after each release (infra/release/gate.ts) and what
// `npm run release:wait` runs by hand. It never reads the association's Overview.Status: right
// after UpdateAssociation that still shows the previous run's result, and the agent can take
// minutes to pick a new version up. What it trusts instead, in AWS's own terms (SSM API reference):
//   DescribeAssociation                  -> AssociationVersion, the version to wait for, and Targets
//   DescribeInstanceInformation          -> each targeted instance's agent PingStatus (Online)
//   DescribeAssociationExecutions        -> the execution of that version (AssociationVersion)
//   DescribeAssociationExecutionTargets  -> its result per host; OutputSource.OutputSourceId is the
//                                           Run Command id of that host's run
//   GetCommandInvocation                 -> that run's output (StandardOutputContent: the first
//                                           24,000 characters; StandardErrorContent: the first 8,000)
import {
  type AssociationExecution,
  type AssociationExecutionTarget,
  DescribeAssociationCommand,
  DescribeAssociationExecutionTargetsCommand,
  DescribeAssociationExecutionsCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { FAILED_PREFIX, OK_PREFIX } from '../host/status-lines.js';

/** Statuses after which nothing changes any more (an execution's and a target's). */
const RUNNING = new Set(['Pending', 'InProgress', 'Waiting', 'Delayed']);

export interface HostOutcome {
  readonly instanceId: string;
  readonly status: string;
  /** The host's own reason: its `berth: FAILED:` line, else the last line it printed, else SSM's DetailedStatus. */
  readonly reason?: string;
  /** The `berth: OK:` line of a host that succeeded. */
  readonly ok?: string;
  /** The last lines of the host's output, as GetCommandInvocation returns it. */
  readonly tail: readonly string[];
}

export type WaitResult =
  | { readonly outcome: 'success'; readonly version: string; readonly hosts: readonly HostOutcome[]; readonly elapsedS: number }
  | { readonly outcome: 'failed'; readonly version: string; readonly hosts: readonly HostOutcome[]; readonly elapsedS: number }
  | { readonly outcome: 'timeout'; readonly version: string; readonly waitingFor: readonly string[]; readonly elapsedS: number };

export interface WaitOptions {
  readonly associationId: string;
  readonly timeoutS: number;
  /** Seconds between polls. */
  readonly pollS?: number;
  /** One progress line, as it happens. */
  readonly log?: (line: string) => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class WaitError extends Error {
  override name = 'WaitError';
}

const TAIL_LINES = 8;

export async function waitForRelease(ssm: SSMClient, options: WaitOptions): Promise<WaitResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = options.log ?? (() => undefined);
  const pollMs = (options.pollS ?? 5) * 1000;
  const started = now();
  const deadline = started + options.timeoutS * 1000;
  const elapsedS = () => Math.round((now() - started) / 100) / 10;
  const { associationId } = options;

  const description = await ssm.send(new DescribeAssociationCommand({ AssociationId: associationId })).catch((err: Error) => {
    if (err.name === 'AssociationDoesNotExist') throw new WaitError(`association ${associationId} does not exist in this region; pass the stack's associationId output and its region`);
    throw err;
  });
  const association = description.AssociationDescription;
  const version = association?.AssociationVersion;
  if (!version) throw new WaitError(`DescribeAssociation returned no AssociationVersion for ${associationId}`);
  log(`association ${associationId}: waiting for version ${version} (${association.AssociationName ?? association.Name ?? ''})`);

  // Targets by instance id: each agent must be Online before State Manager can reach it.
  const instanceIds = (association.Targets ?? []).filter((t) => t.Key === 'InstanceIds').flatMap((t) => t.Values ?? []);
  const seen = new Map<string, string>();
  const report = (key: string, line: string) => {
    if (seen.get(key) === line) return;
    seen.set(key, line);
    log(line);
  };
  while (instanceIds.length > 0) {
    const info = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: instanceIds }] }));
    const ping = new Map((info.InstanceInformationList ?? []).map((i) => [i.InstanceId!, i.PingStatus ?? 'unknown']));
    const notOnline = instanceIds.filter((id) => ping.get(id) !== 'Online');
    for (const id of instanceIds) report(`agent:${id}`, `${id}: SSM agent ${ping.get(id) ?? 'not registered yet'}`);
    if (notOnline.length === 0) break;
    if (now() >= deadline) {
      return { outcome: 'timeout', version, elapsedS: elapsedS(), waitingFor: notOnline.map((id) => `${id}: its SSM agent is ${ping.get(id) ?? 'not registered'} (not Online)`) };
    }
    await sleep(pollMs);
  }

  for (;;) {
    const execution = await executionOf(ssm, associationId, version);
    if (!execution) {
      report('execution', `version ${version}: not run yet (State Manager runs it when the agent picks it up)`);
      if (now() >= deadline) {
        return { outcome: 'timeout', version, elapsedS: elapsedS(), waitingFor: [`version ${version} of association ${associationId} to start: State Manager has not run it on any host`] };
      }
      await sleep(pollMs);
      continue;
    }
    const targets = await targetsOf(ssm, associationId, execution.ExecutionId!);
    for (const t of targets) report(`target:${t.ResourceId}`, `${t.ResourceId}: ${t.Status}${t.DetailedStatus && t.DetailedStatus !== t.Status ? ` (${t.DetailedStatus})` : ''}`);
    const done = !RUNNING.has(execution.Status ?? 'Pending') && targets.every((t) => !RUNNING.has(t.Status ?? 'Pending'));
    if (done) {
      if (targets.length === 0) {
        return { outcome: 'failed', version, elapsedS: elapsedS(), hosts: [{ instanceId: '(none)', status: execution.Status ?? 'unknown', reason: `version ${version} ran on no host: check the association's targets`, tail: [] }] };
      }
      const hosts = await Promise.all(targets.map((t) => outcomeOf(ssm, t)));
      const ok = hosts.every((h) => h.status === 'Success');
      return { outcome: ok ? 'success' : 'failed', version, hosts, elapsedS: elapsedS() };
    }
    if (now() >= deadline) {
      const waitingFor = targets.filter((t) => RUNNING.has(t.Status ?? 'Pending')).map((t) => `${t.ResourceId}: ${t.Status}`);
      return { outcome: 'timeout', version, elapsedS: elapsedS(), waitingFor: waitingFor.length > 0 ? waitingFor : [`execution ${execution.ExecutionId} of version ${version}: ${execution.Status}`] };
    }
    await sleep(pollMs);
  }
}

/** The newest execution of that version, if State Manager has started one. */
async function executionOf(ssm: SSMClient, associationId: string, version: string): Promise<AssociationExecution | undefined> {
  let token: string | undefined;
  const matching: AssociationExecution[] = [];
  do {
    const page = await ssm.send(new DescribeAssociationExecutionsCommand({ AssociationId: associationId, NextToken: token, MaxResults: 50 }));
    matching.push(...(page.AssociationExecutions ?? []).filter((e) => e.AssociationVersion === version));
    token = page.NextToken;
    // Executions come newest first: once one of this version is found, older pages hold older runs.
  } while (token && matching.length === 0);
  return matching.sort((a, b) => (b.CreatedTime?.getTime() ?? 0) - (a.CreatedTime?.getTime() ?? 0))[0];
}

async function targetsOf(ssm: SSMClient, associationId: string, executionId: string): Promise<AssociationExecutionTarget[]> {
  const all: AssociationExecutionTarget[] = [];
  let token: string | undefined;
  do {
    const page = await ssm.send(new DescribeAssociationExecutionTargetsCommand({ AssociationId: associationId, ExecutionId: executionId, NextToken: token }));
    all.push(...(page.AssociationExecutionTargets ?? []));
    token = page.NextToken;
  } while (token);
  return all;
}

const lines = (text: string | undefined) => (text ?? '').split('\n').map((l) => l.trimEnd()).filter((l) => l.length > 0);

async function outcomeOf(ssm: SSMClient, target: AssociationExecutionTarget): Promise<HostOutcome> {
  const instanceId = target.ResourceId ?? '(unknown)';
  const status = target.Status ?? 'unknown';
  const commandId = target.OutputSource?.OutputSourceType === 'RunCommand' ? target.OutputSource.OutputSourceId : undefined;
  let stdout: string[] = [];
  let stderr: string[] = [];
  if (commandId) {
    const invocation = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId })).catch(() => undefined);
    stdout = lines(invocation?.StandardOutputContent);
    stderr = lines(invocation?.StandardErrorContent);
  }
  const tail = [...stdout, ...stderr].slice(-TAIL_LINES);
  if (status === 'Success') {
    const ok = [...stdout].reverse().find((l) => l.startsWith(OK_PREFIX));
    return { instanceId, status, tail, ...(ok ? { ok } : {}) };
  }
  const reason = [...stderr, ...stdout].reverse().find((l) => l.startsWith(FAILED_PREFIX)) ?? stderr.at(-1) ?? target.DetailedStatus ?? status;
  return { instanceId, status, reason, tail };
}

/** What the CLI prints at the end, and its exit code: 0 only for success on every host. */
export function summarize(result: WaitResult): { lines: string[]; exitCode: number } {
  if (result.outcome === 'success') {
    return {
      exitCode: 0,
      lines: [`release ok: version ${result.version} succeeded on ${result.hosts.length} host(s) in ${result.elapsedS} s`, ...result.hosts.map((h) => `  ${h.instanceId}: ${h.ok ?? h.status}`)],
    };
  }
  if (result.outcome === 'timeout') {
    return { exitCode: 3, lines: [`release wait timed out after ${result.elapsedS} s (version ${result.version}); still waiting for:`, ...result.waitingFor.map((w) => `  ${w}`)] };
  }
  const failed = result.hosts.filter((h) => h.status !== 'Success');
  return {
    exitCode: 1,
    lines: [
      `release FAILED: version ${result.version} failed on ${failed.length} of ${result.hosts.length} host(s)`,
      ...failed.flatMap((h) => [`  ${h.instanceId}: ${h.status}: ${h.reason ?? ''}`, ...h.tail.map((l) => `    | ${l}`)]),
    ],
  };
}
