// A fleet's logs in one place (issue 14): a fleet host's app container logs to the stack's
// CloudWatch Logs group with Docker's awslogs driver, through the one docker-run builder and the
// release; a single host keeps json-file, byte for byte as before.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { awslogsPolicy, dockerRun } from '../../infra/app/docker-commands.js';
import { fleetLogGroupName, PROJECT } from '../../infra/aws/names.js';
import { DEFAULT_APP } from '../../infra/config/schema.js';
import { fleetHostSetup, type HostSetup } from '../../infra/host/settings.js';
import { bundleFiles, hostRelease } from '../../infra/release/bundle.js';
import { type AppRelease, releaseId, releaseRunArgv, renderRelease } from '../../infra/release/release.js';
import { sampleRelease as release, sampleSingleHost as single } from '../support/sample-release.js';

const flagValues = (argv: readonly string[], flag: string) => argv.flatMap((word, i) => (word === flag ? [argv[i + 1]!] : []));
const words = (text: string, name: string) => new RegExp(`\\n${name}=\\(\\n([\\s\\S]*?)\\n\\)\\n`).exec(text)![1]!.split('\n').map((l) => l.trim().replace(/^'(.*)'$/, '$1'));
const releaseEnv = (setup: HostSetup, r: AppRelease) => bundleFiles(DEFAULT_APP, setup, r, '#!/bin/bash\n').find((f) => f.name === 'release.env')!.text;

const group = fleetLogGroupName(PROJECT, 'prod');
const fleet = fleetHostSetup({ region: 'eu-west-1', hostPort: 8080, logGroup: group });

/**
 * The log options Docker Engine 26.1.5 accepts with --log-driver awslogs, as read in moby v26.1.5:
 * daemon/logger/awslogs/cloudwatchlogs.go ValidateLogOpt (the driver's own), daemon/logger/factory.go
 * builtInLogOpts (mode, max-buffer-size) and daemon/logger/loggerutils/cache/validate.go (cache-*
 * from the local driver's keys). Anything else fails `docker run` ("unknown log opt").
 */
const ENGINE_AWSLOGS_OPTS = new Set([
  'awslogs-group', 'awslogs-stream', 'awslogs-create-group', 'awslogs-region', 'awslogs-endpoint', 'tag',
  'awslogs-datetime-format', 'awslogs-multiline-pattern', 'awslogs-credentials-endpoint',
  'awslogs-force-flush-interval-seconds', 'awslogs-max-buffered-events', 'awslogs-format',
  'mode', 'max-buffer-size', 'cache-disabled', 'cache-max-size', 'cache-max-file', 'cache-compress',
]);

describe('a fleet host logs to CloudWatch Logs', () => {
  const argv = words(releaseEnv(fleet, release), 'BERTH_RUN');
  const opts = Object.fromEntries(flagValues(argv, '--log-opt').map((o) => [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)]));

  it("runs the app with the awslogs driver, to the stack's group in the stack's region", () => {
    expect(flagValues(argv, '--log-driver')).toEqual(['awslogs']);
    expect(opts['awslogs-group']).toBe('/berth/prod');
    expect(opts['awslogs-region']).toBe('eu-west-1');
    // The group is the stack's: the driver must never make one (no retention, outside the role's reach).
    expect(opts['awslogs-create-group']).toBeUndefined();
  });

  it('names one stream per host and container', () => {
    expect(opts.tag).toMatch(/\{\{\.Hostname\}\}/);
    expect(opts.tag).toMatch(/\{\{\.Name\}\}/);
    expect(opts['awslogs-stream']).toBeUndefined(); // a fixed name would be one stream for every host
  });

  it('never blocks the app on CloudWatch, and keeps a bounded local copy for docker logs', () => {
    expect(opts.mode).toBe('non-blocking');
    expect(opts['max-buffer-size']).toMatch(/^\d+[km]$/);
    expect(opts['cache-disabled']).toBeUndefined();
    expect(opts['cache-max-size']).toBe('10m');
    expect(opts['cache-max-file']).toBe('3');
  });

  it('gives only options Docker 26.1.5 accepts for awslogs, and no credential or endpoint', () => {
    for (const key of Object.keys(opts)) expect(ENGINE_AWSLOGS_OPTS, key).toContain(key);
    expect(Object.keys(opts)).not.toContain('awslogs-credentials-endpoint');
    expect(Object.keys(opts)).not.toContain('awslogs-endpoint');
    expect(argv.join(' ')).not.toMatch(/AKIA|ASIA|aws_secret/i);
  });

  it("is part of the release and its id, the same wherever it is computed", () => {
    const onFleet = hostRelease(release, fleet);
    expect(onFleet.logs).toEqual({ group: '/berth/prod', region: 'eu-west-1' });
    expect(releaseId(DEFAULT_APP, onFleet)).not.toBe(releaseId(DEFAULT_APP, release));
    const text = releaseEnv(fleet, release);
    expect(text).toContain(`BERTH_RELEASE=${releaseId(DEFAULT_APP, onFleet)}\n`);
    expect(words(text, 'BERTH_RUN')).toEqual([...releaseRunArgv(DEFAULT_APP, onFleet)]);
  });

  it('is built by the one docker-run builder from the log group alone', () => {
    const run = dockerRun(DEFAULT_APP, { name: 'n', image: 'i', data: { kind: 'bind', hostPath: '/d' }, logs: { group: '/g', region: 'us-east-1' } });
    expect(flagValues(run, '--log-driver')).toEqual(['awslogs']);
    expect(flagValues(run, '--log-opt')).toContain('awslogs-group=/g');
    expect(awslogsPolicy({ group: '/g', region: 'us-east-1' })).toMatchObject({ driver: 'awslogs', group: '/g', region: 'us-east-1' });
  });
});

describe('a single host keeps json-file', () => {
  it('gets the release unchanged: the same object, the same release file', () => {
    expect(hostRelease(release, single)).toBe(release);
    expect(releaseEnv(single, release)).toBe(renderRelease(DEFAULT_APP, release));
    expect(flagValues(releaseRunArgv(DEFAULT_APP, release), '--log-driver')).toEqual(['json-file']);
    expect(flagValues(releaseRunArgv(DEFAULT_APP, release), '--log-opt')).toEqual(['max-size=10m', 'max-file=3']);
  });

  it('has the release file it had before fleet logging, byte for byte (sha256 computed at 4c9c7f7)', () => {
    expect(createHash('sha256').update(releaseEnv(single, release)).digest('hex')).toBe('2bc40336c7f59a86a630291cd487db9fb82dac38480adf18a2370d8c62b2115c');
  });
});

describe("the stack's log group has one name", () => {
  it('is /<project>/<stack>, for the component and npm run logs alike', () => {
    expect(fleetLogGroupName('berth', 'dev')).toBe('/berth/dev');
    expect(fleetLogGroupName('acme', 'prod-eu')).toBe('/acme/prod-eu');
  });
});
