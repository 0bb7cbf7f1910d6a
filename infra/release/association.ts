// The State Manager association that delivers one release. Its name carries the bundle's hash, so
// each release is a new association (created, and so run, before the old one is deleted) and
// `aws ssm list-associations` shows which release each one was.

/** Hex digits of the bundle's sha256 in the name: enough to tell releases apart at a glance. */
export const ASSOCIATION_HASH_CHARS = 12;

/** `<name>-release-<first 12 hex of the bundle's sha256>`. */
export function associationName(name: string, bundleSha256: string): string {
  if (!/^[a-f0-9]{64}$/.test(bundleSha256)) throw new Error(`associationName: the bundle's sha256 must be 64 hex digits; got ${JSON.stringify(bundleSha256)}`);
  return `${name}-release-${bundleSha256.slice(0, ASSOCIATION_HASH_CHARS)}`;
}

/** What an association runs on: one instance by id (a single host; a fleet targets a tag). */
export interface AssociationTarget {
  readonly key: string;
  readonly values: string[];
}

export const instanceTargets = (instanceId: string): AssociationTarget[] => [{ key: 'InstanceIds', values: [instanceId] }];
