// The JSON schema Pulumi publishes for Pulumi.yaml (pulumi/pulumi, sdk/go/common/workspace/
// project.json, Apache-2.0). The shared copy beside the repository is the reference; the copy in
// test/support/schemas/ makes the tests work in a plain checkout (GitHub Actions), and a test
// keeps the two identical wherever both exist.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './engine-setup.js';

export const sharedSchemaFile = path.join(repoRoot, '../shared/schemas/pulumi-project.json');
export const vendoredSchemaFile = path.join(repoRoot, 'test/support/schemas/pulumi-project.json');

export function pulumiProjectSchemaFile(): string {
  return process.env.BERTH_PULUMI_SCHEMA ?? (existsSync(sharedSchemaFile) ? sharedSchemaFile : vendoredSchemaFile);
}
