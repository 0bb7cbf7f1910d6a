// Pulumi.yaml is the user-facing contract for configuration: it must be a valid project file, and
// declare exactly the keys the program reads, with the defaults the validator applies.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_KEYS } from '../../infra/config/read.js';
import { validateDeployConfig } from '../../infra/config/validate.js';
import { DEFAULTS } from '../../infra/config/schema.js';
import { pulumiProjectSchemaFile, sharedSchemaFile, vendoredSchemaFile } from '../support/pulumi-schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const project = parse(readFileSync(path.join(root, 'Pulumi.yaml'), 'utf8'));
const schemaFile = pulumiProjectSchemaFile();

describe('Pulumi.yaml', () => {
  it('validates against the Pulumi project schema', () => {
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
    const ajv = new Ajv2020.default({ strict: false, allErrors: true });
    const valid = ajv.validate(schema, project);
    expect(ajv.errors ?? [], ajv.errorsText()).toEqual([]);
    expect(valid).toBe(true);
  });

  it('is checked against the same schema in a plain checkout: the vendored copy equals the shared one', () => {
    if (!existsSync(sharedSchemaFile)) return; // a checkout without shared/ uses the vendored copy
    expect(readFileSync(vendoredSchemaFile, 'utf8')).toBe(readFileSync(sharedSchemaFile, 'utf8'));
  });

  it('is the berth project on the nodejs runtime, its TypeScript loaded as ESM by tsx, a runtime dependency', () => {
    expect(project.name).toBe('berth');
    expect(project.runtime).toEqual({
      name: 'nodejs',
      options: { typescript: false, nodeargs: '--import tsx', packagemanager: 'npm' },
    });
    expect(project.main).toBe('index.ts');
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.type).toBe('module');
    expect(pkg.dependencies.tsx).toBeDefined();
  });

  // berth:app is an object (set with --path), a type a project cannot declare: the schema's
  // SimpleConfigType is string, integer, boolean or array, and `type` is required, while a key
  // declared with one of those types has its object value refused by the CLI ("must be of type
  // 'string'", pulumi/pulumi sdk/go/common/workspace/config.go, DefaultStackConfigValidator).
  const UNDECLARABLE = ['berth:app', 'berth:fleet', 'berth:database', 'berth:backups'];

  it('declares every berth key the program reads but the structured ones, each with a type and a description', () => {
    const declared = Object.keys(project.config).map((key) => `berth:${key}`);
    expect(declared.sort()).toEqual(CONFIG_KEYS.filter((k) => k.startsWith('berth:') && !UNDECLARABLE.includes(k)).sort());
    const objectTypes = JSON.parse(readFileSync(schemaFile, 'utf8')).$defs.simpleConfigType.enum as string[];
    expect(objectTypes).not.toContain('object');
    for (const [key, declaration] of Object.entries<any>(project.config)) {
      expect(declaration.type, key).toBeDefined();
      expect(declaration.description?.length, key).toBeGreaterThan(10);
    }
  });

  it('has the same defaults as the validator', () => {
    const c = project.config;
    expect(c.instanceType.default).toBe(DEFAULTS.instanceType);
    expect(c.hostPort.default).toBe(DEFAULTS.hostPort);
    expect(c.allowedCidrs.default).toEqual(DEFAULTS.allowedCidrs);
    expect(c.dataVolumeGiB.default).toBe(DEFAULTS.dataVolumeGiB);
    expect(c.registryToken.secret).toBe(true);
  });

  it('has an example stack whose values pass validation once the token is set as a secret', () => {
    const example = parse(readFileSync(path.join(root, 'Pulumi.example.yaml'), 'utf8')).config;
    const values = Object.fromEntries(
      Object.entries(example).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );
    const config = validateDeployConfig({
      values: { ...values, 'berth:registryToken': 'token' },
      secretKeys: new Set(['berth:registryToken']),
      knownKeys: CONFIG_KEYS,
    });
    expect(config.env).toEqual({ GREETING: 'hello from EC2', LOG_LEVEL: 'info' });
  });
});
