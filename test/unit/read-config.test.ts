// readDeployConfig is the only reader of Pulumi config: it sees which keys the engine marked secret
// and hands secrets on as secret Outputs.
import * as pulumi from '@pulumi/pulumi';
import { afterEach, describe, expect, it } from 'vitest';
import { readDeployConfig } from '../../infra/config/read.js';
import { ConfigError } from '../../infra/config/validate.js';

const values = {
  'aws:region': 'us-east-1',
  'berth:image': 'alice/notes',
  'berth:registryUsername': 'alice',
  'berth:registryToken': 'canary-token-1f3a',
  'berth:secretEnv': '{"API_KEY":"canary-env-9c2d"}',
};

const unwrap = <T>(output: pulumi.Output<T>) =>
  new Promise<T>((resolve) => output.apply((v) => { resolve(v); return v; }));

afterEach(() => pulumi.runtime.setAllConfig({}, []));

describe('reading the stack config', () => {
  it('turns the token and the secret env into secret Outputs, and keeps only the names in the clear', async () => {
    pulumi.runtime.setAllConfig(values, ['berth:registryToken', 'berth:secretEnv']);
    const config = readDeployConfig();
    expect(pulumi.Output.isInstance(config.registryToken)).toBe(true);
    expect(await pulumi.isSecret(config.registryToken)).toBe(true);
    expect(await pulumi.isSecret(config.secretEnv)).toBe(true);
    expect(await unwrap(config.secretEnv)).toEqual({ API_KEY: 'canary-env-9c2d' });
    expect(config.secretEnvNames).toEqual(['API_KEY']);
    expect(JSON.stringify({ ...config, registryToken: undefined, secretEnv: undefined })).not.toContain('canary');
  });

  it('refuses a token the engine did not mark as secret', () => {
    pulumi.runtime.setAllConfig(values, ['berth:secretEnv']);
    expect(() => readDeployConfig()).toThrow(ConfigError);
    expect(() => readDeployConfig()).toThrow('berth:registryToken: is stored in plain text');
  });
});
