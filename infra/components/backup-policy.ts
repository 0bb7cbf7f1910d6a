// berth:backup:BackupPolicy snapshots a single host's data volume on a schedule with Amazon Data
// Lifecycle Manager: a lifecycle policy that targets the volume's backup tag (berth:backup=<stack>),
// and the role DLM acts with, trusted by DLM alone and allowed only what its snapshots need. What
// the policy and the role say is decided in infra/aws/dlm.ts; this only wires it.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { BackupsSpec } from '../config/backups.js';
import { dlmDescription, dlmPolicyDetails, dlmRolePolicy, dlmTrustPolicy } from '../aws/dlm.js';
import { type Transform, namedTags, transformed } from './child.js';

export interface BackupPolicyArgs {
  /** The stack: the backup tag's value the policy targets. */
  readonly stack: string;
  /** Schedule and retention (berth:backups); made only when enabled. */
  readonly backups: BackupsSpec;
  readonly tags: Readonly<Record<string, string>>;
  /** Permissions boundary of the role (berth:hostRoleBoundary): the CI deploy role makes roles only with it. */
  readonly permissionsBoundary?: pulumi.Input<string>;
  readonly transform?: {
    readonly role?: Transform<aws.iam.RoleArgs>;
    readonly rolePolicy?: Transform<aws.iam.RolePolicyArgs>;
    readonly policy?: Transform<aws.dlm.LifecyclePolicyArgs>;
  };
}

export class BackupPolicy extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  readonly policy: aws.dlm.LifecyclePolicy;
  readonly policyArn: pulumi.Output<string>;

  constructor(name: string, args: BackupPolicyArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('berth:backup:BackupPolicy', name, {}, opts);
    // `<name>-role-dlm`: inside the host roles' name prefix (infra/aws/names.ts, HOST_NAME_PREFIXES).
    const roleArgs = transformed(args.transform?.role, `${name}-role-dlm`, {
      description: 'Data Lifecycle Manager snapshots of the berth data volume',
      assumeRolePolicy: JSON.stringify(dlmTrustPolicy()),
      ...(args.permissionsBoundary ? { permissionsBoundary: args.permissionsBoundary } : {}),
      tags: namedTags(args.tags, name, 'role-dlm'),
    });
    this.role = new aws.iam.Role(`${name}-role-dlm`, roleArgs, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });
    const rolePolicyArgs = transformed(args.transform?.rolePolicy, `${name}-dlm-snapshots`, {
      role: this.role.name,
      policy: partition.partition.apply((p) => JSON.stringify(dlmRolePolicy(p, args.stack))),
    });
    const rolePolicy = new aws.iam.RolePolicy(`${name}-dlm-snapshots`, rolePolicyArgs, { parent: this });
    const policyArgs = transformed(args.transform?.policy, `${name}-backups`, {
      description: dlmDescription(args.stack),
      executionRoleArn: this.role.arn,
      state: 'ENABLED',
      policyDetails: dlmPolicyDetails(args.stack, args.backups),
      tags: namedTags(args.tags, name, 'backups'),
    });
    // The role's rights before the policy, so that its first run finds them.
    this.policy = new aws.dlm.LifecyclePolicy(`${name}-backups`, policyArgs, { parent: this, dependsOn: [rolePolicy] });
    this.policyArn = this.policy.arn;
    this.registerOutputs({ policyArn: this.policyArn });
  }
}
