// berth on the simulated world, through the program's own builders: the user-data exactly as EC2
// receives it (gzip bytes), a release bundle published to the host's Parameter Store as the
// program's parameters publish it (parts, then the manifest naming their versions), and a release
// run exactly as State Manager delivers it (berth's SSM document with the manifest as its
// parameter). Nothing here renders anything of its own: it calls the pure functions
// infra/components/single-host.ts calls.
import { deployScript, fetchScript } from '../infra/host/scripts.js';
import type { AppRelease, ReleasePolicy } from '../infra/release/release.js';
import { type PackedBundle, bundleFiles, packBundle, releaseParameterNames, renderManifest, splitBundle } from '../infra/release/bundle.js';
import type { AppSpec } from '../infra/app/spec.js';
import { DEFAULT_APP, DEFAULT_RELEASE_POLICY } from '../infra/config/schema.js';
import { renderDeployDocument } from '../infra/release/ssm-document.js';
import { packUserData, renderUserData } from '../infra/host/bootstrap.js';
import { type HostSetup } from '../infra/host/settings.js';
import { CreateAssociationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { RELEASE_WAIT_COMMAND, releaseWaitArgs, releaseWaitEnvironment } from '../infra/release/gate.js';
import { type Result, run } from '../ops/run.js';
import { StateManager } from './state-manager.js';
import type { CommandResult, PushedImage, SimHost, SsmParameter, World } from './world.js';
import { REGISTRY_ADDRESS, repoRoot } from './world.js';

/** The stack's parameter path, as index.ts makes it: /<project>/<stack>. */
export const PARAMETER_PATH = '/berth/dev';
export const TOKEN_PARAM = `${PARAMETER_PATH}/registry-token`;
export const API_KEY_PARAM = `${PARAMETER_PATH}/secret-env/API_KEY`;
const NAMES = releaseParameterNames(PARAMETER_PATH);

/** The host settings infra/components/single-host.ts would pass, for a sim volume. */
export function simSetup(world: World, volumeId: string, https?: HostSetup['https']): HostSetup {
  return { region: world.region, volumeId, deviceName: '/dev/sdf', hostPort: 80, ...(https ? { https } : {}) };
}

/** The user-data as the instance receives it: gzip bytes (EC2 base64-decodes userDataBase64). */
export function simUserData(world: World): Buffer {
  return Buffer.from(packUserData(renderUserData({ region: world.region, manifestParameter: NAMES.manifest }, fetchScript())), 'base64');
}

/** berth's SSM document, as the program creates it. */
export const simDocument = () => renderDeployDocument(fetchScript());

export interface ReleaseOptions {
  readonly apiKeyVersion?: number;
  readonly env?: Readonly<Record<string, string>>;
  readonly policy?: Partial<ReleasePolicy>;
}

/** A release of a pushed image, as infra/components/single-host.ts builds it from the stack. */
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

/** What a release carries: the app release with the host settings and a deploy script (berth's own by default). */
export interface SimRelease {
  /** The app (berth:app) the stack describes; the default app (the notes server) when unset. */
  readonly app?: AppSpec;
  readonly setup: HostSetup;
  readonly release: AppRelease;
  /** The deploy script the release carries: berth's infra/host/deploy.sh unless a test upgrades it. */
  readonly script?: string;
}

export const simBundle = ({ app, setup, release, script }: SimRelease): PackedBundle =>
  packBundle(bundleFiles(app ?? DEFAULT_APP, setup, release, script ?? deployScript()));

/** The release's parameters as a brand-new stack publishes them (every part at version 1), for launchHost. */
export function releaseParameters(r: SimRelease): Record<string, SsmParameter> {
  const bundle = simBundle(r);
  const values = splitBundle(bundle.base64);
  const manifest = renderManifest(r.setup.region, bundle, NAMES.parts.map((name) => ({ name, version: 1 })));
  return {
    ...Object.fromEntries(NAMES.parts.map((name, i) => [name, { type: 'String' as const, value: values[i]! }])),
    [NAMES.manifest]: { type: 'String', value: manifest },
  };
}

/** Publishes the release in the host's Parameter Store as `pulumi up` does (the parts, then the
 * manifest with their versions), and returns the manifest: the association's parameter. */
export async function publishRelease(host: SimHost, r: SimRelease): Promise<string> {
  const bundle = simBundle(r);
  const values = splitBundle(bundle.base64);
  const versions = await host.putSsmParameters(Object.fromEntries(NAMES.parts.map((name, i) => [name, { type: 'String' as const, value: values[i]! }])));
  const manifest = renderManifest(r.setup.region, bundle, NAMES.parts.map((name) => ({ name, version: versions[name]! })));
  await host.putSsmParameters({ [NAMES.manifest]: { type: 'String', value: manifest } });
  return manifest;
}

/** What one release does: publish it, then berth's document on the instance, the manifest as its parameter. */
export async function deployRelease(host: SimHost, r: SimRelease, timeoutMs = 300_000): Promise<CommandResult> {
  const manifest = await publishRelease(host, r);
  return host.runDocument(simDocument(), { manifest }, { timeoutMs });
}

/** deployRelease that must succeed; the failure shows the host's own output. */
export async function mustDeploy(host: SimHost, r: SimRelease): Promise<CommandResult> {
  const result = await deployRelease(host, r);
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

/** State Manager (the stand-in) with berth's document and this host as its managed instance: the
 * host's SSM agent runs what an association sends it, after `pickupDelayMs` as on EC2. */
export async function stateManagerFor(world: World, host: SimHost, pickupDelayMs = 1500): Promise<StateManager> {
  const sm = await new StateManager({ region: world.region, pickupDelayMs }).start();
  sm.putDocument(RELEASE_DOCUMENT, JSON.stringify(simDocument()));
  sm.register({
    instanceId: host.instanceId,
    pingStatus: 'Online',
    run: async (content, parameters) => {
      const r = await host.runDocument(content, parameters);
      return { commandId: r.commandId, status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
  });
  return sm;
}

export const RELEASE_DOCUMENT = 'berth-deploy';
let associations = 0;

/** What `pulumi up` does for a release: publish it, create its association (one per release), then
 * run the release gate's own command line (npm run release:wait with the gate's arguments). `pollS`
 * unset: the waiter's default, as `pulumi up` runs it. */
export async function releaseAndWait(host: SimHost, sm: StateManager, r: SimRelease, options: { timeoutS?: number; pollS?: number } = {}): Promise<Result> {
  const timeoutS = options.timeoutS ?? 120;
  const manifest = await publishRelease(host, r);
  const ssm = new SSMClient({ region: sm.region, endpoint: sm.endpoint, credentials: { accessKeyId: 'AKIASIM', secretAccessKey: 'sim' } });
  const created = await ssm.send(new CreateAssociationCommand({
    Name: RELEASE_DOCUMENT, AssociationName: `berth-release-${process.pid}-${++associations}`,
    Targets: [{ Key: 'InstanceIds', Values: [host.instanceId] }], Parameters: { manifest: [manifest] },
  }));
  ssm.destroy();
  const env = { ...process.env, ...sm.clientEnv(), ...(options.pollS === undefined ? {} : { BERTH_RELEASE_WAIT_POLL_S: String(options.pollS) }) };
  const args = releaseWaitArgs(RELEASE_WAIT_COMMAND, releaseWaitEnvironment({ associationId: created.AssociationDescription!.AssociationId!, region: sm.region, timeoutS }));
  return run(['npx', 'tsx', 'ops/release-wait.ts', ...args], { cwd: repoRoot, env, timeoutMs: (timeoutS + 60) * 1000 });
}
