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

/** The tag a fleet's instances carry (propagated by its Auto Scaling group): `berth:fleet` = the stack. */
export const FLEET_TAG = 'berth:fleet';

/** A fleet: every instance tagged berth:fleet=<stack>, whichever the group has launched (State
 * Manager resolves a `tag:<key>` target when it runs, and applies the association to a matching
 * instance that comes online later). */
export const fleetTargets = (stack: string): AssociationTarget[] => [{ key: `tag:${FLEET_TAG}`, values: [stack] }];

/** State Manager's rate control of a release over a fleet (CreateAssociation MaxConcurrency, MaxErrors). */
export interface RateControl {
  /** Hosts that run the release at once, a whole number as a string. */
  readonly maxConcurrency: string;
  /** Failed hosts after which State Manager stops sending the release to the rest. */
  readonly maxErrors: string;
}

/**
 * `maxUnavailable` hosts at a time, and the roll stops at the first failure: MaxErrors 0 (SSM User
 * Guide, "Understanding targets and rate controls in State Manager associations": once the error
 * threshold is passed, State Manager stops running the association on the remaining targets).
 * Both are strings as the API and the provider take them (association.go: max_concurrency
 * `^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$`, max_errors `^([1-9][0-9]*|[0]|…%)$`, sent as given
 * to CreateAssociation).
 */
export function rateControl(maxUnavailable: number): RateControl {
  if (!Number.isSafeInteger(maxUnavailable) || maxUnavailable < 1) throw new Error(`rateControl: maxUnavailable must be a whole number from 1; got ${maxUnavailable}`);
  return { maxConcurrency: String(maxUnavailable), maxErrors: '0' };
}
