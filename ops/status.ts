// What `npm run local:status` and `npm run host:status` print: a few lines about one container,
// made from `docker inspect` output (and, on the host, the last deploy's status line). Pure.

/** The parts of `docker inspect` this reads. */
export interface Inspected {
  readonly Name: string;
  readonly Image: string;
  readonly RestartCount?: number;
  readonly State: {
    readonly Status: string;
    readonly StartedAt: string;
    readonly ExitCode?: number;
    readonly Health?: { readonly Status: string; readonly FailingStreak?: number } | null;
  };
  readonly Config: { readonly Image: string; readonly Labels?: Readonly<Record<string, string>> | null };
  readonly NetworkSettings?: { readonly Ports?: Readonly<Record<string, readonly { HostIp: string; HostPort: string }[] | null>> | null };
}

export class StatusError extends Error {}

/** Parses `docker inspect NAME` output: a JSON array with one container, or none. */
export function parseInspect(text: string, name: string): Inspected | undefined {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    throw new StatusError(`status: docker inspect ${name} did not print JSON: ${text.slice(0, 200)}`);
  }
  if (!Array.isArray(list)) throw new StatusError(`status: docker inspect ${name} printed ${typeof list}, not a list`);
  return list[0] as Inspected | undefined;
}

export function describeContainer(c: Inspected, now: Date): string[] {
  const health = c.State.Health ? `, ${c.State.Health.Status}` : '';
  const exited = c.State.Status === 'exited' ? ` (exit ${c.State.ExitCode ?? '?'})` : '';
  const release = c.Config.Labels?.['berth.release'];
  const ports = Object.entries(c.NetworkSettings?.Ports ?? {})
    .flatMap(([inside, bindings]) => (bindings ?? []).map((b) => `${b.HostIp || '0.0.0.0'}:${b.HostPort} → ${inside}`))
    .filter((line, i, all) => all.indexOf(line) === i);
  const lines = [
    `container  ${c.Name.replace(/^\//, '')}: ${c.State.Status}${health}${exited}`,
    `image      ${c.Config.Image}${release ? ` (release ${release})` : ''}`,
    `image id   ${c.Image}`,
  ];
  if (c.State.Status === 'running') lines.push(`started    ${c.State.StartedAt.replace(/\.\d+Z$/, 'Z')} (up ${uptime(new Date(c.State.StartedAt), now)})`);
  lines.push(`restarts   ${c.RestartCount ?? 0}`);
  if (ports.length > 0) lines.push(`ports      ${ports.join(', ')}`);
  return lines;
}

/** The host's last deploy, from its status file: `ok <release> <time> <image>` or `failed <release> <time>: why`. */
export function describeDeploy(line: string): string {
  const ok = /^ok (\S+) (\S+) (\S+)$/.exec(line.trim());
  if (ok) return `last deploy ok at ${ok[2]}: release ${ok[1]}`;
  const failed = /^failed (\S+) (\S+): (.*)$/.exec(line.trim());
  if (failed) return `last deploy FAILED at ${failed[2]}: release ${failed[1]}: ${failed[3]}`;
  return `last deploy: ${line.trim() || 'unknown'}`;
}

export function uptime(since: Date, now: Date): string {
  let s = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 1000));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}
