// What `pulumi up` would do between two runs of the program: run it for one configuration (a fresh
// stack, everything created), then for another with mocks that start from the first run's state,
// and classify every resource (matched by type and name, its URN here) as Pulumi's engine would:
// create, same, update in place, replace (create-before-delete or delete-before-replace), delete.
// The engine's rules, from pulumi/pulumi pkg/resource/deploy/step_generator.go (generateSteps):
//  - ignoreChanges: before diffing, each ignored input takes its value from the prior state
//    (processIgnoreChanges), so its change alone is no diff, and an update keeps the old value;
//  - a replacement recomputes the inputs from the program (prov.Check with goal.Properties, "we
//    need to recompute the default values"), so a replaced resource gets the program's value even
//    for an ignored input;
//  - replaceOnChanges adds its paths to the provider's replace keys; a replacement creates the new
//    resource first and deletes the old one after every other step, unless deleteBeforeReplace
//    (the option wins over the provider's request).
// The provider's replace keys are the cited table in replace-fields.ts; what AWS answers (new ids,
// versions) is AwsMocks's (pulumi-mocks.ts). Not modelled: the resources a delete-before-replace
// also deletes because a *property* of theirs depends on the replaced one (calculateDependentReplacements;
// nothing in berth takes a property from the one resource it replaces that way, the attachment).
import * as pulumi from '@pulumi/pulumi';
import { vi } from 'vitest';
import { decide } from './replace-fields.js';
import { deleteRefusal } from './aws-rules.js';
import { AwsMocks, type ProgramRun, type Registered, type World, plain, runProgram } from './pulumi-mocks.js';

export type Op = 'create' | 'same' | 'update' | 'replace' | 'delete';

export interface Step {
  readonly type: string;
  readonly name: string;
  readonly op: Op;
  /** The changed input paths (update, replace). */
  readonly fields: readonly string[];
  /** The changed paths that force the replacement. */
  readonly replaceKeys: readonly string[];
  /** Changes the program asked for that ignoreChanges kept out. */
  readonly ignored: readonly string[];
  /** Replacements only: Pulumi's default, or deleteBeforeReplace. */
  readonly order?: 'create-before-delete' | 'delete-before-replace';
  /** The inputs the provider acts on (plain): the program's for a create or replacement, the
   * ignoreChanges-merged ones for an update; the prior ones for a delete. */
  readonly inputs: Record<string, any>;
  /** The prior run's inputs (plain), when there was a prior run of this resource. */
  readonly before?: Record<string, any>;
  /** A delete (or a replacement's delete of the old resource) AWS refuses: its answer. The engine
   * then stops the update with that error and keeps the old resource, pending deletion, which the
   * next update tries to delete before anything else (pulumi/pulumi
   * tests/integration/double_pending_delete: "The engine should delete all pending deletes before
   * attempting to start the next plan"). */
  readonly deleteRefused?: string;
}

/** The options a stack transformation sees on a resource. */
export interface CapturedOptions {
  readonly ignoreChanges?: readonly string[];
  readonly replaceOnChanges?: readonly string[];
  readonly deleteBeforeReplace?: boolean;
  /** Names of the resources whose replacement replaces this one too (Pulumi's `replaceWith`). */
  readonly replaceWith?: readonly string[];
}

/** A resource in the stack's state after a run. */
export interface StateEntry extends Registered {
  /** How many times it has been replaced since the stack was created. */
  readonly generation: number;
  /** Its inputs as the provider checked them (plain): what the next run's diff compares with. */
  readonly checked: Record<string, any>;
}

export interface Applied {
  readonly run: ProgramRun;
  /** type::name → what the stack's state holds after this run. */
  readonly state: ReadonlyMap<string, StateEntry>;
  readonly steps: readonly Step[];
}

export interface Plan extends Applied {
  readonly before: Applied;
  /** The one step for this resource name. */
  step(name: string): Step;
  op(name: string): Op;
  /** Every resource that is not `same`, name → op. */
  changes(): Record<string, Op>;
}

/** One side of a plan: which berth (the host scripts an upgrade brings) in which world. */
export interface Variant {
  /** infra/host/deploy.sh's text (it travels with every release). */
  readonly script?: string;
  /** infra/host/fetch-release.sh's text (the SSM document and the user-data embed it). */
  readonly fetcher?: string;
  readonly world?: World;
}

const keyOf = (type: string, name: string) => `${type}::${name}`;
/** Cloud resources: not berth's components, the stack, or the providers. */
const isCloud = (type: string) => !type.startsWith('pulumi:') && !type.startsWith('berth:');

/** The docker provider's Check: it adds a hash of the build context to the inputs it diffs
 * (pulumi/pulumi-docker provider/provider.go, dockerNativeProvider.Check: build.contextDigest). */
function providerInputs(type: string, inputs: Record<string, any>, world: World): Record<string, any> {
  if (type !== 'docker:index/image:Image') return inputs;
  return { ...inputs, build: { ...inputs.build, contextDigest: world.appContext ?? 'app' } };
}

/** Pulumi's processIgnoreChanges on raw inputs: each ignored path takes the prior value, or goes. */
function withIgnored(inputs: Record<string, unknown>, prior: Record<string, unknown>, paths: readonly string[]): Record<string, unknown> {
  const out = structuredClone(inputs);
  for (const path of paths) {
    if (/[[\]*]/.test(path)) throw new Error(`plan: ignoreChanges path ${path}: only dotted paths are modelled; add indexes to withIgnored`);
    const keys = path.split('.');
    let from: any = prior;
    let to: any = out;
    for (const key of keys.slice(0, -1)) {
      from = from?.[key];
      to = to[key] ??= {};
    }
    const last = keys[keys.length - 1]!;
    if (from && last in from) to[last] = structuredClone(from[last]);
    else delete to[last];
  }
  return out;
}

/** AwsMocks that answer from a prior run's state, and record what each registration is to Pulumi. */
class PlanMocks extends AwsMocks {
  readonly steps: Step[] = [];
  readonly state = new Map<string, StateEntry>();

  constructor(
    private readonly prior: ReadonlyMap<string, StateEntry>,
    private readonly options: ReadonlyMap<string, CapturedOptions>,
    world: World,
  ) {
    super(world);
  }

  override newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    const key = keyOf(args.type, args.name);
    const prior = this.prior.get(key);
    const program = args.inputs as Record<string, unknown>;
    if (!prior || !args.custom || !isCloud(args.type)) {
      const generation = prior?.generation ?? 0;
      this.generations.set(key, generation);
      const answer = this.keep(args, super.newResource(args), generation);
      if (!prior && isCloud(args.type)) this.record(args, { op: 'create', fields: [], replaceKeys: [], ignored: [], inputs: plain(program) as Record<string, any> });
      return answer;
    }
    const opts = this.options.get(key) ?? {};
    const effective = withIgnored(program, prior.inputs, opts.ignoreChanges ?? []);
    const asked = decide(args.type, prior.checked, this.checked(args.type, program), opts.replaceOnChanges);
    const own = decide(args.type, prior.checked, this.checked(args.type, effective), opts.replaceOnChanges);
    // replaceWith (@pulumi/pulumi CustomResourceOptions: "the URNs of the resources whose replaces
    // will also replace this resource"): a named resource replaced earlier in this run replaces it.
    // The ones it names are its inputs' sources, so they are registered, and decided, before it.
    const along = (opts.replaceWith ?? []).filter((name) => this.steps.some((step) => step.name === name && step.op === 'replace'));
    const decision = along.length === 0 ? own : { ...own, op: 'replace' as const, replaceKeys: [...own.replaceKeys, ...along.map((name) => `(replaceWith ${name})`)] };
    const common = {
      fields: decision.fields,
      replaceKeys: decision.replaceKeys,
      ignored: asked.fields.filter((field) => !decision.fields.includes(field)),
      before: plain(prior.inputs) as Record<string, any>,
    };
    if (decision.op === 'replace') {
      // A new resource from the program's inputs, ignored ones included; a new incarnation.
      this.generations.set(key, prior.generation + 1);
      const order = opts.deleteBeforeReplace ? 'delete-before-replace' : 'create-before-delete';
      const refused = deleteRefusal(args.type, plain(prior.inputs) as Record<string, any>);
      this.record(args, { ...common, op: 'replace', order, inputs: plain(program) as Record<string, any>, ...(refused ? { deleteRefused: refused } : {}) });
      return this.keep(args, super.newResource(args), prior.generation + 1);
    }
    this.generations.set(key, prior.generation);
    const merged = { ...args, inputs: effective };
    const created = super.newResource(merged);
    this.record(args, { ...common, op: decision.op, inputs: plain(effective) as Record<string, any> });
    return this.keep(merged, decision.op === 'same' ? { id: prior.id, state: prior.state } : this.updated(args.type, prior, created, decision.fields), prior.generation);
  }

  /** The inputs as the provider's Check hands them to its Diff. */
  private checked(type: string, inputs: Record<string, unknown>): Record<string, any> {
    return providerInputs(type, plain(inputs) as Record<string, any>, this.scenario);
  }

  private record(args: pulumi.runtime.MockResourceArgs, step: Omit<Step, 'type' | 'name'>) {
    this.steps.push({ type: args.type, name: args.name, ...step });
  }

  /** Makes the answer this run's registration and the stack's new state. */
  private keep(args: pulumi.runtime.MockResourceArgs, answer: { id: string; state: Record<string, unknown> }, generation: number) {
    const inputs = args.inputs as Record<string, unknown>;
    const entry = { type: args.type, name: args.name, id: answer.id, inputs, state: answer.state };
    this.resources[this.resources.length - 1] = entry;
    this.state.set(keyOf(args.type, args.name), { ...entry, generation, checked: this.checked(args.type, inputs) });
    return answer;
  }
}

const SCRIPTS = '../../infra/host/scripts.js';

/**
 * Runs the program for this config, from a prior run's state (or a fresh stack), with the deploy
 * script and world of `variant`; answers what the run did to each resource.
 */
export async function apply(config: Record<string, string>, secretKeys: readonly string[], variant: Variant = {}, prior?: Applied): Promise<Applied> {
  vi.resetModules();
  vi.doUnmock(SCRIPTS);
  if (variant.script !== undefined || variant.fetcher !== undefined) {
    const { script, fetcher } = variant;
    const real = await vi.importActual<typeof import('../../infra/host/scripts.js')>(SCRIPTS);
    vi.doMock(SCRIPTS, () => ({
      deployScript: script === undefined ? real.deployScript : () => script,
      fetchScript: fetcher === undefined ? real.fetchScript : () => fetcher,
    }));
  }
  const options = new Map<string, CapturedOptions>();
  const mocks = new PlanMocks(prior?.state ?? new Map(), options, variant.world ?? {});
  const run = await runProgram(
    config,
    secretKeys,
    async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        const opts = args.opts as pulumi.CustomResourceOptions;
        const replaceWith = opts.replaceWith?.map((r) => (r as unknown as { __name?: string }).__name ?? '?');
        options.set(keyOf(args.type, args.name), { ignoreChanges: opts.ignoreChanges, replaceOnChanges: opts.replaceOnChanges, deleteBeforeReplace: opts.deleteBeforeReplace, ...(replaceWith ? { replaceWith } : {}) });
        return undefined;
      });
      return (await import('../../index.js')) as Record<string, unknown>;
    },
    mocks,
  );
  const seen = new Set(mocks.state.keys());
  const deletes: Step[] = [...(prior?.state.values() ?? [])]
    .filter((r) => isCloud(r.type) && !seen.has(keyOf(r.type, r.name)))
    .map((r) => {
      const inputs = plain(r.inputs) as Record<string, any>;
      const refused = deleteRefusal(r.type, inputs);
      return { type: r.type, name: r.name, op: 'delete', fields: [], replaceKeys: [], ignored: [], inputs, ...(refused ? { deleteRefused: refused } : {}) };
    });
  return { run, state: mocks.state, steps: [...mocks.steps, ...deletes] };
}

/** The plan from config A (applied to a fresh stack) to config B. */
export async function plan(
  configA: Record<string, string>,
  configB: Record<string, string>,
  opts: { readonly secretKeys: readonly string[]; readonly before?: Variant; readonly after?: Variant },
): Promise<Plan> {
  const before = await apply(configA, opts.secretKeys, opts.before);
  return planFrom(before, configB, opts.secretKeys, opts.after);
}

/** The plan from an applied run to config B. */
export async function planFrom(before: Applied, configB: Record<string, string>, secretKeys: readonly string[], variant: Variant = {}): Promise<Plan> {
  const after = await apply(configB, secretKeys, variant, before);
  const step = (name: string) => {
    const found = after.steps.filter((s) => s.name === name);
    if (found.length !== 1) throw new Error(`plan: expected one step for ${name}, found ${found.length}`);
    return found[0]!;
  };
  return {
    ...after,
    before,
    step,
    op: (name) => step(name).op,
    changes: () => Object.fromEntries(after.steps.filter((s) => s.op !== 'same').map((s) => [s.name, s.op])),
  };
}
