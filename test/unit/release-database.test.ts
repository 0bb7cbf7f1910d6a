// A fleet release that moves the hosts to another database (berth:restoreDbSnapshot: a new RDS
// instance, so a new endpoint and a new RDS-managed secret) must start new containers: deploy.sh
// writes the app's env file (PGHOST, the secret's password) only when it starts one, and it starts
// one only when the release's id differs from the serving container's. So the database is part of
// the id. The simulated fleet shows the hosts' side: test/e2e/fleet-restore.test.ts.
import { describe, expect, it } from 'vitest';
import { fleetLogGroupName, PROJECT } from '../../infra/aws/names.js';
import { DEFAULT_APP, DEFAULT_RELEASE_POLICY } from '../../infra/config/schema.js';
import { fleetHostSetup, type HostSetup } from '../../infra/host/settings.js';
import { bundleFiles, hostRelease } from '../../infra/release/bundle.js';
import { type AppRelease, releaseId } from '../../infra/release/release.js';

const release: AppRelease = {
  imageRef: `docker.io/alice/notes@sha256:${'ab12'.repeat(16)}`,
  registry: 'docker.io',
  registryUsername: 'alice',
  registryToken: { name: '/berth/prod/registry-token', version: 3 },
  secretEnv: {},
  env: { LOG_LEVEL: 'info' },
  policy: DEFAULT_RELEASE_POLICY,
};
const database = (instance: string, secret: string): NonNullable<HostSetup['database']> => ({
  host: `${instance}.c0ffee.eu-west-1.rds.amazonaws.com`,
  port: 5432,
  name: 'notes',
  secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-${secret}-AbCdEf`,
});
const onFleet = (db?: HostSetup['database']) => fleetHostSetup({ region: 'eu-west-1', hostPort: 8080, logGroup: fleetLogGroupName(PROJECT, 'prod'), ...(db ? { database: db } : {}) });
const idOn = (setup: HostSetup) => releaseId(DEFAULT_APP, hostRelease(release, setup));
const releaseLine = (setup: HostSetup) => /^BERTH_RELEASE=(.*)$/m.exec(bundleFiles(DEFAULT_APP, setup, release, '#!/bin/bash\n').find((f) => f.name === 'release.env')!.text)![1];

describe('the database a fleet release connects to is part of its id', () => {
  const before = onFleet(database('berth-prod', '1111'));
  const restored = onFleet(database('berth-prod-r', '2222'));

  it('the same image and settings on a restored database (new endpoint, new secret) are a new release', () => {
    expect(idOn(restored)).not.toBe(idOn(before));
    // The release file the hosts source says so too: deploy.sh compares this id.
    expect(releaseLine(restored)).toBe(idOn(restored));
    expect(releaseLine(restored)).not.toBe(releaseLine(before));
  });

  it('each of endpoint, port, name and secret alone makes a new release', () => {
    const db = database('berth-prod', '1111');
    for (const changed of [{ ...db, host: 'other.c0ffee.eu-west-1.rds.amazonaws.com' }, { ...db, port: 5433 }, { ...db, name: 'notes2' }, { ...db, secretArn: database('x', '3333').secretArn }]) {
      expect(idOn(onFleet(changed)), JSON.stringify(changed)).not.toBe(idOn(before));
    }
  });

  it('an unchanged database keeps the id: a release that changes nothing swaps nothing', () => {
    expect(idOn(onFleet(database('berth-prod', '1111')))).toBe(idOn(before));
  });

  it('a fleet without a database and a single host are as before', () => {
    expect(hostRelease(release, onFleet()).database).toBeUndefined();
    const single: HostSetup = { region: 'eu-west-1', volumeId: 'vol-0123456789abcdef0', deviceName: '/dev/sdf', hostPort: 80 };
    expect(hostRelease(release, single)).toBe(release);
  });
});
