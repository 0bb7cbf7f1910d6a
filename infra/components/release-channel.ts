// berth:release:ReleaseChannel delivers releases to hosts through SSM, in place. A release (what
// runs: infra/release/release.ts) travels with berth's deploy script, the host settings and the
// proxy's config as one bundle in Parameter Store (infra/release/bundle.ts): parts, and a manifest
// that names each part at its version. Berth's SSM document fetches the manifest's bundle and runs
// its deploy script (infra/release/ssm-document.ts); one State Manager association per release
// runs it on the targets given (a single host's instance, or a fleet's tag with rate control), and a local command
// (infra/release/gate.ts) makes `pulumi up` wait until the release serves on every target.
import * as aws from '@pulumi/aws';
import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import type { AppSpec } from '../app/spec.js';
import { deployScript, fetchScript } from '../host/scripts.js';
import type { HostSetup } from '../host/settings.js';
import { type AssociationTarget, associationName } from '../release/association.js';
import { BUNDLE_PARTS, type PackedBundle, bundleFiles, hostRelease, packBundle, releaseParameterNames, renderManifest, splitBundle } from '../release/bundle.js';
import { RELEASE_GATE_TIMEOUT_S, RELEASE_WAIT_COMMAND, releaseWaitEnvironment } from '../release/gate.js';
import { type AppRelease, type ReleasePolicy, type SsmRef, releaseId } from '../release/release.js';
import { renderDeployDocument } from '../release/ssm-document.js';
import { type Transform, childOptions, namedTags, transformed } from './child.js';

export interface ReleaseChannelArgs {
  /** The app to run (berth:app); plain data. */
  readonly app: AppSpec;
  readonly region: pulumi.Input<string>;
  /** SSM parameter path for this stack: /<project>/<stack>. */
  readonly parameterPath: string;
  /** repository@sha256:… to run. */
  readonly imageRef: pulumi.Input<string>;
  /** Registry host to log in to (docker.io for Docker Hub). */
  readonly registry: pulumi.Input<string>;
  readonly registryUsername: pulumi.Input<string>;
  /** The secrets' parameters, pinned to their versions (the Secrets component's outputs). */
  readonly registryToken: pulumi.Input<SsmRef>;
  readonly secretEnv: pulumi.Input<Readonly<Record<string, SsmRef>>>;
  readonly env: pulumi.Input<Readonly<Record<string, string>>>;
  /** Health gate and drain of each release. */
  readonly releasePolicy: ReleasePolicy;
  /** The host settings every release carries (host.env, the proxy's config). */
  readonly setup: pulumi.Input<HostSetup>;
  /** What each release's association runs on. */
  readonly targets: pulumi.Input<pulumi.Input<AssociationTarget>[]>;
  /** Rate control over several targets (a fleet; infra/release/association.ts's rateControl):
   * hosts released at once, and failures after which the roll stops. Unset: State Manager's own
   * (a single target). */
  readonly maxConcurrency?: pulumi.Input<string>;
  readonly maxErrors?: pulumi.Input<string>;
  /** What must exist before a release runs on the targets (a single host's data volume attachment). */
  readonly releaseAfter?: readonly pulumi.Input<pulumi.Resource>[];
  readonly tags: Readonly<Record<string, string>>;
  /** URN of the component these resources were made under before (see childOptions). */
  readonly movedFrom?: pulumi.Input<string>;
  readonly transform?: {
    readonly releasePart?: Transform<aws.ssm.ParameterArgs>;
    readonly manifest?: Transform<aws.ssm.ParameterArgs>;
    readonly document?: Transform<aws.ssm.DocumentArgs>;
    readonly association?: Transform<aws.ssm.AssociationArgs>;
    readonly gate?: Transform<command.local.CommandArgs>;
  };
}

export class ReleaseChannel extends pulumi.ComponentResource {
  /** The manifest's parameter: a new host boots the release it names, so it must exist first. */
  readonly manifest: aws.ssm.Parameter;
  /** The manifest parameter's name, fixed for the life of the stack: what the bootstrap reads. */
  readonly manifestParameterName: string;
  /** Done when the current release serves on every target. */
  readonly gate: command.local.Command;
  /** ARNs of the bundle's parameters (parts and manifest): what the hosts' role must read. */
  readonly parameterArns: pulumi.Output<string[]>;
  /** The release the association deploys (infra/release/release.ts's fingerprint). */
  readonly releaseId: pulumi.Output<string>;
  readonly associationId: pulumi.Output<string>;

  constructor(name: string, args: ReleaseChannelArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('berth:release:ReleaseChannel', name, {}, opts);
    // As the hosts run it: a fleet's logging is part of the release and its id (bundle.ts, hostRelease).
    const release = pulumi.all([appRelease(args), args.setup]).apply(([r, setup]) => hostRelease(r, setup));
    const bundle = pulumi.all([args.setup, release]).apply(([setup, r]) => packBundle(bundleFiles(args.app, setup, r, deployScript())));
    const names = releaseParameterNames(args.parameterPath);
    const parts = this.createParts(name, args, names.parts, bundle);
    const manifest = pulumi
      .all([args.region, bundle, pulumi.all(parts.map((p) => pulumi.all([p.name, p.version])))])
      .apply(([region, b, refs]) => renderManifest(region, b, refs.map(([n, version]) => ({ name: n, version }))));
    this.manifest = this.createManifest(name, args, names.manifest, manifest, parts);
    const document = this.createDocument(name, args);
    const association = this.createAssociation(name, args, document, manifest, bundle);
    this.gate = this.createGate(name, args, association);

    this.manifestParameterName = names.manifest;
    this.parameterArns = pulumi.all([...parts, this.manifest].map((p) => p.arn));
    this.releaseId = release.apply((r) => releaseId(args.app, r));
    this.associationId = association.associationId;
    this.registerOutputs({ releaseId: this.releaseId, associationId: this.associationId, parameterArns: this.parameterArns });
  }

  private createParts(name: string, args: ReleaseChannelArgs, partNames: readonly string[], bundle: pulumi.Output<PackedBundle>): aws.ssm.Parameter[] {
    return partNames.map((partName, i) => {
      const partArgs = transformed(args.transform?.releasePart, `${name}-release-part-${i + 1}`, {
        name: partName,
        type: aws.ssm.ParameterType.String,
        tier: 'Standard',
        value: bundle.apply((b) => splitBundle(b.base64)[i]!),
        description: `berth: release bundle, part ${i + 1} of ${BUNDLE_PARTS} (base64 of a gzipped tar; no secrets)`,
        tags: namedTags(args.tags, name, `release-part-${i + 1}`),
      });
      return new aws.ssm.Parameter(`${name}-release-part-${i + 1}`, partArgs, childOptions(this, args.movedFrom));
    });
  }

  private createManifest(name: string, args: ReleaseChannelArgs, manifestName: string, manifest: pulumi.Output<string>, parts: aws.ssm.Parameter[]): aws.ssm.Parameter {
    const manifestArgs = transformed(args.transform?.manifest, `${name}-release-manifest`, {
      name: manifestName,
      type: aws.ssm.ParameterType.String,
      tier: 'Standard',
      value: manifest,
      description: "berth: the current release's manifest: region, sha256, parts as name:version",
      tags: namedTags(args.tags, name, 'release-manifest'),
    });
    return new aws.ssm.Parameter(`${name}-release-manifest`, manifestArgs, childOptions(this, args.movedFrom, { dependsOn: parts }));
  }

  private createDocument(name: string, args: ReleaseChannelArgs): aws.ssm.Document {
    const documentArgs = transformed(args.transform?.document, `${name}-deploy`, {
      documentType: 'Command',
      documentFormat: 'JSON',
      content: JSON.stringify(renderDeployDocument(fetchScript()), null, 2),
      tags: namedTags(args.tags, name, 'deploy'),
    });
    return new aws.ssm.Document(`${name}-deploy`, documentArgs, childOptions(this, args.movedFrom));
  }

  /**
   * One association per release: a new manifest (or target, or document version) replaces it, the
   * new one created (and run: AWS runs an association when it is created) before the old is
   * deleted. An association that was updated instead would stop at 1,000 versions
   * (AssociationVersionLimitExceeded).
   */
  private createAssociation(name: string, args: ReleaseChannelArgs, document: aws.ssm.Document, manifest: pulumi.Output<string>, bundle: pulumi.Output<PackedBundle>): aws.ssm.Association {
    const associationArgs = transformed(args.transform?.association, `${name}-release`, {
      associationName: bundle.apply((b) => associationName(name, b.sha256)),
      name: document.name,
      documentVersion: document.latestVersion,
      targets: args.targets,
      ...(args.maxConcurrency === undefined ? {} : { maxConcurrency: args.maxConcurrency }),
      ...(args.maxErrors === undefined ? {} : { maxErrors: args.maxErrors }),
      parameters: { manifest },
      // No schedule: it runs once, when created.
      applyOnlyAtCronInterval: false,
      complianceSeverity: 'HIGH',
      tags: namedTags(args.tags, name, 'release'),
    });
    return new aws.ssm.Association(
      `${name}-release`,
      associationArgs,
      childOptions(this, args.movedFrom, { dependsOn: [...(args.releaseAfter ?? [])], replaceOnChanges: ['parameters', 'targets', 'documentVersion', 'name'] }),
    );
  }

  /** `pulumi up` waits here for the release on every target, and fails with their reasons. */
  private createGate(name: string, args: ReleaseChannelArgs, association: aws.ssm.Association): command.local.Command {
    const gateArgs = transformed(args.transform?.gate, `${name}-release-gate`, {
      create: RELEASE_WAIT_COMMAND,
      environment: pulumi.all([association.associationId, args.region]).apply(([associationId, region]) =>
        releaseWaitEnvironment({ associationId, region, timeoutS: RELEASE_GATE_TIMEOUT_S }),
      ),
      triggers: [association.associationId],
    });
    return new command.local.Command(`${name}-release-gate`, gateArgs, childOptions(this, args.movedFrom, { dependsOn: [association] }));
  }
}

/** What runs: the image, the registry login, env, secret refs and the release policy. The keys keep
 * the order they always had: the release's id hashes its JSON (infra/release/release.ts), and a new
 * order would be a new release for every stack on the next `pulumi up`. */
function appRelease(args: ReleaseChannelArgs): pulumi.Output<AppRelease> {
  return pulumi
    .output({ imageRef: args.imageRef, registry: args.registry, registryUsername: args.registryUsername, registryToken: args.registryToken, env: args.env, secretEnv: args.secretEnv })
    .apply((r) => ({ ...r, policy: args.releasePolicy }));
}
