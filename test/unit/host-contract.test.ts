// The host contract (infra/host/contract.ts) is the whole of what the program and the host's scripts
// share by name: every BERTH_* variable deploy.sh or fetch-release.sh reads is in it, and every one
// in it is rendered (by the release file or host.env) and read.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_APP, DEFAULT_RELEASE_POLICY } from '../../infra/config/schema.js';
import { HOST_VARIABLES } from '../../infra/host/contract.js';
import { type HostSetup, renderHostEnv } from '../../infra/host/settings.js';
import { packUserData, renderUserData } from '../../infra/host/bootstrap.js';
import { fetchScript } from '../../infra/host/scripts.js';
import { type AppRelease, renderRelease } from '../../infra/release/release.js';
import { gunzipSync } from 'node:zlib';

const script = (name: string) => readFileSync(new URL(`../../infra/host/${name}`, import.meta.url), 'utf8');
const release: AppRelease = {
  imageRef: `docker.io/alice/notes@sha256:${'a'.repeat(64)}`,
  registry: 'docker.io',
  registryUsername: 'alice',
  registryToken: { name: '/berth/dev/registry-token', version: 1 },
  secretEnv: { API_KEY: { name: '/berth/dev/secret-env/API_KEY', version: 1 } },
  env: { LOG_LEVEL: 'info' },
  policy: DEFAULT_RELEASE_POLICY,
};
const plain: HostSetup = { region: 'eu-west-1', volumeId: 'vol-0123456789abcdef0', deviceName: '/dev/sdf', hostPort: 8080 };
const https: HostSetup = { ...plain, https: { domain: 'notes.example.com', acmeCa: 'https://acme.example/dir', acmeCaRootPem: '-----BEGIN CERTIFICATE-----\n' } };
const database = { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0123-AbCdEf', host: 'notes.abc.eu-west-1.rds.amazonaws.com', port: 5432, name: 'notes' };
/** A fleet host: no data volume, a database. */
const fleet: HostSetup = { region: 'eu-west-1', deviceName: '/dev/sdf', hostPort: 8080, database };

/** BERTH_* names a text mentions. */
const mentioned = (text: string) => new Set(text.match(/\bBERTH_[A-Z0-9_]+\b/g) ?? []);
/** BERTH_* names a rendered file assigns (NAME=… at the start of a line). */
const assigned = (text: string) => new Set([...text.matchAll(/^(BERTH_[A-Z0-9_]+)=/gm)].map((m) => m[1]!));

/** What the contract lacks, and what in it nobody renders or nobody reads. */
function gaps(contract: readonly string[], rendered: ReadonlySet<string>, read: ReadonlySet<string>) {
  return {
    readButNotInContract: [...read].filter((n) => !contract.includes(n)).sort(),
    renderedButNotInContract: [...rendered].filter((n) => !contract.includes(n)).sort(),
    notRendered: contract.filter((n) => !rendered.has(n)),
    notRead: contract.filter((n) => !read.has(n)),
  };
}

const contract = Object.keys(HOST_VARIABLES);
const rendered = new Set([renderRelease(DEFAULT_APP, release), renderHostEnv(DEFAULT_APP, plain), renderHostEnv(DEFAULT_APP, https), renderHostEnv(DEFAULT_APP, fleet)].flatMap((t) => [...assigned(t)]));
const read = new Set([...mentioned(script('deploy.sh')), ...mentioned(script('fetch-release.sh'))]);

describe('the host contract', () => {
  it('names every BERTH_* variable the host scripts read, and each one is rendered and read', () => {
    expect(gaps(contract, rendered, read)).toEqual({ readButNotInContract: [], renderedButNotInContract: [], notRendered: [], notRead: [] });
  });

  it('says what each variable means', () => {
    for (const [name, meaning] of Object.entries(HOST_VARIABLES)) expect(meaning.length, name).toBeGreaterThan(10);
  });

  it('fails on a variable a script reads that it lacks, and on one nobody renders or reads', () => {
    const withTypo = new Set([...read, 'BERTH_HEALTHPATH']);
    expect(gaps(contract, rendered, withTypo).readButNotInContract).toEqual(['BERTH_HEALTHPATH']);
    const withUnused = [...contract, 'BERTH_FORGOTTEN'];
    expect(gaps(withUnused, rendered, read)).toMatchObject({ notRendered: ['BERTH_FORGOTTEN'], notRead: ['BERTH_FORGOTTEN'] });
  });

  it('keeps the user-data free of them: it is a bootstrap, and the release carries the rest', () => {
    const userData = gunzipSync(Buffer.from(packUserData(renderUserData({ region: 'eu-west-1', manifestParameter: '/berth/dev/release/manifest' }, fetchScript())), 'base64')).toString('utf8');
    expect([...mentioned(userData)]).toEqual([]);
  });
});

describe("a fleet host's settings (no data volume, a database)", () => {
  const env = renderHostEnv(DEFAULT_APP, fleet);
  const value = (name: string, text = env) => new RegExp(`^${name}=(.*)$`, 'm').exec(text)?.[1];

  it('name no volume, so deploy.sh mounts nothing', () => {
    expect(value('BERTH_VOLUME_ID')).toBe("''");
    expect(value('BERTH_VOLUME_ID', renderHostEnv(DEFAULT_APP, plain))).toBe('vol-0123456789abcdef0');
  });

  it("carry the database's place and its secret's ARN, never a credential", () => {
    expect(value('BERTH_DB_SECRET_ARN')).toBe(`'${database.secretArn}'`);
    expect(value('BERTH_DB_HOST')).toBe(database.host);
    expect(value('BERTH_DB_PORT')).toBe('5432');
    expect(value('BERTH_DB_NAME')).toBe('notes');
    expect(env).not.toMatch(/PASSWORD|PGUSER/);
  });

  it('leave a single host without a database as it was: no database lines at all', () => {
    expect(renderHostEnv(DEFAULT_APP, plain)).not.toContain('BERTH_DB_');
  });
});

