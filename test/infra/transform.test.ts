// A transform reaches the resource: the user changes a child's arguments without forking berth.
// (What a transform changes is the user's responsibility: berth checks nothing after it.)
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { DEFAULT_APP, DEFAULT_BACKUPS, DEFAULT_RELEASE_POLICY } from '../../infra/config/schema.js';
import type { SingleHostArgs } from '../../infra/components/single-host.js';
import { plain, runProgram } from '../support/pulumi-mocks.js';

const args: SingleHostArgs = {
  app: DEFAULT_APP,
  region: 'us-east-1',
  imageRef: `docker.io/acme/notes@sha256:${'a'.repeat(64)}`,
  registry: 'docker.io',
  registryUsername: 'acme',
  registryToken: pulumi.secret('token'),
  env: {},
  secretEnv: {},
  secretEnvNames: [],
  instanceType: 't4g.small',
  architecture: 'arm64',
  hostPort: 80,
  releasePolicy: DEFAULT_RELEASE_POLICY,
  allowedCidrs: ['0.0.0.0/0'],
  vpc: { id: 'vpc-0a1b2c3d4e5f60718', hasIpv6: false },
  dataVolumeGiB: 8,
  parameterPath: '/berth/dev',
  tags: { project: 'berth' },
  stack: 'dev',
  backups: DEFAULT_BACKUPS,
};

async function hostWith(transform: SingleHostArgs['transform']) {
  const run = await runProgram({}, [], async () => {
    const { SingleHost } = await import('../../infra/components/single-host.js');
    new SingleHost('t', { ...args, ...(transform ? { transform } : {}) });
    return {};
  });
  // One resource of the type, or with several (two roles: the host's and DLM's) the one named so.
  return (type: string, name?: string) =>
    plain((name ? run.mocks.resources.find((r) => r.type === type && r.name === name)! : run.mocks.one(type)).inputs) as Record<string, any>;
}

describe('transform', () => {
  it("changes the child's arguments before it is made: the instance, and a part's child (the role)", async () => {
    const made = await hostWith({
      instance: (a) => {
        a.tags = { ...(a.tags as Record<string, string>), team: 'payments' };
      },
      identity: { role: (a) => ({ ...a, maxSessionDuration: 7200 }) },
    });
    expect(made('aws:ec2/instance:Instance').tags).toMatchObject({ team: 'payments', Name: 't-instance', project: 'berth' });
    expect(made('aws:iam/role:Role', 't-role').maxSessionDuration).toBe(7200);
    expect(made('aws:iam/role:Role', 't-role-dlm')).not.toHaveProperty('maxSessionDuration');
  });

  it('reaches the backup policy\'s children: a user can pause the DLM policy', async () => {
    const made = await hostWith({ backupPolicy: { policy: (a) => ({ ...a, state: 'DISABLED' }) } });
    expect(made('aws:dlm/lifecyclePolicy:LifecyclePolicy').state).toBe('DISABLED');
  });

  it('changes nothing when absent', async () => {
    const made = await hostWith(undefined);
    expect(made('aws:ec2/instance:Instance').tags).not.toHaveProperty('team');
    expect(made('aws:iam/role:Role', 't-role')).not.toHaveProperty('maxSessionDuration');
  });
});
