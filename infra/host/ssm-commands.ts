// Day-2 commands on the host, as data: AWS CLI argv that opens a shell, follows the app's logs,
// execs into its container, or collects its status through SSM (no SSH, no open port 22). The
// stack exports the first three as ready-to-paste lines; `npm run host:*` runs them. The
// interactive ones need the AWS CLI and its Session Manager plugin on the operator's machine.
import { type Argv, dockerExec, dockerLogs, shellLine, shellQuote } from '../app/docker-commands.js';
import { HOST_LAYOUT } from '../release/release.js';

export interface SsmTarget {
  readonly instanceId: string;
  readonly region: string;
  readonly container: string;
}

export interface SsmCommands {
  readonly shell: string;
  readonly logs: string;
  readonly exec: string;
}

/** A Session Manager session: a shell, or one command run in a terminal (as ssm-user, hence sudo). */
export function ssmSessionArgv(target: SsmTarget, command?: Argv): Argv {
  const base = ['aws', 'ssm', 'start-session', '--region', target.region, '--target', target.instanceId];
  if (!command) return base;
  // The parameters as JSON, the form the AWS CLI parses without shorthand ambiguity.
  const parameters = JSON.stringify({ command: [`sudo ${shellLine(command)}`] });
  return [...base, '--document-name', 'AWS-StartInteractiveCommand', '--parameters', parameters];
}

export const ssmLogsArgv = (t: SsmTarget) => ssmSessionArgv(t, dockerLogs(t.container, { follow: true, tail: 100 }));
export const ssmExecArgv = (t: SsmTarget) => ssmSessionArgv(t, dockerExec(t.container));

export function ssmCommands(target: SsmTarget): SsmCommands {
  return {
    shell: shellLine(ssmSessionArgv(target)),
    logs: shellLine(ssmLogsArgv(target)),
    exec: shellLine(ssmExecArgv(target)),
  };
}

/**
 * The fields of `docker inspect` that status reads, and no others: Run Command keeps a command's
 * output in SSM's history, and the full inspect would put Config.Env there, secret env included.
 */
export const STATUS_INSPECT_FORMAT =
  '{"Name":{{json .Name}},"Image":{{json .Image}},"RestartCount":{{json .RestartCount}},' +
  '"State":{"Status":{{json .State.Status}},"StartedAt":{{json .State.StartedAt}},"ExitCode":{{json .State.ExitCode}},' +
  '"Health":{{if .State.Health}}{"Status":{{json .State.Health.Status}},"FailingStreak":{{json .State.Health.FailingStreak}}}{{else}}null{{end}}},' +
  '"Config":{"Image":{{json .Config.Image}},"Labels":{{json .Config.Labels}}},' +
  '"NetworkSettings":{"Ports":{{json .NetworkSettings.Ports}}}}';

/** What the status command runs on the host (as root, by Run Command): the container, then the last deploy. */
export const STATUS_SEPARATOR = '--- berth status ---';
export const hostStatusScript = (container: string): string[] => [
  // A JSON list like docker inspect's: [] when the container is missing (which must not fail the command).
  `echo "[$(docker inspect --format ${shellQuote(STATUS_INSPECT_FORMAT)} ${container} 2>/dev/null)]"`,
  `echo '${STATUS_SEPARATOR}'`,
  `cat ${HOST_LAYOUT.statusFile} 2>/dev/null || echo 'no deploy has finished yet'`,
];

/**
 * Status without a terminal: Run Command sends the script, a waiter waits for it, and the
 * invocation's stdout is the answer. `commandId` comes from the first step's output.
 */
export function ssmStatusArgv(target: SsmTarget) {
  const where = ['--region', target.region];
  return {
    send: [
      'aws', 'ssm', 'send-command', ...where,
      '--instance-ids', target.instanceId,
      '--document-name', 'AWS-RunShellScript',
      '--comment', 'berth status',
      '--parameters', JSON.stringify({ commands: hostStatusScript(target.container) }),
      '--query', 'Command.CommandId', '--output', 'text',
    ] as Argv,
    wait: (commandId: string): Argv => [
      'aws', 'ssm', 'wait', 'command-executed', ...where, '--command-id', commandId, '--instance-id', target.instanceId,
    ],
    fetch: (commandId: string): Argv => [
      'aws', 'ssm', 'get-command-invocation', ...where, '--command-id', commandId, '--instance-id', target.instanceId,
      '--query', 'StandardOutputContent', '--output', 'text',
    ],
  };
}
