// berth:database:Database is a fleet's state: one RDS PostgreSQL instance in the default VPC's
// subnets, reachable only from the hosts' security group, encrypted, backed up, protected from
// deletion. Its master password never passes through Pulumi: RDS makes it and keeps it in Secrets
// Manager (manageMasterUserPassword), and the hosts read that secret with their role at release
// time (infra/components/identity.ts). What is decided here is plain data (databaseSettings).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { DatabaseSpec } from '../config/fleet.js';
import { POSTGRES_PORT } from '../host/settings.js';
import { type Transform, namedTags, transformed } from './child.js';

export interface DatabaseArgs {
  readonly spec: DatabaseSpec;
  /** The database the app uses (databaseName of the app's name). */
  readonly dbName: string;
  /** Identifier of the snapshot RDS takes when the instance is deleted. */
  readonly finalSnapshotIdentifier: string;
  readonly vpcId: pulumi.Input<string>;
  /** The default subnets of at least two zones (a DB subnet group must cover two). */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The only security group that may reach the database: the hosts'. */
  readonly clientSecurityGroupId: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
  readonly transform?: {
    readonly subnetGroup?: Transform<aws.rds.SubnetGroupArgs>;
    readonly securityGroup?: Transform<aws.ec2.SecurityGroupArgs>;
    readonly instance?: Transform<aws.rds.InstanceArgs>;
  };
}

/** The master user's name: not secret (the password is), and not one PostgreSQL on RDS reserves. */
export const MASTER_USERNAME = 'berth';

/**
 * The database name for an app: PostgreSQL identifiers start with a letter or underscore and hold
 * letters, digits and underscores, and RDS takes up to 63 (CreateDBInstance DBName, PostgreSQL);
 * an app's name (berth:app.name) is lower-case letters, digits and hyphens, up to 40.
 */
export function databaseName(appName: string): string {
  const name = appName.replace(/-/g, '_');
  return /^[a-z_]/.test(name) ? name : `app_${name}`;
}

/**
 * The snapshot RDS takes when the instance is deleted: a DB snapshot identifier is 1 to 255
 * letters, digits and hyphens, starting with a letter, with no two hyphens in a row and no hyphen
 * at the end (CreateDBSnapshot DBSnapshotIdentifier). One per stack: a second deletion of the same
 * stack's database would find the name taken and keep the instance, which is the safe side.
 */
export function finalSnapshotIdentifier(project: string, stack: string): string {
  const id = `${project}-${stack}-final`.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').replace(/^[^a-z]+/, '');
  return id.slice(0, 255).replace(/-$/, '');
}

/** The instance's arguments that berth decides, from the spec. */
export function databaseSettings(spec: DatabaseSpec) {
  return {
    engine: 'postgres',
    // A major version: RDS takes the newest minor of it and, with autoMinorVersionUpgrade, moves to
    // later minors in the maintenance window (the provider accepts a version prefix when
    // auto_minor_version_upgrade is on: aws_db_instance docs, engine_version).
    engineVersion: '17',
    autoMinorVersionUpgrade: true,
    instanceClass: spec.instanceClass,
    allocatedStorage: spec.storageGiB,
    storageType: 'gp3',
    storageEncrypted: true,
    multiAz: spec.multiAz,
    backupRetentionPeriod: spec.backupDays,
    publiclyAccessible: false,
    deletionProtection: true,
    skipFinalSnapshot: false,
    copyTagsToSnapshot: true,
    manageMasterUserPassword: true,
    username: MASTER_USERNAME,
    port: POSTGRES_PORT,
  } as const;
}

export class Database extends pulumi.ComponentResource {
  readonly instance: aws.rds.Instance;
  /** The host name the app connects to. */
  readonly address: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** host:port, as RDS reports it. */
  readonly endpoint: pulumi.Output<string>;
  /** ARN of the RDS-managed secret with the master user's name and password (not the password). */
  readonly secretArn: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: DatabaseArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('berth:database:Database', name, {}, opts);
    const subnetGroup = this.createSubnetGroup(name, args);
    const securityGroup = this.createSecurityGroup(name, args);
    this.instance = this.createInstance(name, args, subnetGroup, securityGroup);

    this.address = this.instance.address;
    this.port = this.instance.port;
    this.endpoint = this.instance.endpoint;
    // The provider's master_user_secret block: one element when the password is managed
    // (aws_db_instance: master_user_secret.secret_arn).
    this.secretArn = this.instance.masterUserSecrets.apply((secrets) => {
      const arn = secrets?.[0]?.secretArn;
      if (!arn) throw new Error('berth: RDS reported no master user secret, though manageMasterUserPassword is set');
      return arn;
    });
    this.securityGroupId = securityGroup.id;
    this.registerOutputs({ address: this.address, port: this.port, endpoint: this.endpoint, secretArn: this.secretArn, securityGroupId: this.securityGroupId });
  }

  private createSubnetGroup(name: string, args: DatabaseArgs): aws.rds.SubnetGroup {
    const groupArgs = transformed(args.transform?.subnetGroup, `${name}-db-subnets`, {
      description: `berth ${name}: the database's subnets, the default VPC's`,
      subnetIds: args.subnetIds,
      tags: namedTags(args.tags, name, 'db-subnets'),
    });
    return new aws.rds.SubnetGroup(`${name}-db-subnets`, groupArgs, { parent: this });
  }

  /** 5432 from the hosts' group only; no way out (a database starts no connection). */
  private createSecurityGroup(name: string, args: DatabaseArgs): aws.ec2.SecurityGroup {
    const groupArgs = transformed(args.transform?.securityGroup, `${name}-db-sg`, {
      vpcId: args.vpcId,
      description: `berth ${name}: PostgreSQL from the hosts security group only`,
      ingress: [{ description: 'PostgreSQL from the hosts', protocol: 'tcp', fromPort: POSTGRES_PORT, toPort: POSTGRES_PORT, securityGroups: [args.clientSecurityGroupId] }],
      // No egress list: the provider removes the allow-all rule EC2 adds to a new group
      // (aws_security_group docs: "Terraform will remove this default rule").
      tags: namedTags(args.tags, name, 'db-sg'),
    });
    return new aws.ec2.SecurityGroup(`${name}-db-sg`, groupArgs, { parent: this });
  }

  private createInstance(name: string, args: DatabaseArgs, subnetGroup: aws.rds.SubnetGroup, securityGroup: aws.ec2.SecurityGroup): aws.rds.Instance {
    const instanceArgs = transformed(args.transform?.instance, `${name}-db`, {
      ...databaseSettings(args.spec),
      dbName: args.dbName,
      finalSnapshotIdentifier: args.finalSnapshotIdentifier,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [securityGroup.id],
      tags: namedTags(args.tags, name, 'db'),
    });
    return new aws.rds.Instance(`${name}-db`, instanceArgs, { parent: this });
  }
}
