// No replacement for existing stacks: every resource of the program as it was before the host was
// split into components (test/infra/fixtures/urns-db6ae38.json, its URNs as the engine names
// them) is found again by the engine, under its own URN or one of the aliases the program now
// sends, so `pulumi up` reads each as the same resource (the data volume included) and not as a
// delete and a create. The aliases are the ones in the RegisterResource requests the SDK sends
// (recorded by runProgram); the engine's side (URNs, alias expansion and inheritance, lookup) is
// restated in test/support/engine-urns.ts from pulumi/pulumi's step_generator.go.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { type Resolution, resolveAgainst } from '../support/engine-urns.js';
import { type ProgramRun, type Registration, runProgram } from '../support/pulumi-mocks.js';

const before = JSON.parse(readFileSync(new URL('./fixtures/urns-db6ae38.json', import.meta.url), 'utf8')) as { urns: string[] };
const example = YAML.parse(readFileSync(new URL('../../Pulumi.example.yaml', import.meta.url), 'utf8')).config as Record<string, unknown>;
// The configuration the fixture was recorded with: the example stack, two secret env vars.
const config = {
  ...Object.fromEntries(Object.entries(example).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])),
  'berth:registryToken': 'token',
  'berth:secretEnv': JSON.stringify({ API_KEY: 'a', DB_PASSWORD: 'b' }),
};

let run: ProgramRun;
let resolution: Resolution;
beforeAll(async () => {
  run = await runProgram(config, ['berth:registryToken', 'berth:secretEnv'], async () => (await import('../../index.js')) as Record<string, unknown>);
  resolution = resolveAgainst(before.urns, run.mocks.registrations);
});

/** berth's own components (berth:<module>:<Type>): records in the state, no cloud resource. */
const isComponent = (urn: string) => urn.split('::')[2]!.split('$').pop()!.startsWith('berth:');

describe('stacks made before the components', () => {
  it('keep every resource: each old URN is a current URN or the alias the engine finds it by', () => {
    const found = new Set(resolution.matched.values());
    expect(before.urns.filter((urn) => !found.has(urn))).toEqual([]);
    expect(resolution.claimedTwice).toEqual([]);
  });

  it('keep the data volume, the instance and the parameters under their old URNs, through aliases', () => {
    const oldOf = (type: string) => [...resolution.matched].find(([urn]) => urn.includes(`$${type}::`))?.[1];
    expect(oldOf('aws:ebs/volume:Volume')).toBe('urn:pulumi:dev::berth::berth:host:Host$aws:ebs/volume:Volume::berth-data');
    expect(oldOf('aws:ec2/instance:Instance')).toBe('urn:pulumi:dev::berth::berth:host:Host$aws:ec2/instance:Instance::berth-instance');
    expect(oldOf('aws:ssm/parameter:Parameter')).toMatch(/^urn:pulumi:dev::berth::berth:host:Host\$aws:ssm\/parameter:Parameter::/);
  });

  it('gain only the new components, which are records in the state and nothing in AWS, and the backups (issue 15)', () => {
    const gained = resolution.urns.filter((urn) => !resolution.matched.has(urn));
    // Backups are new on upgrade: the BackupPolicy component and its DLM role, policy and lifecycle policy.
    const backups = gained.filter((urn) => urn.includes('berth:backup:BackupPolicy'));
    expect(backups.length).toBe(4);
    const rest = gained.filter((urn) => !backups.includes(urn));
    expect(rest.length).toBe(3);
    expect(rest.every(isComponent)).toBe(true);
  });

  it('would lose the host and everything in it without the aliases (the check can fail)', () => {
    const unaliased: Registration[] = run.mocks.registrations.map((r) => ({ ...r, aliases: [] }));
    const lost = resolveAgainst(before.urns, unaliased);
    const found = new Set(lost.matched.values());
    const missing = before.urns.filter((urn) => !found.has(urn));
    expect(missing).toContain('urn:pulumi:dev::berth::berth:host:Host$aws:ebs/volume:Volume::berth-data');
    expect(missing).toContain('urn:pulumi:dev::berth::berth:host:Host::berth');
  });

  it('would lose the parts\' children with the host alias alone (inheritance needs a parent found by its alias)', () => {
    const hostAliasOnly: Registration[] = run.mocks.registrations.map((r) => (r.type === 'berth:host:SingleHost' ? r : { ...r, aliases: [] }));
    const partial = resolveAgainst(before.urns, hostAliasOnly);
    const found = new Set(partial.matched.values());
    expect(found.has('urn:pulumi:dev::berth::berth:host:Host$aws:ebs/volume:Volume::berth-data')).toBe(true);
    expect(found.has('urn:pulumi:dev::berth::berth:host:Host$aws:iam/role:Role::berth-role')).toBe(false);
  });
});
