// Stack config as tests need it: Pulumi.example.yaml's config as the engine hands it to the program
// (objects as their JSON text, what `--path` sets), and the problems validation finds in a config.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { CONFIG_KEYS } from '../../infra/config/read.js';
import { ConfigError, type RawConfig, validateDeployConfig } from '../../infra/config/validate.js';

const example = YAML.parse(readFileSync(new URL('../../Pulumi.example.yaml', import.meta.url), 'utf8')).config as Record<string, unknown>;
/** Pulumi.example.yaml's config, each value a string as the engine gives it. */
export const exampleConfig = Object.fromEntries(Object.entries(example).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])) as Record<string, string>;

/** A stack's raw config with berth:registryToken set as a secret. */
export const rawConfig = (values: Record<string, string>): RawConfig => ({ values, secretKeys: new Set(['berth:registryToken']), knownKeys: CONFIG_KEYS });

/** Every problem validation finds in this config; none: []. */
export function configProblems(values: Record<string, string>): string[] {
  try {
    validateDeployConfig(rawConfig(values));
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [...error.problems];
  }
}
