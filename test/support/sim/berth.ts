// berth on the simulated world: the user-data exactly as EC2 receives it (gzip bytes) and a release
// exactly as State Manager delivers it (berth's SSM document, run by the world's agent stand-in
// with the release as its parameter). Nothing here renders anything of its own: it calls the
// same pure renderers infra/host.ts calls.
import { deployScript } from '../../../infra/host/scripts.js';
import { type AppRelease, DEFAULT_RELEASE_POLICY, type ReleasePolicy, renderRelease } from '../../../infra/release.js';
import { containerShape } from '../../../infra/shape.js';
import { encodeRelease, renderDeployDocument } from '../../../infra/ssm-document.js';
import { type HostSetup, packUserData, renderUserData } from '../../../infra/userdata.js';
import type { CommandResult, PushedImage, SimHost, World } from './world.js';
import { REGISTRY_ADDRESS } from './world.js';

export const TOKEN_PARAM = '/berth/dev/registry-token';
export const API_KEY_PARAM = '/berth/dev/secret-env/API_KEY';

/** The host settings infra/host.ts would pass, for a sim volume. */
export function simSetup(world: World, volumeId: string, https?: HostSetup['https']): HostSetup {
  return { region: world.region, volumeId, deviceName: '/dev/sdf', hostPort: 80, ...(https ? { https } : {}) };
}

/** The user-data as the instance receives it: gzip bytes (EC2 base64-decodes userDataBase64). */
export function simUserData(setup: HostSetup): Buffer {
  return Buffer.from(packUserData(renderUserData(containerShape, setup, deployScript())), 'base64');
}

export interface ReleaseOptions {
  readonly apiKeyVersion?: number;
  readonly env?: Readonly<Record<string, string>>;
  readonly policy?: Partial<ReleasePolicy>;
}

/** A release of a pushed image, as infra/host.ts builds it from the stack. */
export function simRelease(world: World, image: PushedImage | string, options: ReleaseOptions = {}): AppRelease {
  return {
    imageRef: typeof image === 'string' ? image : image.reference,
    registry: REGISTRY_ADDRESS,
    registryUsername: world.registry.username,
    registryToken: { name: TOKEN_PARAM, version: 1 },
    secretEnv: { API_KEY: { name: API_KEY_PARAM, version: options.apiKeyVersion ?? 1 } },
    env: options.env ?? { GREETING: 'hello from the sim host', LOG_LEVEL: 'info' },
    policy: { ...DEFAULT_RELEASE_POLICY, ...options.policy },
  };
}

/** What the association does: berth's document on the instance, the release as its parameter. */
export function deployRelease(host: SimHost, release: AppRelease, timeoutMs = 300_000): Promise<CommandResult> {
  return host.runDocument(renderDeployDocument(), { release: encodeRelease(renderRelease(containerShape, release)) }, { timeoutMs });
}

/** deployRelease that must succeed; the failure shows the host's own output. */
export async function mustDeploy(host: SimHost, release: AppRelease): Promise<CommandResult> {
  const result = await deployRelease(host, release);
  if (result.status !== 'Success') throw new Error(`the release failed (${result.status}, exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** The parameter store; secret env version N > 1 holds a new value, as `pulumi up` would make it. */
export function simParameters(world: World, apiKey: string, apiKeyVersion = 1) {
  return {
    [TOKEN_PARAM]: { type: 'SecureString' as const, value: world.registry.password },
    [API_KEY_PARAM]: { type: 'SecureString' as const, value: apiKeyVersion === 1 ? apiKey : `${apiKey}-v${apiKeyVersion}`, version: apiKeyVersion },
  };
}
