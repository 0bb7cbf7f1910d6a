// npm run logs (ops/logs/plan.ts) as data: the `aws logs tail` it runs on the stack's log group,
// the group named as the Fleet component names it, and a clear line for every bad argument.
import { describe, expect, it } from 'vitest';
import { PROJECT, fleetLogGroupName } from '../../infra/aws/names.js';
import { LOGS_DEFAULTS, LogsUsageError, awsCliProblem, logsTarget, parseLogsArgs, stackOutputsArgv, tailArgv } from '../../ops/logs/plan.js';

const fleetOutputs = (stack: string) => JSON.stringify({ region: 'eu-west-1', groupName: 'berth-asg-1', logGroupName: fleetLogGroupName(PROJECT, stack), url: 'http://lb' });
const refusal = (argv: string[]) => {
  try {
    parseLogsArgs(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(LogsUsageError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
};

describe('npm run logs follows the fleet in CloudWatch Logs', () => {
  it("runs aws logs tail on the stack's group, in its region, following from 10 minutes back", () => {
    const argv = tailArgv(logsTarget(fleetOutputs('prod'), 'prod'), parseLogsArgs([]));
    expect(argv.slice(0, 4)).toEqual(['aws', 'logs', 'tail', '/berth/prod']);
    const value = (flag: string) => argv[argv.indexOf(flag) + 1];
    expect(value('--region')).toBe('eu-west-1');
    expect(value('--since')).toBe(LOGS_DEFAULTS.since);
    expect(value('--format')).toBe('detailed'); // names the stream: which host and container
    expect(argv).toContain('--follow');
  });

  it('takes --since, --no-follow, --format and --stack, and passes aws logs tail options after --', () => {
    const args = parseLogsArgs(['--stack', 'acme/berth/prod', '--since', '2h', '--no-follow', '--format', 'short', '--', '--filter-pattern', 'ERROR', '--log-stream-names', 'a/b', 'c/d']);
    expect(args.stack).toBe('acme/berth/prod');
    expect(stackOutputsArgv(args)).toEqual(['pulumi', 'stack', 'output', '--json', '--stack', 'acme/berth/prod']);
    const argv = tailArgv(logsTarget(fleetOutputs('prod'), 'acme/berth/prod'), args);
    expect(argv).not.toContain('--follow');
    expect(argv.slice(-5)).toEqual(['--filter-pattern', 'ERROR', '--log-stream-names', 'a/b', 'c/d']);
    expect(argv[argv.indexOf('--since') + 1]).toBe('2h');
    expect(argv[argv.indexOf('--format') + 1]).toBe('short');
  });

  it('names the group as the Fleet component does, from the short stack name', () => {
    expect(logsTarget(fleetOutputs('prod'), 'acme/berth/prod').group).toBe(fleetLogGroupName(PROJECT, 'prod'));
    // A stack that outputs another group than berth names is refused, not followed in the wrong place.
    expect(() => logsTarget(JSON.stringify({ region: 'eu-west-1', groupName: 'g', logGroupName: '/other/prod' }), 'prod')).toThrow(/outputs log group \/other\/prod, not \/berth\/prod/);
  });

  it('sends a single host to npm run host:logs', () => {
    const single = JSON.stringify({ region: 'eu-west-1', instanceId: 'i-0123456789abcdef0', container: 'berth-notes' });
    expect(() => logsTarget(single, 'dev')).toThrow(/single host.*npm run host:logs/);
  });

  it('says what is missing on a stack without fleet outputs, or with output that is not JSON', () => {
    expect(() => logsTarget('{}', 'dev')).toThrow(/no fleet outputs.*pulumi up/);
    expect(() => logsTarget('oops', 'dev')).toThrow(/did not print JSON/);
  });
});

describe('bad arguments get one line naming the argument and the fix', () => {
  it('refuses a bad --since, --format or --stack', () => {
    expect(refusal(['--since', 'yesterday'])).toMatch(/--since must be .*10m.*got 'yesterday'/);
    expect(refusal(['--since'])).toMatch(/--since needs a time/);
    expect(refusal(['--format', 'pretty'])).toMatch(/--format must be one of detailed, short, json; got 'pretty'/);
    expect(refusal(['--stack', 'a b'])).toMatch(/--stack must be a stack name/);
    expect(refusal(['--stack', '--since', '1h'])).toMatch(/--stack needs a stack name/);
  });

  it('refuses an unknown option, and an aws option it does not pass on', () => {
    expect(refusal(['--tail', '5'])).toMatch(/unknown option '--tail'.*after --/);
    expect(refusal(['--', '--region', 'us-west-2'])).toMatch(/--region after -- is set by npm run logs itself/);
    expect(refusal(['--', '--endpoint-url', 'http://x'])).toMatch(/'--endpoint-url' after -- is not an aws logs tail option.*--filter-pattern/);
    expect(refusal(['--', '--filter-pattern'])).toMatch(/--filter-pattern after -- needs a value/);
  });
});

describe('the AWS CLI it needs', () => {
  it('is version 2: v1 has no logs tail', () => {
    expect(awsCliProblem('aws-cli/2.9.19 Python/3.11.2 Linux/6.1 source/x86_64.debian.12 prompt/off')).toBeUndefined();
    expect(awsCliProblem('aws-cli/1.45.11 Python/3.11.7 Linux/6.18 botocore/1.43.11')).toMatch(/needs the AWS CLI version 2; this is aws-cli\/1\.45\.11/);
    expect(awsCliProblem('')).toMatch(/not installed/);
  });
});
