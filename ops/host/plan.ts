// The day-2 commands on the deployed host, as data: `npm run host:<command>` reads the stack's
// outputs with the Pulumi CLI, checks the tools it needs, and runs AWS CLI commands through SSM
// (no SSH). ops/host.ts executes what this returns.
import type { Argv } from '../../infra/app/docker-commands.js';
import { STATUS_SEPARATOR, type SsmTarget, ssmExecArgv, ssmLogsArgv, ssmSessionArgv, ssmStatusArgv } from '../../infra/host/ssm-commands.js';
import { containerName } from '../../infra/app/spec.js';
import { DEFAULT_APP } from '../../infra/config/schema.js';

export const HOST_COMMANDS = ['logs', 'exec', 'status', 'shell', 'backup'] as const;
export type HostCommand = (typeof HOST_COMMANDS)[number];

export class HostUsageError extends Error {}

export interface HostArgs {
  readonly command: HostCommand;
  /** pulumi's --stack: another stack than the selected one. */
  readonly stack?: string;
}

export function parseHostArgs(argv: readonly string[]): HostArgs {
  const [command, ...rest] = argv;
  if (!command || !(HOST_COMMANDS as readonly string[]).includes(command)) {
    throw new HostUsageError(`host: ${command ? `unknown command '${command}'` : 'no command given'}; use one of ${HOST_COMMANDS.join(', ')}`);
  }
  let stack: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--stack' && rest[i + 1] && !rest[i + 1]!.startsWith('--')) {
      stack = rest[++i]!;
      if (!/^[\w.-]+(\/[\w.-]+){0,2}$/.test(stack)) throw new HostUsageError(`host: --stack must be a stack name such as dev or org/berth/prod; got '${stack}'`);
    } else if (rest[i] === '--stack') {
      throw new HostUsageError('host: --stack needs a stack name, such as dev or org/berth/prod');
    } else {
      throw new HostUsageError(`host: unknown option '${rest[i]}'; the only option is --stack NAME`);
    }
  }
  return { command: command as HostCommand, ...(stack ? { stack } : {}) };
}

/** A program the command needs, and what to tell a person who lacks it. */
export interface Tool {
  readonly argv: Argv;
  readonly missing: string;
}

const PULUMI: Tool = {
  argv: ['pulumi', 'version'],
  missing: 'host: the Pulumi CLI is not installed (or not on PATH); install it: https://www.pulumi.com/docs/iac/download-install/',
};
const AWS: Tool = {
  argv: ['aws', '--version'],
  missing: 'host: the AWS CLI is not installed (or not on PATH); install version 2: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html',
};
const SESSION_PLUGIN: Tool = {
  argv: ['session-manager-plugin', '--version'],
  missing:
    "host: the AWS CLI's Session Manager plugin is not installed; install it: https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html",
};

export function requiredTools(command: HostCommand): Tool[] {
  return command === 'status' || command === 'backup' ? [PULUMI, AWS] : [PULUMI, AWS, SESSION_PLUGIN];
}

export const stackOutputsArgv = (args: HostArgs): Argv => ['pulumi', 'stack', 'output', '--json', ...(args.stack ? ['--stack', args.stack] : [])];

/** Explains a failed `pulumi stack output`. */
export function stackOutputsProblem(args: HostArgs, stderr: string): string {
  const which = args.stack ? `stack '${args.stack}'` : 'the selected stack';
  return `host: could not read the outputs of ${which} (pulumi stack output failed: ${stderr.trim().split('\n').at(-1) ?? ''}); select a stack with pulumi stack select, or pass --stack NAME`;
}

/** Validates the outputs index.ts exports and takes what the commands need. */
export function parseStackOutputs(text: string): SsmTarget {
  let outputs: Record<string, unknown>;
  try {
    outputs = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new HostUsageError(`host: pulumi stack output --json did not print JSON: ${text.slice(0, 200)}`);
  }
  const instanceId = outputs.instanceId;
  const region = outputs.region;
  if (typeof instanceId !== 'string' || typeof region !== 'string') {
    const missing = [typeof instanceId !== 'string' && 'instanceId', typeof region !== 'string' && 'region'].filter(Boolean).join(' and ');
    throw new HostUsageError(`host: the stack has no ${missing} output; deploy it first with pulumi up`);
  }
  if (!/^i-[0-9a-f]{8,17}$/.test(instanceId)) throw new HostUsageError(`host: the stack's instanceId output is not an EC2 instance id: '${instanceId}'`);
  // index.ts exports the app's container name (berth:app.name); a stack last deployed before it
  // did runs the notes server under the default name.
  const container = outputs.container === undefined ? containerName(DEFAULT_APP) : outputs.container;
  if (typeof container !== 'string' || !/^berth-[a-z0-9-]+$/.test(container)) throw new HostUsageError(`host: the stack's container output is not a berth container name: '${String(container)}'`);
  return { instanceId, region, container };
}

/** Proves there are AWS credentials before a session is opened (a cheap call, any identity). */
export const credentialsArgv = (t: { readonly region: string }): Argv => ['aws', 'sts', 'get-caller-identity', '--region', t.region, '--output', 'text'];
export const CREDENTIALS_MISSING =
  'host: the AWS CLI has no usable credentials (aws sts get-caller-identity failed); run aws configure, or set AWS_PROFILE';

/** The interactive commands: one session each. */
export function sessionArgv(command: Exclude<HostCommand, 'status' | 'backup'>, t: SsmTarget): Argv {
  switch (command) {
    case 'logs':
      return ssmLogsArgv(t);
    case 'exec':
      return ssmExecArgv(t);
    case 'shell':
      return ssmSessionArgv(t);
  }
}

export const statusArgv = ssmStatusArgv;

/** Splits the status script's stdout into docker inspect's JSON and the deploy status line. */
export function splitStatusOutput(stdout: string): { inspect: string; deploy: string } {
  const at = stdout.indexOf(STATUS_SEPARATOR);
  if (at < 0) throw new HostUsageError(`host: the status command printed something unexpected: ${stdout.slice(0, 300)}`);
  return { inspect: stdout.slice(0, at).trim(), deploy: stdout.slice(at + STATUS_SEPARATOR.length).trim() };
}
