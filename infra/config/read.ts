// The one place the Pulumi program reads its configuration. It collects the raw values and which
// keys were set with --secret, validates them (validate.ts), and hands back a DeployConfig whose
// secrets are Pulumi secret Outputs from here on. Components never read config themselves.
import { statSync } from 'node:fs';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
// isConfigSecret is exported by the SDK's runtime but not in its typings: it tells whether the
// engine marked a key as secret, which the public Config API does not expose.
import * as runtimeConfig from '@pulumi/pulumi/runtime/config.js';
import { type DeployConfig, validateDeployConfig } from './validate.js';
import type { AppFiles } from './app-spec.js';

export const CONFIG_KEYS = [
  'aws:region',
  'berth:image',
  'berth:registryUsername',
  'berth:registryToken',
  'berth:instanceType',
  'berth:hostPort',
  'berth:allowedCidrs',
  'berth:env',
  'berth:secretEnv',
  'berth:dataVolumeGiB',
  'berth:pinDigest',
  'berth:domain',
  'berth:acmeCa',
  'berth:acmeEmail',
  'berth:acmeCaRoot',
  'berth:healthInterval',
  'berth:deployTimeout',
  'berth:drainTimeout',
  'berth:hostRoleBoundary',
  'berth:app',
  'berth:fleet',
  'berth:database',
  'berth:hostedZoneId',
  'berth:backups',
  'berth:restoreSnapshotId',
  'berth:restoreDbSnapshot',
] as const;

/** The disk, as berth:app's validation asks it: paths relative to `projectDir`, or absolute. */
export function projectFiles(projectDir: string): AppFiles {
  const stat = (p: string) => statSync(path.resolve(projectDir, p), { throwIfNoEntry: false });
  return { isDirectory: (p) => stat(p)?.isDirectory() ?? false, isFile: (p) => stat(p)?.isFile() ?? false };
}

export type PulumiDeployConfig = Omit<DeployConfig, 'registryToken' | 'secretEnv'> & {
  readonly registryToken: pulumi.Output<string>;
  readonly secretEnv: pulumi.Output<Readonly<Record<string, string>>>;
  /** Names only: they are not secret, and the host needs them to know what to fetch. */
  readonly secretEnvNames: readonly string[];
};

export function readDeployConfig(): PulumiDeployConfig {
  const isSecret = (runtimeConfig as unknown as { isConfigSecret(key: string): boolean }).isConfigSecret;
  // Every key of the stack, as the engine hands it over: allConfig() parses the PULUMI_CONFIG the
  // language host sets, keys as `namespace:name` (an old `berth:config:name` is cleaned to that;
  // node_modules/@pulumi/pulumi/runtime/config.js, cleanKey). A value set with `--path` arrives as
  // JSON under its top key, marked secret when any part of it is (pulumi/pulumi
  // sdk/go/common/resource/config/value.go: an object's value is its JSON, hasSecureValue).
  // All of them, so that validation sees a `berth:` key nothing reads.
  const values = pulumi.runtime.allConfig();
  const secretKeys = new Set(Object.keys(values).filter((key) => isSecret(key)));
  // The program runs in the project directory (Pulumi.yaml's), the base of berth:app.context.
  const config = validateDeployConfig({ values, secretKeys, knownKeys: CONFIG_KEYS, files: projectFiles(process.cwd()) });
  return {
    ...config,
    registryToken: pulumi.secret(config.registryToken),
    secretEnv: pulumi.secret(config.secretEnv),
    secretEnvNames: Object.keys(config.secretEnv).sort(),
  };
}
