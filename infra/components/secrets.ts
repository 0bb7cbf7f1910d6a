// berth:secrets:Secrets holds a stack's secrets as SSM SecureString parameters: the registry token
// the host logs in with, and one parameter per secret env var. Nothing secret leaves it: a release
// names each parameter with its version (so a changed secret is a new release), and the host reads
// the values with its role.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { SsmRef } from '../release/release.js';
import { type Transform, childOptions, namedTags, transformed } from './child.js';

export interface SecretsArgs {
  /** SSM parameter path for this stack: /<project>/<stack>. */
  readonly parameterPath: string;
  readonly registryToken: pulumi.Input<string>;
  readonly secretEnv: pulumi.Input<Readonly<Record<string, string>>>;
  /** Names of secretEnv, known up front: there is one parameter per name. */
  readonly secretEnvNames: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  /** URN of the component these parameters were made under before (see childOptions). */
  readonly movedFrom?: pulumi.Input<string>;
  readonly transform?: {
    readonly registryToken?: Transform<aws.ssm.ParameterArgs>;
    readonly secretEnv?: Transform<aws.ssm.ParameterArgs>;
  };
}

export class Secrets extends pulumi.ComponentResource {
  /** The registry token's parameter, pinned to its version. */
  readonly registryToken: pulumi.Output<SsmRef>;
  /** Env var name → its parameter, pinned to its version. */
  readonly secretEnv: pulumi.Output<Record<string, SsmRef>>;
  /** ARNs of every parameter here: what the host's role must be able to read. */
  readonly parameterArns: pulumi.Output<string[]>;

  constructor(name: string, args: SecretsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('berth:secrets:Secrets', name, {}, opts);
    const token = this.createRegistryToken(name, args);
    const env = this.createSecretEnv(name, args);

    this.registryToken = refOf(token);
    this.secretEnv = pulumi.all(env.map(([envName, p]) => refOf(p).apply((ref) => [envName, ref] as const))).apply((entries) => Object.fromEntries(entries));
    this.parameterArns = pulumi.all([token, ...env.map(([, p]) => p)].map((p) => p.arn));
    this.registerOutputs({ registryToken: this.registryToken, secretEnv: this.secretEnv, parameterArns: this.parameterArns });
  }

  private createRegistryToken(name: string, args: SecretsArgs): aws.ssm.Parameter {
    const parameterArgs = transformed(args.transform?.registryToken, `${name}-registry-token`, {
      name: `${args.parameterPath}/registry-token`,
      type: aws.ssm.ParameterType.SecureString,
      value: pulumi.secret(args.registryToken),
      description: 'berth: registry access token the host logs in with',
      tags: namedTags(args.tags, name, 'registry-token'),
    });
    return new aws.ssm.Parameter(`${name}-registry-token`, parameterArgs, childOptions(this, args.movedFrom));
  }

  private createSecretEnv(name: string, args: SecretsArgs): (readonly [string, aws.ssm.Parameter])[] {
    const secretEnv = pulumi.secret(args.secretEnv);
    return args.secretEnvNames.map((envName) => {
      const parameterArgs = transformed(args.transform?.secretEnv, `${name}-secret-env-${envName}`, {
        name: `${args.parameterPath}/secret-env/${envName}`,
        type: aws.ssm.ParameterType.SecureString,
        value: secretEnv.apply((all) => all[envName] ?? ''),
        description: `berth: secret env ${envName}`,
        tags: namedTags(args.tags, name, `secret-env-${envName}`),
      });
      return [envName, new aws.ssm.Parameter(`${name}-secret-env-${envName}`, parameterArgs, childOptions(this, args.movedFrom))] as const;
    });
  }
}

const refOf = (p: aws.ssm.Parameter): pulumi.Output<SsmRef> => pulumi.all([p.name, p.version]).apply(([name, version]) => ({ name, version }));
