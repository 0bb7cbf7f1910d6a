// Day-2 commands on the host, as data: ready-to-paste AWS CLI lines that open a shell, follow the
// app's logs, or exec into its container through SSM Session Manager (no SSH, no open port 22).
// They need the AWS CLI and its Session Manager plugin on the operator's machine.
import { type Argv, dockerExec, dockerLogs, shellLine, shellQuote } from './docker-commands.js';

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

function session(target: SsmTarget, command?: Argv): string {
  const base = ['aws', 'ssm', 'start-session', '--region', target.region, '--target', target.instanceId];
  if (!command) return shellLine(base);
  // AWS-StartInteractiveCommand runs one command in a session; it runs as ssm-user, hence sudo.
  // The parameters as JSON, the form the AWS CLI parses without shorthand ambiguity.
  const parameters = JSON.stringify({ command: [`sudo ${shellLine(command)}`] });
  return `${shellLine([...base, '--document-name', 'AWS-StartInteractiveCommand', '--parameters'])} ${shellQuote(parameters)}`;
}

export function ssmCommands(target: SsmTarget): SsmCommands {
  return {
    shell: session(target),
    logs: session(target, dockerLogs(target.container, { follow: true, tail: 100 })),
    exec: session(target, dockerExec(target.container)),
  };
}
