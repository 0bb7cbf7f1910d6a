// berth:image:Image builds the app's image for the host's platform, pushes it, and exposes the
// pushed digest. The host runs `imageRef` (repository@sha256:…), never a tag: the tag is only the
// vehicle for the push.
import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';

export interface ImageArgs {
  /** Build context: the app directory. */
  readonly context: pulumi.Input<string>;
  /** The Dockerfile, relative to the project directory (as the docker provider takes it) or
   * absolute; unset: the context's Dockerfile. */
  readonly dockerfile?: pulumi.Input<string>;
  /** registry/path, fully qualified: docker.io/user/app. */
  readonly repository: pulumi.Input<string>;
  /** Tag pushed along with the digest, for people browsing the registry. */
  readonly tag: pulumi.Input<string>;
  /** linux/amd64 or linux/arm64: the instance's platform. */
  readonly platform: pulumi.Input<string>;
  readonly registry: {
    readonly server: pulumi.Input<string>;
    readonly username: pulumi.Input<string>;
    readonly password: pulumi.Input<string>;
  };
  readonly buildArgs?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

const DIGEST = /@(sha256:[a-f0-9]{64})$/;

export class Image extends pulumi.ComponentResource {
  /** sha256:… of the pushed manifest. */
  readonly digest: pulumi.Output<string>;
  /** repository@sha256:…, what the host pulls and runs. */
  readonly imageRef: pulumi.Output<string>;

  constructor(name: string, args: ImageArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('berth:image:Image', name, {}, opts);

    const image = new docker.Image(
      `${name}-image`,
      {
        imageName: pulumi.interpolate`${args.repository}:${args.tag}`,
        build: {
          context: args.context,
          dockerfile: args.dockerfile ?? pulumi.output(args.context).apply((dir) => `${dir}/Dockerfile`),
          platform: args.platform,
          args: args.buildArgs,
        },
        registry: {
          server: args.registry.server,
          username: args.registry.username,
          password: pulumi.secret(args.registry.password),
        },
      },
      { parent: this },
    );

    this.digest = image.repoDigest.apply((repoDigest) => {
      const match = DIGEST.exec(repoDigest ?? '');
      if (!match) throw new Error(`berth:image: the registry returned no sha256 digest for the pushed image (repoDigest ${JSON.stringify(repoDigest)})`);
      return match[1]!;
    });
    this.imageRef = pulumi.interpolate`${args.repository}@${this.digest}`;

    this.registerOutputs({ digest: this.digest, imageRef: this.imageRef });
  }
}
