// npm run host:* as data: which AWS CLI commands each one runs for a given stack, what it needs
// installed, and the message a person gets when something is missing.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostStatusScript } from '../../infra/host/ssm-commands.js';
import {
  CREDENTIALS_MISSING,
  credentialsArgv,
  parseHostArgs,
  parseStackOutputs,
  requiredTools,
  sessionArgv,
  splitStatusOutput,
  stackOutputsArgv,
  stackOutputsProblem,
  statusArgv,
} from '../../ops/host/plan.js';
import { describeContainer, describeDeploy, parseInspect, uptime } from '../../ops/status.js';
import { repoRoot } from '../support/engine-setup.js';

// What `pulumi stack output --json` prints for a deployed berth stack.
const outputs = JSON.stringify({
  url: 'http://203.0.113.10/',
  publicIp: '203.0.113.10',
  region: 'eu-west-1',
  instanceId: 'i-0123456789abcdef0',
  imageDigest: `sha256:${'a'.repeat(64)}`,
  shellCommand: 'aws ssm start-session --region eu-west-1 --target i-0123456789abcdef0',
});
const target = parseStackOutputs(outputs);
const AT = ['--region', 'eu-west-1'];

describe('npm run host:*', () => {
  it('reads the instance and region from the stack outputs, of the selected stack or --stack', () => {
    // A stack deployed before berth:app exported no container: the notes server's, berth-notes.
    expect(target).toEqual({ instanceId: 'i-0123456789abcdef0', region: 'eu-west-1', container: 'berth-notes' });
    expect(parseStackOutputs(JSON.stringify({ ...JSON.parse(outputs), container: 'berth-api' })).container).toBe('berth-api');
    expect(stackOutputsArgv(parseHostArgs(['logs']))).toEqual(['pulumi', 'stack', 'output', '--json']);
    expect(stackOutputsArgv(parseHostArgs(['logs', '--stack', 'acme/berth/prod']))).toEqual(['pulumi', 'stack', 'output', '--json', '--stack', 'acme/berth/prod']);
  });

  it('logs, exec and shell are one Session Manager session each', () => {
    const session = ['aws', 'ssm', 'start-session', ...AT, '--target', 'i-0123456789abcdef0'];
    const interactive = [...session, '--document-name', 'AWS-StartInteractiveCommand', '--parameters'];
    expect(sessionArgv('shell', target)).toEqual(session);
    expect(sessionArgv('logs', target)).toEqual([...interactive, '{"command":["sudo docker logs --follow --tail 100 berth-notes"]}']);
    expect(sessionArgv('exec', target)).toEqual([...interactive, '{"command":["sudo docker exec --interactive --tty berth-notes sh"]}']);
  });

  it('status runs a script by Run Command, waits for it, and reads its output', () => {
    const steps = statusArgv(target);
    expect(steps.send).toEqual([
      'aws', 'ssm', 'send-command', ...AT, '--instance-ids', 'i-0123456789abcdef0', '--document-name', 'AWS-RunShellScript',
      '--comment', 'berth status', '--parameters', JSON.stringify({ commands: hostStatusScript('berth-notes') }),
      '--query', 'Command.CommandId', '--output', 'text',
    ]);
    expect(steps.wait('c-1')).toEqual(['aws', 'ssm', 'wait', 'command-executed', ...AT, '--command-id', 'c-1', '--instance-id', 'i-0123456789abcdef0']);
    expect(steps.fetch('c-1')).toEqual([
      'aws', 'ssm', 'get-command-invocation', ...AT, '--command-id', 'c-1', '--instance-id', 'i-0123456789abcdef0',
      '--query', 'StandardOutputContent', '--output', 'text',
    ]);
    expect(credentialsArgv(target)).toEqual(['aws', 'sts', 'get-caller-identity', ...AT, '--output', 'text']);
  });

  it('needs the Pulumi CLI and the AWS CLI, and the Session Manager plugin for sessions', () => {
    expect(requiredTools('status').map((t) => t.argv[0])).toEqual(['pulumi', 'aws']);
    for (const command of ['logs', 'exec', 'shell'] as const) {
      expect(requiredTools(command).map((t) => t.argv[0])).toEqual(['pulumi', 'aws', 'session-manager-plugin']);
    }
  });

  it.each([
    [[], 'host: no command given; use one of logs, exec, status, shell'],
    [['tail'], "host: unknown command 'tail'; use one of logs, exec, status, shell"],
    [['logs', '--follow'], "host: unknown option '--follow'; the only option is --stack NAME"],
    [['logs', '--stack'], 'host: --stack needs a stack name, such as dev or org/berth/prod'],
    [['logs', '--stack', 'a b'], "host: --stack must be a stack name such as dev or org/berth/prod; got 'a b'"],
  ])('refuses %j with a message that says what to do', (argv, message) => {
    expect(() => parseHostArgs(argv)).toThrow(message);
  });

  it.each([
    ['{}', 'host: the stack has no instanceId and region output; deploy it first with pulumi up'],
    ['{"instanceId":"i-0123456789abcdef0"}', 'host: the stack has no region output; deploy it first with pulumi up'],
    ['{"instanceId":"web-1","region":"us-east-1"}', "host: the stack's instanceId output is not an EC2 instance id: 'web-1'"],
    ['warning: no stack', 'host: pulumi stack output --json did not print JSON: warning: no stack'],
    ['{"instanceId":"i-0123456789abcdef0","region":"us-east-1","container":"x; rm -rf /"}', "host: the stack's container output is not a berth container name: 'x; rm -rf /'"],
  ])('refuses stack outputs %s', (text, message) => {
    expect(() => parseStackOutputs(text)).toThrow(message);
  });

  it('explains a failed pulumi stack output and missing credentials', () => {
    expect(stackOutputsProblem({ command: 'logs' }, 'error: no stack selected; please use `pulumi stack select`\n')).toBe(
      'host: could not read the outputs of the selected stack (pulumi stack output failed: error: no stack selected; please use `pulumi stack select`); select a stack with pulumi stack select, or pass --stack NAME',
    );
    expect(CREDENTIALS_MISSING).toContain('run aws configure, or set AWS_PROFILE');
  });

  it('run without the Pulumi CLI, it stops before anything else with how to install it', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'ops/host.ts'), 'status'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, PATH: path.dirname(process.execPath) },
    });
    expect(result.stderr).toBe('host: the Pulumi CLI is not installed (or not on PATH); install it: https://www.pulumi.com/docs/iac/download-install/\n');
    expect(result.status).toBe(2);
  });
});

describe('status lines', () => {
  const inspected = parseInspect(JSON.stringify([{
    Name: '/berth-notes',
    Image: 'sha256:9f2c0000000000000000000000000000000000000000000000000000000000aa',
    RestartCount: 1,
    State: { Status: 'running', StartedAt: '2026-11-28T01:00:00.123456789Z', Health: { Status: 'healthy', FailingStreak: 0 } },
    Config: { Image: `docker.io/alice/notes@sha256:${'b'.repeat(64)}`, Labels: { 'berth.release': '70880b928349628d' } },
    NetworkSettings: { Ports: { '8080/tcp': [{ HostIp: '0.0.0.0', HostPort: '80' }, { HostIp: '::', HostPort: '80' }] } },
  }]), 'berth-notes')!;

  it('say state, health, the digest that runs, its release, uptime, restarts and ports', () => {
    expect(describeContainer(inspected, new Date('2026-11-28T04:12:30Z'))).toEqual([
      'container  berth-notes: running, healthy',
      `image      docker.io/alice/notes@sha256:${'b'.repeat(64)} (release 70880b928349628d)`,
      'image id   sha256:9f2c0000000000000000000000000000000000000000000000000000000000aa',
      'started    2026-11-28T01:00:00Z (up 3h 12m)',
      'restarts   1',
      'ports      0.0.0.0:80 → 8080/tcp, :::80 → 8080/tcp',
    ]);
  });

  it('read the host deploy status line, ok or failed', () => {
    expect(describeDeploy('ok 70880b928349628d 2026-11-28T01:00:05Z docker.io/alice/notes@sha256:bb')).toBe(
      'last deploy ok at 2026-11-28T01:00:05Z: release 70880b928349628d',
    );
    expect(describeDeploy('failed 70880b928349628d 2026-11-28T01:00:05Z: docker login to docker.io as alice failed')).toBe(
      'last deploy FAILED at 2026-11-28T01:00:05Z: release 70880b928349628d: docker login to docker.io as alice failed',
    );
    expect(splitStatusOutput('[]\n--- berth status ---\nno deploy has finished yet\n')).toEqual({ inspect: '[]', deploy: 'no deploy has finished yet' });
    expect(parseInspect('[]', 'berth-notes')).toBeUndefined();
    expect(uptime(new Date(0), new Date(90_061_000))).toBe('1d 1h 1m');
  });
});
