// The engine's side of URNs and aliases, restated for tests: the mock monitor names a child by its
// parent's last type only and ignores aliases (@pulumi/pulumi runtime/mocks.js, MockMonitor.newUrn
// and registerResource), where the engine names it by the parent's whole type chain and looks an
// unknown URN up by its aliases. Restated from pulumi/pulumi (read, not copied):
// - pkg/resource/deploy/deployment.go, generateURN: the parent's qualified type (its whole chain),
//   none for the root stack, then the type and the name;
// - pkg/resource/deploy/step_generator.go, collapseAliasToUrn (an alias spec's defaults: the
//   resource's own name, type and parent; a parent that was itself found by an alias stands for its
//   old URN; no parent for the root stack), generateAliases (the resource's own aliases, then, only
//   when its parent was found by an alias, the children of that old parent: inheritedChildAlias,
//   which swaps a `${parentName}-` prefix for the old parent's name), and generateSteps (look up the
//   URN first, then each alias in order; the first one found is the old resource, and an old URN
//   claimed twice is an error).
import type { Registration, SentAlias } from './pulumi-mocks.js';

const ROOT_STACK = 'pulumi:pulumi:Stack';

const parts = (urn: string) => {
  const [, , qualifiedType, ...name] = urn.split('::');
  return { qualifiedType: qualifiedType!, type: qualifiedType!.split('$').pop()!, name: name.join('::') };
};
const prefixOf = (urn: string) => urn.split('::').slice(0, 2).join('::');

/** resource.CreateURN: the parent's whole type chain, then the type and the name. */
function createUrn(prefix: string, name: string, type: string, parent: string): string {
  const chain = parent === '' ? '' : `${parts(parent).qualifiedType}$`;
  return `${prefix}::${chain}${type}::${name}`;
}

/** What the engine matched each new resource to in the old state. */
export interface Resolution {
  /** The engine's URN of each registration, in order. */
  readonly urns: readonly string[];
  /** New URN → the old URN it took over (the same URN, or an alias). */
  readonly matched: ReadonlyMap<string, string>;
  /** New URN → every alias URN the engine computed for it. */
  readonly aliases: ReadonlyMap<string, readonly string[]>;
  /** Old URNs more than one new resource claimed (the engine refuses the update). */
  readonly claimedTwice: readonly string[];
}

/** Runs the registrations through the engine's URN and alias rules against the old state's URNs. */
export function resolveAgainst(olds: readonly string[], registrations: readonly Registration[]): Resolution {
  const old = new Set(olds);
  const engineUrnOf = new Map<string, string>(); // the mock monitor's URN → the engine's
  const aliasUsed = new Map<string, string>(); // sg.aliases: new URN → the old URN it was found by
  const claimed = new Map<string, string>(); // old URN → the new URN that took it
  const matched = new Map<string, string>();
  const allAliases = new Map<string, readonly string[]>();
  const claimedTwice: string[] = [];
  const urns: string[] = [];
  for (const reg of registrations) {
    const prefix = prefixOf(reg.urn);
    const parent = reg.parentUrn === '' ? '' : engineUrnOf.get(reg.parentUrn);
    if (parent === undefined) throw new Error(`${reg.urn}: its parent ${reg.parentUrn} registered after it`);
    const parentIsStack = parent !== '' && parts(parent).qualifiedType === ROOT_STACK;
    const urn = createUrn(prefix, reg.name, reg.type, parentIsStack ? '' : parent);
    engineUrnOf.set(reg.urn, urn);
    urns.push(urn);

    const collapse = (alias: SentAlias): string => {
      if (alias.urn) return alias.urn;
      let aliasParent = alias.parentUrn ? (engineUrnOf.get(alias.parentUrn) ?? alias.parentUrn) : parent;
      if (alias.parentUrn) aliasParent = aliasUsed.get(aliasParent) ?? aliasParent;
      if (alias.noParent || (aliasParent !== '' && parts(aliasParent).qualifiedType === ROOT_STACK)) aliasParent = '';
      return createUrn(prefix, alias.name ?? reg.name, alias.type ?? reg.type, aliasParent);
    };
    const inherited = (type: string, name: string, parentAlias: string) => {
      const parentName = parts(parent).name;
      const aliasName = name.startsWith(parentName) ? parts(parentAlias).name + name.slice(parentName.length) : name;
      return createUrn(prefix, aliasName, type, parentAlias);
    };
    const aliases: string[] = [];
    const add = (u: string) => void (aliases.includes(u) || aliases.push(u));
    reg.aliases.forEach((a) => add(collapse(a)));
    const parentOld = parent === '' ? undefined : aliasUsed.get(parent);
    if (parentOld !== undefined) {
      add(inherited(reg.type, reg.name, parentOld));
      for (const a of reg.aliases) {
        const own = parts(collapse(a));
        add(inherited(own.type, own.name, parentOld));
      }
    }
    allAliases.set(urn, aliases);

    const found = [urn, ...aliases].find((u) => old.has(u));
    if (found === undefined) continue;
    if (claimed.has(found)) claimedTwice.push(found);
    claimed.set(found, urn);
    matched.set(urn, found);
    if (found !== urn) aliasUsed.set(urn, found);
  }
  return { urns, matched, aliases: allAliases, claimedTwice };
}
