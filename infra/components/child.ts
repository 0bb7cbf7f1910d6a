// What every berth component does for its children: parents them, names their tags, lets the user
// change their arguments (a transform), and keeps the identity of those that moved here from an
// older parent.
import * as pulumi from '@pulumi/pulumi';

/**
 * Changes a child resource's arguments before it is made, SST's way (sst/sst
 * platform/src/components/aws/service.ts, `transform`): mutate `args`, or return new ones. What a
 * transform changes is the user's responsibility: berth checks nothing after it, so a transform can
 * undo berth's choices (open a port, drop encryption) silently.
 */
export type Transform<T> = (args: T, name: string) => T | void;

/** The child's arguments after the user's transform, if any. */
export function transformed<T>(transform: Transform<T> | undefined, name: string, args: T): T {
  return transform ? (transform(args, name) ?? args) : args;
}

/** Tags of a child: the component's, and its Name. */
export const namedTags = (tags: Readonly<Record<string, string>>, name: string, part: string) => ({ ...tags, Name: `${name}-${part}` });

/**
 * Options of a child: parented to its component, and, when the component's children lived under
 * another parent before (`movedFrom`, that parent's old URN), aliased to where they were. A URN
 * holds the parent's whole type chain (pulumi/pulumi pkg/resource/deploy/deployment.go,
 * generateURN), so a child moved under a new component has a new URN, which Pulumi reads as a
 * delete and a create, unless an alias names the old one. An alias spec with a parent URN and no
 * name or type means "my own name and type, under that parent" (pulumi/pulumi sdk/nodejs
 * resource.ts, Alias; runtime/resource.ts, mapAliasesForRequest sends it as an Alias.Spec with
 * parentUrn; the engine's collapseAliasToUrn in pkg/resource/deploy/step_generator.go fills in the
 * rest). A parent's own alias is inherited by its children only when the parent was found by it
 * (step_generator.go, generateAliases), which a new component never is: so each child says it.
 */
export function childOptions(
  parent: pulumi.Resource,
  movedFrom: pulumi.Input<string> | undefined,
  extra: pulumi.CustomResourceOptions = {},
): pulumi.CustomResourceOptions {
  return { ...extra, parent, ...(movedFrom === undefined ? {} : { aliases: [{ parent: movedFrom }] }) };
}
