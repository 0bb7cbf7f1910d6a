// npm run release:wait [-- --association-id ID --region REGION --timeout SECONDS | --stack NAME]
// Waits until the release association's current version has run on every host it targets; exits 0
// only if every host succeeded, 1 with each failed host's reason, 3 at the timeout with what it was
// still waiting for, 2 on bad arguments. `pulumi up` runs the same (infra/release/gate.ts).
// Credentials, profile and endpoint come from the AWS SDK's standard configuration (AWS_PROFILE,
// AWS_REGION, AWS_ENDPOINT_URL_SSM, ...); --region wins over it.
import { SSMClient } from '@aws-sdk/client-ssm';
import { DOCUMENT_TIMEOUT_S } from '../infra/release/ssm-document.js';
import { WaitUsageError, parseWaitArgs, targetFromOutputs } from './release-wait/args.js';
import { WaitError, summarize, waitForRelease } from '../infra/release/waiter.js';
import { runSync } from './run.js';

/** Without --timeout: longer than the document may run, as the first release also waits for the boot. */
const DEFAULT_TIMEOUT_S = DOCUMENT_TIMEOUT_S + 300;

async function main(): Promise<number> {
  try {
    const args = parseWaitArgs(process.argv.slice(2));
    let target: { associationId: string; region: string };
    if (args.associationId && args.region) target = { associationId: args.associationId, region: args.region };
    else if (args.associationId) {
      const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
      if (!region) throw new WaitUsageError('release:wait: --association-id needs --region REGION (or AWS_REGION)');
      target = { associationId: args.associationId, region };
    } else {
      const out = runSync(['pulumi', 'stack', 'output', '--json', ...(args.stack ? ['--stack', args.stack] : [])]);
      if (out.error || out.code !== 0) {
        throw new WaitUsageError(`release:wait: could not read the stack's outputs (pulumi stack output: ${(out.stderr || String(out.error)).trim().split('\n').at(-1)}); select a stack, or pass --association-id ID --region REGION`);
      }
      target = targetFromOutputs(out.stdout);
    }
    const ssm = new SSMClient({ region: target.region });
    const result = await waitForRelease(ssm, {
      associationId: target.associationId,
      timeoutS: args.timeoutS ?? DEFAULT_TIMEOUT_S,
      pollS: Number(process.env.BERTH_RELEASE_WAIT_POLL_S ?? 5),
      log: (line) => process.stdout.write(`${line}\n`),
    });
    const { lines, exitCode } = summarize(result);
    (exitCode === 0 ? process.stdout : process.stderr).write(`${lines.join('\n')}\n`);
    return exitCode;
  } catch (err) {
    if (err instanceof WaitUsageError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    if (err instanceof WaitError) {
      process.stderr.write(`release:wait: ${err.message}\n`);
      return 1;
    }
    const e = err as Error;
    process.stderr.write(`release:wait: ${e.name}: ${e.message}\n`);
    return 1;
  }
}

process.exitCode = await main();
