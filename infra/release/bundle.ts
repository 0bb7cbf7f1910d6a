// What a release carries to a host, beyond the app release itself: berth's deploy script, the host
// settings and the proxy's config. All of it travels as one bundle (a gzipped tar), so that
// upgrading berth or changing a host setting is a release like a new image: health-gated, in place,
// never a stop/start (the user-data, infra/host/bootstrap.ts, is only a bootstrap that fetches it).
//
// The bundle is published in SSM Parameter Store, where the host's role can read it: base64, in
// standard parameters of at most 4 KB each ("Standard parameter value: 4 KB", SSM quotas), plus a
// manifest that names each part *with its version* and the bundle's sha256. The association's only
// parameter is that manifest (tiny: far inside the 64 KB a document's content and its run-time
// parameter values may take, SSM API reference, SendCommand/CreateAssociation), and a new host's
// first boot reads the same manifest from its parameter. Pure functions: the program
// (infra/components/release-channel.ts) and the simulated world (sim/berth.ts) both call them.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { AppSpec } from '../app/spec.js';
import { type AppRelease, renderRelease } from './release.js';
import { type HostSetup, renderHostEnv, proxyConfig } from '../host/settings.js';

/** A standard parameter holds at most 4 KB (4,096 characters of base64). */
export const PART_CHARS = 4096;
/** Parts the program declares; unused ones hold PART_UNUSED (a parameter value cannot be empty). */
export const BUNDLE_PARTS = 4;
export const PART_UNUSED = '-';
/** What the document's `manifest` parameter may hold: region, sha256, then parameter:version refs.
 * No quote, space run or shell character can pass, so it is safe inside the document's command. */
export const MANIFEST_PATTERN = `^[a-z0-9-]+ [a-f0-9]{64}( /[a-zA-Z0-9_.-]+(/[a-zA-Z0-9_.-]+)*:[0-9]+){1,${BUNDLE_PARTS}}$`;

export class BundleError extends Error {
  override name = 'BundleError';
}

export interface BundleFile {
  /** A file name inside the bundle (no directories). */
  readonly name: string;
  readonly mode: number;
  readonly text: string;
}

/**
 * The release as these hosts run it: on a fleet host (its settings name the stack's log group) the
 * container logs to CloudWatch Logs, so the logging is part of the release's `docker run` and of
 * its id; with a database, its endpoint and secret are part of the id too, so a release that moves
 * the hosts to another database (berth:restoreDbSnapshot) starts new containers, health-gated,
 * rather than finding the release "already serving" on the old connection (proven on the simulated
 * fleet: test/e2e/fleet-restore.test.ts). A single host's release is returned as it is (json-file,
 * no database, the same id as before). The program (infra/components/release-channel.ts) and
 * bundleFiles both call this, so the id the release gate waits for is the id the host reports.
 */
export function hostRelease(release: AppRelease, setup: Pick<HostSetup, 'logGroup' | 'region' | 'database'>): AppRelease {
  if (setup.logGroup === undefined && setup.database === undefined) return release;
  return {
    ...release,
    ...(setup.logGroup === undefined ? {} : { logs: { group: setup.logGroup, region: setup.region } }),
    ...(setup.database === undefined ? {} : { database: { host: setup.database.host, port: setup.database.port, name: setup.database.name, secretArn: setup.database.secretArn } }),
  };
}

/** The files of one release, as the host unpacks them; names are the contract with deploy.sh. */
export function bundleFiles(app: AppSpec, setup: HostSetup, release: AppRelease, deployScript: string): BundleFile[] {
  return [
    { name: 'deploy.sh', mode: 0o755, text: deployScript },
    { name: 'host.env', mode: 0o644, text: renderHostEnv(app, setup) },
    { name: 'caddy.json', mode: 0o644, text: proxyConfig(app, setup) },
    ...(setup.https?.acmeCaRootPem ? [{ name: 'acme-ca-root.pem', mode: 0o644, text: `${setup.https.acmeCaRootPem.trimEnd()}\n` }] : []),
    { name: 'release.env', mode: 0o600, text: renderRelease(app, hostRelease(release, setup)) },
  ];
}

/** A POSIX ustar archive of the files, byte for byte the same for the same files (mtime 0, root). */
export function tar(files: readonly BundleFile[]): Buffer {
  const blocks: Buffer[] = [];
  for (const file of files) {
    if (!/^[a-zA-Z0-9._-]{1,100}$/.test(file.name)) throw new BundleError(`bundle file name ${JSON.stringify(file.name)} is not a plain file name`);
    const body = Buffer.from(file.text, 'utf8');
    const header = Buffer.alloc(512);
    const field = (offset: number, length: number, value: string) => header.write(value, offset, length, 'ascii');
    const octal = (offset: number, length: number, n: number) => field(offset, length, `${n.toString(8).padStart(length - 1, '0')}\0`);
    field(0, 100, file.name);
    octal(100, 8, file.mode);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, body.length);
    octal(136, 12, 0);
    field(148, 8, ' '.repeat(8));
    field(156, 1, '0');
    field(257, 6, 'ustar\0');
    field(263, 2, '00');
    field(265, 32, 'root');
    field(297, 32, 'root');
    const sum = header.reduce((a, b) => a + b, 0);
    field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export interface PackedBundle {
  /** The gzipped tar, base64. */
  readonly base64: string;
  /** sha256 of the gzipped tar, which the host checks before it unpacks. */
  readonly sha256: string;
}

export function packBundle(files: readonly BundleFile[]): PackedBundle {
  const gz = gzipSync(tar(files), { level: 9 });
  return { base64: gz.toString('base64'), sha256: createHash('sha256').update(gz).digest('hex') };
}

/** Exactly BUNDLE_PARTS parameter values; the bundle must fit them. */
export function splitBundle(base64: string): string[] {
  const used = Math.ceil(base64.length / PART_CHARS);
  if (used > BUNDLE_PARTS) {
    throw new BundleError(
      `the release bundle is ${base64.length} characters of base64, over the ${BUNDLE_PARTS * PART_CHARS} that ${BUNDLE_PARTS} standard SSM parameters hold; a long berth:acmeCaRoot or berth:env is what grows: shorten it`,
    );
  }
  return Array.from({ length: BUNDLE_PARTS }, (_, i) => base64.slice(i * PART_CHARS, (i + 1) * PART_CHARS) || PART_UNUSED);
}

/** The number of parts a bundle uses (the manifest names only those). */
export const partsUsed = (base64: string) => Math.max(1, Math.ceil(base64.length / PART_CHARS));

/** The parameters of a stack's release: parts 1..BUNDLE_PARTS and the manifest. */
export const releaseParameterNames = (parameterPath: string) => ({
  parts: Array.from({ length: BUNDLE_PARTS }, (_, i) => `${parameterPath}/release/part-${i + 1}`),
  manifest: `${parameterPath}/release/manifest`,
});

export interface ParameterRef {
  readonly name: string;
  readonly version: number;
}

/** One line: region, sha256, and each used part as name:version. */
export function renderManifest(region: string, bundle: PackedBundle, parts: readonly ParameterRef[]): string {
  const used = parts.slice(0, partsUsed(bundle.base64));
  const manifest = [region, bundle.sha256, ...used.map((p) => `${p.name}:${p.version}`)].join(' ');
  if (!new RegExp(MANIFEST_PATTERN).test(manifest)) throw new BundleError(`the release manifest ${JSON.stringify(manifest)} does not match ${MANIFEST_PATTERN}`);
  return manifest;
}
