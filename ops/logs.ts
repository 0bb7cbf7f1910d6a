// npm run logs [-- --stack NAME --since 10m --no-follow --format short -- <aws logs tail options>]:
// follows a fleet's app logs, every host's, in the stack's CloudWatch Logs group with the AWS CLI
// v2's `aws logs tail`. Reads the stack's outputs with the Pulumi CLI, prints the command, then
// runs it. What runs is decided in logs/plan.ts; a single host's logs are npm run host:logs'.
import { shellLine } from '../infra/app/docker-commands.js';
import { LogsUsageError, awsCliProblem, logsTarget, parseLogsArgs, stackNameArgv, stackOutputsArgv, tailArgv } from './logs/plan.js';
import { runAttached, runSync } from './run.js';

class Stop extends Error {}

function capture(argv: readonly string[], problem: (stderr: string) => string): string {
  const result = runSync(argv);
  if (result.error || result.code !== 0) throw new Stop(problem(result.error ? String(result.error) : result.stderr));
  return result.stdout;
}

function main(): number {
  try {
    const args = parseLogsArgs(process.argv.slice(2));
    const version = runSync(['aws', '--version']);
    const problem = awsCliProblem(`${version.stdout}${version.stderr}`);
    if (problem) throw new Stop(problem);
    const which = args.stack ? `stack '${args.stack}'` : 'the selected stack';
    const pulumiFailed = (stderr: string) =>
      `logs: could not read ${which} with the Pulumi CLI (${stderr.trim().split('\n').at(-1) ?? ''}); select a stack with pulumi stack select, or pass --stack NAME`;
    const stack = args.stack ?? capture(stackNameArgv, pulumiFailed).trim();
    const target = logsTarget(capture(stackOutputsArgv(args), pulumiFailed), stack);
    const argv = tailArgv(target, args);
    process.stdout.write(`$ ${shellLine(argv)}\n`);
    return runAttached(argv).code ?? 1;
  } catch (err) {
    if (err instanceof LogsUsageError || err instanceof Stop) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

process.exitCode = main();
