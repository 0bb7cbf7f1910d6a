// berth:identity:Identity is what a host is allowed to do: an instance role (with the stack's
// permissions boundary, when CI makes the role), Session Manager (AmazonSSMManagedInstanceCore),
// read access to exactly the parameters it is given (secrets and releases), and the instance
// profile EC2 takes. A single host's instance uses it; a fleet's launch template uses the same, with
// read access to the database's secret and write access to the stack's log group.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { ssmManagedInstanceCoreArn } from '../aws/names.js';
import { type Transform, childOptions, namedTags, transformed } from './child.js';

export interface IdentityArgs {
  /** ARNs of the SSM parameters the hosts read: secrets, release parts, the manifest. */
  readonly readableParameterArns: pulumi.Input<pulumi.Input<string>[]>;
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Permissions boundary of the instance role (berth:hostRoleBoundary, made by ci/aws-oidc): the CI
   * deploy role may create the role, and give it policies, only with it. Unset: no boundary.
   */
  readonly permissionsBoundary?: pulumi.Input<string>;
  /** Fleet mode with a database: the RDS-managed secret the hosts read at release time. */
  readonly readableSecretArn?: pulumi.Input<string>;
  /** Fleet mode: the ARN of the log group the containers write to (without the `:*` suffix). */
  readonly logGroupArn?: pulumi.Input<string>;
  /** URN of the component these resources were made under before (see childOptions). */
  readonly movedFrom?: pulumi.Input<string>;
  readonly transform?: {
    readonly role?: Transform<aws.iam.RoleArgs>;
    readonly ssmCore?: Transform<aws.iam.RolePolicyAttachmentArgs>;
    readonly readParams?: Transform<aws.iam.RolePolicyArgs>;
    readonly readDatabaseSecret?: Transform<aws.iam.RolePolicyArgs>;
    readonly writeLogs?: Transform<aws.iam.RolePolicyArgs>;
    readonly profile?: Transform<aws.iam.InstanceProfileArgs>;
  };
}

export class Identity extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  /** The policy that lets the role read the parameters: a host must not boot before it exists. */
  readonly readParams: aws.iam.RolePolicy;
  /** Every inline policy of the role: a host must not boot before they exist. */
  readonly policies: aws.iam.RolePolicy[];
  readonly profile: aws.iam.InstanceProfile;

  constructor(name: string, args: IdentityArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('berth:identity:Identity', name, {}, opts);
    this.role = this.createRole(name, args);
    this.createSsmCore(name, args);
    this.readParams = this.createReadParams(name, args);
    this.policies = [
      this.readParams,
      ...(args.readableSecretArn === undefined ? [] : [this.createReadDatabaseSecret(name, args, args.readableSecretArn)]),
      ...(args.logGroupArn === undefined ? [] : [this.createWriteLogs(name, args, args.logGroupArn)]),
    ];
    this.profile = this.createProfile(name, args);
    this.registerOutputs({ roleName: this.role.name, profileName: this.profile.name });
  }

  private createRole(name: string, args: IdentityArgs): aws.iam.Role {
    const roleArgs = transformed(args.transform?.role, `${name}-role`, {
      description: `berth ${name}: the host's instance role`,
      // A change of boundary is PutRolePermissionsBoundary on the role as it stands (role.go),
      // never a replacement; removing it (DeleteRolePermissionsBoundary) is denied to CI.
      ...(args.permissionsBoundary ? { permissionsBoundary: args.permissionsBoundary } : {}),
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
      tags: namedTags(args.tags, name, 'role'),
    });
    return new aws.iam.Role(`${name}-role`, roleArgs, childOptions(this, args.movedFrom));
  }

  private createSsmCore(name: string, args: IdentityArgs): aws.iam.RolePolicyAttachment {
    const partition = aws.getPartitionOutput({}, { parent: this });
    const attachmentArgs = transformed(args.transform?.ssmCore, `${name}-ssm-core`, {
      role: this.role.name,
      policyArn: partition.partition.apply(ssmManagedInstanceCoreArn),
    });
    return new aws.iam.RolePolicyAttachment(`${name}-ssm-core`, attachmentArgs, childOptions(this, args.movedFrom));
  }

  private createReadParams(name: string, args: IdentityArgs): aws.iam.RolePolicy {
    const policyArgs = transformed(args.transform?.readParams, `${name}-read-params`, {
      role: this.role.id,
      policy: pulumi.output(args.readableParameterArns).apply((arns) =>
        JSON.stringify({
          Version: '2012-10-17',
          // The parameters use the AWS-managed key aws/ssm, whose key policy lets SSM decrypt for
          // any principal of the account that may read the parameter: no kms statement needed.
          Statement: [{ Sid: 'ReadThisStacksParameters', Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: arns }],
        }),
      ),
    });
    return new aws.iam.RolePolicy(`${name}-read-params`, policyArgs, childOptions(this, args.movedFrom));
  }

  /**
   * The database's master secret, and nothing else in Secrets Manager. RDS encrypts the secret it
   * manages with the aws/secretsmanager key unless told otherwise (CreateDBInstance
   * MasterUserSecretKmsKeyId, botocore rds model: "If you don't specify MasterUserSecretKmsKeyId,
   * then the aws/secretsmanager KMS key is used"), and that AWS managed key's policy lets Secrets
   * Manager use it for any principal of the account allowed to call it (Secrets Manager User
   * Guide, "Secret encryption and decryption"): so no kms statement. A customer managed key would
   * need kms:Decrypt here.
   */
  private createReadDatabaseSecret(name: string, args: IdentityArgs, secretArn: pulumi.Input<string>): aws.iam.RolePolicy {
    const policyArgs = transformed(args.transform?.readDatabaseSecret, `${name}-read-db-secret`, {
      role: this.role.id,
      policy: pulumi.output(secretArn).apply((arn) =>
        JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'ReadTheDatabaseSecret', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [arn] }] }),
      ),
    });
    return new aws.iam.RolePolicy(`${name}-read-db-secret`, policyArgs, childOptions(this, args.movedFrom));
  }

  /**
   * Docker's awslogs driver writes each container's stream into the stack's group: it creates its
   * stream and puts events (docs.docker.com, "Amazon CloudWatch Logs logging driver", Credentials:
   * logs:CreateLogStream and logs:PutLogEvents; no logs:CreateLogGroup, the group is berth's). Both
   * act on streams in the group, `<group ARN>:*` (the provider's log group `arn` drops the `:*`).
   */
  private createWriteLogs(name: string, args: IdentityArgs, logGroupArn: pulumi.Input<string>): aws.iam.RolePolicy {
    const policyArgs = transformed(args.transform?.writeLogs, `${name}-write-logs`, {
      role: this.role.id,
      policy: pulumi.output(logGroupArn).apply((arn) =>
        JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'WriteThisStacksLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [`${arn}:*`] }] }),
      ),
    });
    return new aws.iam.RolePolicy(`${name}-write-logs`, policyArgs, childOptions(this, args.movedFrom));
  }

  private createProfile(name: string, args: IdentityArgs): aws.iam.InstanceProfile {
    const profileArgs = transformed(args.transform?.profile, `${name}-profile`, { role: this.role.name, tags: namedTags(args.tags, name, 'profile') });
    return new aws.iam.InstanceProfile(`${name}-profile`, profileArgs, childOptions(this, args.movedFrom));
  }
}
