// npm run host:<logs|exec|status|shell|backup> [-- --stack NAME]: act on the deployed host through SSM
// (backup: an EBS snapshot of its data volume, host/backup.ts).
// Reads the stack outputs with the Pulumi CLI, checks for the AWS CLI (and its Session Manager
// plugin) and credentials, prints each command, then runs it. What runs is built in host/plan.ts.
import { shellLine } from '../infra/app/docker-commands.js';
import {
  CREDENTIALS_MISSING,
  HostUsageError,
  credentialsArgv,
  parseHostArgs,
  parseStackOutputs,
  requiredTools,
  sessionArgv,
  splitStatusOutput,
  stackOutputsArgv,
  stackOutputsProblem,
  statusArgv,
} from './host/plan.js';
import { parseBackupTarget, snapshotArgv } from './host/backup.js';
import { StatusError, describeContainer, describeDeploy, parseInspect } from './status.js';
import { runAttached, runSync } from './run.js';

class Stop extends Error {}

function capture(argv: readonly string[], problem?: (stderr: string) => string): string {
  const result = runSync(argv);
  if (result.error || result.code !== 0) {
    throw new Stop(problem ? problem(result.error ? String(result.error) : result.stderr) : `host: ${shellLine(argv)} failed: ${(result.stderr || String(result.error)).trim()}`);
  }
  return result.stdout;
}

function main(): number {
  try {
    const args = parseHostArgs(process.argv.slice(2));
    for (const tool of requiredTools(args.command)) {
      if (runAttached(tool.argv, { stdio: 'ignore' }).error) throw new Stop(tool.missing);
    }
    const outputs = capture(stackOutputsArgv(args), (stderr) => stackOutputsProblem(args, stderr));
    if (args.command === 'backup') {
      const volume = parseBackupTarget(outputs);
      capture(credentialsArgv(volume), () => CREDENTIALS_MISSING);
      const argv = snapshotArgv(volume, new Date());
      process.stdout.write(`$ ${shellLine(argv)}\n`);
      const snapshotId = capture(argv).trim();
      process.stdout.write(`snapshot   ${snapshotId} of ${volume.volumeId} (pending until EBS completes it; restore with: pulumi config set berth:restoreSnapshotId ${snapshotId})\n`);
      return 0;
    }
    const target = parseStackOutputs(outputs);
    capture(credentialsArgv(target), () => CREDENTIALS_MISSING);

    if (args.command !== 'status') {
      const argv = sessionArgv(args.command, target);
      process.stdout.write(`$ ${shellLine(argv)}\n`);
      return runAttached(argv).code ?? 1;
    }
    const steps = statusArgv(target);
    process.stdout.write(`$ ${shellLine(steps.send)}\n`);
    const commandId = capture(steps.send).trim();
    capture(steps.wait(commandId));
    const { inspect, deploy } = splitStatusOutput(capture(steps.fetch(commandId)));
    const container = parseInspect(inspect, target.container);
    const lines = container ? describeContainer(container, new Date()) : [`container  ${target.container}: not found on ${target.instanceId}`];
    process.stdout.write(`${[`host       ${target.instanceId} (${target.region})`, ...lines, describeDeploy(deploy)].join('\n')}\n`);
    return 0;
  } catch (err) {
    if (err instanceof HostUsageError || err instanceof Stop || err instanceof StatusError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

process.exitCode = main();
