// `npm run logs` as data: follow a fleet's app logs across its hosts with the AWS CLI's
// `aws logs tail` on the stack's CloudWatch Logs group. The group's name comes from the function
// the Fleet component names it with (infra/aws/names.ts, fleetLogGroupName), so the two agree.
// The AWS CLI v2's `logs tail` (awscli/customizations/logs/tail.py) polls FilterLogEvents; each
// line it prints starts with the time and, in the short format, the stream: here
// <host name>/<container> (infra/app/docker-commands.ts, awslogsPolicy). Read: aws/aws-cli v2,
// awscli/customizations/logs/tail.py (FilterLogEvents with logGroupName, interleaved, startTime
// and filterPattern; --follow polls it every 5 s from the newest timestamp, skipping event ids
// already shown), and the option list of 2.9.19's, the AWS CLI of Debian bookworm.
import type { Argv } from '../../infra/app/docker-commands.js';
import { PROJECT, fleetLogGroupName } from '../../infra/aws/names.js';

export class LogsUsageError extends Error {}

/** `aws logs tail --format`: detailed (time, stream, message), short (time, message) or json, the
 * choices of tail.py in the AWS CLI 2.9.19 Debian packages (read in berth-sim-host's awscli). */
export const TAIL_FORMATS = ['detailed', 'short', 'json'] as const;
export type TailFormat = (typeof TAIL_FORMATS)[number];

export interface LogsArgs {
  /** pulumi's --stack: another stack than the selected one. */
  readonly stack?: string;
  /** How far back to start, as `aws logs tail --since` takes it (10m, 2h, 1d, or a timestamp). */
  readonly since: string;
  readonly follow: boolean;
  readonly format: TailFormat;
  /** What follows `--`: more `aws logs tail` options, checked against PASSTHROUGH. */
  readonly extra: readonly string[];
}

/** Detailed by default: its stream name says which host and container a line is from. */
export const LOGS_DEFAULTS = { since: '10m', follow: true, format: 'detailed' } as const;

/** The `aws logs tail` options that may follow `--`, and whether each takes a value. The group,
 * region, --since, --follow and --format are npm run logs' own. */
export const PASSTHROUGH: Readonly<Record<string, 'value' | 'values' | 'flag'>> = {
  '--filter-pattern': 'value',
  '--log-stream-names': 'values',
  '--log-stream-name-prefix': 'value',
  '--profile': 'value',
};

const USAGE = 'usage: npm run logs [-- --stack NAME] [--since 10m|2h|1d|<ISO time>] [--no-follow] [--format detailed|short|json] [-- <aws logs tail options>]';
const SINCE = /^(\d+[smhdw]|\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})?)?)$/;
const STACK = /^[\w.-]+(\/[\w.-]+){0,2}$/;

/** Reads `npm run logs` arguments; a bad one is a LogsUsageError naming it and the fix. */
export function parseLogsArgs(argv: readonly string[]): LogsArgs {
  let stack: string | undefined;
  let since: string = LOGS_DEFAULTS.since;
  let follow: boolean = LOGS_DEFAULTS.follow;
  let format: TailFormat = LOGS_DEFAULTS.format;
  const dash = argv.indexOf('--');
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const extra = dash < 0 ? [] : argv.slice(dash + 1);
  const value = (i: number, what: string) => {
    const v = own[i + 1];
    if (v === undefined || v.startsWith('--')) throw new LogsUsageError(`logs: ${own[i]} needs ${what}\n${USAGE}`);
    return v;
  };
  for (let i = 0; i < own.length; i++) {
    const arg = own[i]!;
    if (arg === '--stack') {
      stack = value(i++, 'a stack name, such as dev or org/berth/prod');
      if (!STACK.test(stack)) throw new LogsUsageError(`logs: --stack must be a stack name such as dev or org/berth/prod; got '${stack}'`);
    } else if (arg === '--since') {
      since = value(i++, 'a time, such as 10m, 2h, 1d or 2026-01-31T12:00:00Z');
      if (!SINCE.test(since)) throw new LogsUsageError(`logs: --since must be a duration such as 10m, 2h or 1d, or a time such as 2026-01-31T12:00:00Z; got '${since}'`);
    } else if (arg === '--no-follow') {
      follow = false;
    } else if (arg === '--format') {
      const f = value(i++, `one of ${TAIL_FORMATS.join(', ')}`);
      if (!(TAIL_FORMATS as readonly string[]).includes(f)) throw new LogsUsageError(`logs: --format must be one of ${TAIL_FORMATS.join(', ')}; got '${f}'`);
      format = f as TailFormat;
    } else {
      throw new LogsUsageError(`logs: unknown option '${arg}'; the options are --stack, --since, --no-follow and --format, and aws logs tail options go after --\n${USAGE}`);
    }
  }
  checkPassthrough(extra);
  return { ...(stack ? { stack } : {}), since, follow, format, extra };
}

function checkPassthrough(extra: readonly string[]): void {
  const allowed = Object.keys(PASSTHROUGH).join(', ');
  for (let i = 0; i < extra.length; i++) {
    const arg = extra[i]!;
    const kind = PASSTHROUGH[arg];
    if (kind === undefined) {
      const own = ['--since', '--follow', '--no-follow', '--format', '--region', '--stack'].includes(arg);
      throw new LogsUsageError(own
        ? `logs: ${arg} after -- is set by npm run logs itself; give it before the -- (${USAGE.replace('usage: ', '')})`
        : `logs: '${arg}' after -- is not an aws logs tail option npm run logs passes on; use ${allowed}`);
    }
    if (kind === 'flag') continue;
    const first = extra[i + 1];
    if (first === undefined || first.startsWith('--')) throw new LogsUsageError(`logs: ${arg} after -- needs a value`);
    i++;
    if (kind === 'values') while (extra[i + 1] !== undefined && !extra[i + 1]!.startsWith('--')) i++;
  }
}

/** The stack's short name, as Pulumi's getStack() gives it to the program: the last part of org/project/stack. */
export const shortStack = (stack: string) => stack.split('/').at(-1)!;

/** Where the logs are: the region the stack outputs and the group fleet mode names. */
export interface LogsTarget {
  readonly group: string;
  readonly region: string;
}

export const stackOutputsArgv = (args: Pick<LogsArgs, 'stack'>): Argv => ['pulumi', 'stack', 'output', '--json', ...(args.stack ? ['--stack', args.stack] : [])];
export const stackNameArgv: Argv = ['pulumi', 'stack', '--show-name'];

/**
 * Decides from the stack's outputs (index.ts) where its logs are. A single host (an instanceId
 * output) keeps them on the host, in json-file: npm run host:logs reads them there.
 */
export function logsTarget(outputsJson: string, stack: string): LogsTarget {
  let outputs: Record<string, unknown>;
  try {
    outputs = JSON.parse(outputsJson) as Record<string, unknown>;
  } catch {
    throw new LogsUsageError(`logs: pulumi stack output --json did not print JSON: ${outputsJson.slice(0, 200)}`);
  }
  if (typeof outputs.instanceId === 'string') {
    throw new LogsUsageError(`logs: stack '${stack}' is a single host, whose app logs stay on the host (json-file); read them with npm run host:logs${stack ? ` -- --stack ${stack}` : ''}`);
  }
  if (typeof outputs.region !== 'string' || typeof outputs.groupName !== 'string') {
    throw new LogsUsageError(`logs: stack '${stack}' has no fleet outputs (region, groupName); deploy it in fleet mode first (berth:fleet, then pulumi up)`);
  }
  const group = fleetLogGroupName(PROJECT, shortStack(stack));
  if (typeof outputs.logGroupName === 'string' && outputs.logGroupName !== group) {
    throw new LogsUsageError(`logs: stack '${stack}' outputs log group ${outputs.logGroupName}, not ${group} as this berth names it; run pulumi up with this berth first`);
  }
  return { group, region: outputs.region };
}

/** The `aws logs tail` command line that follows the stack's group. */
export function tailArgv(target: LogsTarget, args: Omit<LogsArgs, 'stack'>): Argv {
  return [
    'aws', 'logs', 'tail', target.group,
    '--region', target.region,
    '--since', args.since,
    '--format', args.format,
    ...(args.follow ? ['--follow'] : []),
    ...args.extra,
  ];
}

export const AWS_CLI_MISSING = 'logs: the AWS CLI is not installed (or not on PATH); install version 2, which has `aws logs tail`: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html';

/** `aws logs tail` is the AWS CLI v2's; v1 has no such command. */
export function awsCliProblem(versionOutput: string): string | undefined {
  const m = /aws-cli\/(\d+)\./.exec(versionOutput);
  if (!m) return AWS_CLI_MISSING;
  return Number(m[1]) >= 2 ? undefined : `logs: aws logs tail needs the AWS CLI version 2; this is ${versionOutput.trim().split(' ')[0]}: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html`;
}
