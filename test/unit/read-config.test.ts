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

  // Keys as the engine delivers them: setAllConfig writes the PULUMI_CONFIG the language host sets.
  it('refuses a misspelled berth key, naming the key it meant and how to remove the wrong one', () => {
    pulumi.runtime.setAllConfig({ ...values, 'berth:hostport': '8080' }, ['berth:registryToken', 'berth:secretEnv']);
    expect(() => readDeployConfig()).toThrow('berth:hostport: unknown key; did you mean berth:hostPort? (pulumi config rm berth:hostport)');
  });

  it('reads a value set with --path, which arrives as JSON under its top key, and names a misspelled one without its value', () => {
    // pulumi config set --secret --path 'berth:secretEnv.API_KEY' … ; the top key is marked secret.
    pulumi.runtime.setAllConfig({ ...values, 'berth:env': '{"GREETING":"hi"}' }, ['berth:registryToken', 'berth:secretEnv']);
    expect(readDeployConfig().env).toEqual({ GREETING: 'hi' });
    pulumi.runtime.setAllConfig({ ...values, 'berth:secretenv': '{"DB_PASSWORD":"canary-path-77e1"}' }, ['berth:registryToken', 'berth:secretEnv', 'berth:secretenv']);
    const error = (() => { try { readDeployConfig(); } catch (err) { return err as Error; } return undefined; })();
    expect(error?.message).toBe('invalid configuration: berth:secretenv: unknown key; did you mean berth:secretEnv? (pulumi config rm berth:secretenv)');
  });

  it('reads berth:app as `pulumi config set --path` delivers it, and looks for its context in the project directory', () => {
    // pulumi config set --path berth:app.port 5000; … berth:app.readOnly false: one JSON object.
    pulumi.runtime.setAllConfig({ ...values, 'berth:app': '{"context":"bench/hello","port":5000,"readOnly":false}' }, ['berth:registryToken', 'berth:secretEnv']);
    expect(readDeployConfig().app).toMatchObject({ context: 'bench/hello', dockerfile: 'Dockerfile', port: 5000, readOnly: false });
    pulumi.runtime.setAllConfig({ ...values, 'berth:app': '{"context":"bench","dockerfile":"Dockerfile"}' }, ['berth:registryToken', 'berth:secretEnv']);
    expect(() => readDeployConfig()).toThrow('berth:app.dockerfile: no file "Dockerfile" in "bench"');
  });

  it('takes a key in the old berth:config:name form as the runtime cleans it', () => {
    pulumi.runtime.setAllConfig({ ...values, 'berth:config:hostPort': '8080' }, ['berth:registryToken', 'berth:secretEnv']);
    expect(readDeployConfig().hostPort).toBe(8080);
  });

  it('leaves keys of other namespaces to their programs', () => {
    pulumi.runtime.setAllConfig({ ...values, 'aws:profile': 'work', 'pulumi:tags': '{"team":"web"}', 'docker:host': 'unix:///var/run/docker.sock' }, ['berth:registryToken', 'berth:secretEnv']);
    expect(readDeployConfig().region).toBe('us-east-1');
  });
});
