// The sample release and single host the release tests share (release, app-spec, fleet-logs): a
// digest-pinned image, a registry token and a secret named by parameter and version, and plain env
// with a quote, a $ and backquotes, so every renderer's quoting is exercised. Change it knowingly:
// test/unit/fleet-logs.test.ts pins the sha256 of the release file rendered from exactly these values.
import { DEFAULT_RELEASE_POLICY } from '../../infra/config/schema.js';
import type { HostSetup } from '../../infra/host/settings.js';
import type { AppRelease } from '../../infra/release/release.js';

export const sampleRelease: AppRelease = {
  imageRef: `docker.io/alice/notes@sha256:${'ab12'.repeat(16)}`,
  registry: 'docker.io',
  registryUsername: 'alice',
  registryToken: { name: '/berth/dev/registry-token', version: 3 },
  secretEnv: { API_KEY: { name: '/berth/dev/secret-env/API_KEY', version: 2 } },
  env: { GREETING: "it's $HOME `here`", LOG_LEVEL: 'info' },
  policy: DEFAULT_RELEASE_POLICY,
};

/** A single host (no fleet): plain HTTP on port 80, its data volume attached as /dev/sdf. */
export const sampleSingleHost: HostSetup = { region: 'eu-west-1', volumeId: 'vol-0123456789abcdef0', deviceName: '/dev/sdf', hostPort: 80 };
