// berth:database:Database is a fleet's state: one RDS PostgreSQL instance in the default VPC's
// subnets, reachable only from the hosts' security group, encrypted, backed up, protected from
// deletion. Its master password never passes through Pulumi: RDS makes it and keeps it in Secrets
// Manager (manageMasterUserPassword), and the hosts read that secret with their role at release
// time (infra/components/identity.ts). What is decided here is plain data (databaseSettings).
import { createHash } from 'node:crypto';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { RESTORE_DB_SNAPSHOT_KEY, dbSnapshotKind } from '../config/backups.js';
import type { DatabaseSpec } from '../config/fleet.js';
import { POSTGRES_PORT } from '../host/settings.js';
import { type Transform, namedTags, transformed } from './child.js';

export interface DatabaseArgs {
  readonly spec: DatabaseSpec;
  /** The database the app uses (databaseName of the app's name). */
  readonly dbName: string;
  /** Identifier of the snapshot RDS takes when the instance is deleted. */
  readonly finalSnapshotIdentifier: string;
  /** Make the instance from this DB snapshot (berth:restoreDbSnapshot): on a running stack, a new one REPLACES it. */
  readonly restoreSnapshot?: string;
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
export function finalSnapshotIdentifier(project: string, stack: string, restoredFrom?: string): string {
  // A restored instance replaces one whose delete takes `…-final`: its own final snapshot needs
  // another name, one per restore source (RDS refuses a DeleteDBInstance whose final snapshot
  // identifier is taken: DBSnapshotAlreadyExists).
  const suffix = restoredFrom === undefined ? '' : `-r${createHash('sha256').update(restoredFrom).digest('hex').slice(0, 8)}`;
  const id = `${project}-${stack}-final`.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').replace(/^[^a-z]+/, '');
  return `${id.slice(0, 255 - suffix.length).replace(/-$/, '')}${suffix}`;
}

/** The PostgreSQL major version berth makes (databaseSettings' engineVersion). */
export const POSTGRES_MAJOR = '17';

/** The DescribeDBSnapshots query (the provider's aws_db_snapshot data source) for a berth:restoreDbSnapshot value. */
export function snapshotLookup(snapshot: string) {
  const kind = dbSnapshotKind(snapshot);
  // "If this identifier is for an automated snapshot, the SnapshotType parameter must also be
  // specified" (DescribeDBSnapshots DBSnapshotIdentifier); a shared one is listed only with
  // IncludeShared (DescribeDBSnapshots IncludeShared).
  return { dbSnapshotIdentifier: snapshot, snapshotType: kind, ...(kind === 'shared' ? { includeShared: true } : {}) };
}

/** What berth needs to know of a snapshot before it makes the database from it (getSnapshot's fields). */
export interface SnapshotFacts {
  readonly engine: string;
  readonly engineVersion: string;
  readonly encrypted: boolean;
  readonly status: string;
  readonly allocatedStorage: number;
}

/**
 * Why the database cannot be made from this snapshot, before anything is replaced: RDS restores a
 * snapshot's engine, version and encryption as they are (RestoreDBInstanceFromDBSnapshot has no
 * Engine version or StorageEncrypted parameter), so a snapshot that is not PostgreSQL 17 and
 * encrypted would make a database berth then tries to change, and replace again (storage_encrypted
 * is ForceNew in instance.go). Storage can grow after a restore, never shrink (ModifyDBInstance
 * AllocatedStorage), and RDS restores only an available snapshot.
 */
export function snapshotRestoreProblems(snapshot: string, facts: SnapshotFacts, spec: DatabaseSpec): string[] {
  const at = `${RESTORE_DB_SNAPSHOT_KEY}: ${snapshot}`;
  const problems: string[] = [];
  if (facts.engine !== 'postgres') problems.push(`${at} is a ${facts.engine} snapshot; berth's database is PostgreSQL: name a snapshot of a berth fleet's database`);
  else if (facts.engineVersion.split('.')[0] !== POSTGRES_MAJOR) {
    problems.push(`${at} is PostgreSQL ${facts.engineVersion}; berth runs PostgreSQL ${POSTGRES_MAJOR}: upgrade the snapshot first (aws rds modify-db-snapshot --db-snapshot-identifier ${snapshot} --engine-version <a ${POSTGRES_MAJOR} version>) or restore it outside berth`);
  }
  if (!facts.encrypted) problems.push(`${at} is not encrypted, and berth's database is: copy it encrypted first (aws rds copy-db-snapshot --source-db-snapshot-identifier ${snapshot} --target-db-snapshot-identifier ${snapshot}-encrypted --kms-key-id alias/aws/rds) and name the copy`);
  if (facts.status !== 'available') problems.push(`${at} is ${facts.status}, not available: wait until it is (aws rds wait db-snapshot-available --db-snapshot-identifier ${snapshot})`);
  if (facts.allocatedStorage > spec.storageGiB) {
    problems.push(`${at} holds ${facts.allocatedStorage} GiB and berth:database.storageGiB is ${spec.storageGiB}; storage cannot shrink: pulumi config set --path berth:database.storageGiB ${facts.allocatedStorage}`);
  }
  return problems;
}

/**
 * The instance's arguments that berth decides, from the spec, and the snapshot it is restored
 * from, if any. A restore gives RDS the snapshot (snapshot_identifier; the provider calls
 * RestoreDBInstanceFromDBSnapshot, then ModifyDBInstance for what that call does not take, the
 * managed password, storage and backups among them: instance.go resourceInstanceCreate) and no
 * engine version: the snapshot's is the one its data was written with, and the provider would
 * send a version in that ModifyDBInstance, whose answer to a major-only one is not verified.
 * The master user and the database's name are the snapshot's (the provider does not send DBName
 * for PostgreSQL: "doesn't apply to the MySQL, PostgreSQL, or MariaDB engines").
 */
export function databaseSettings(spec: DatabaseSpec, restoreSnapshot?: string) {
  return {
    engine: 'postgres',
    // A major version: RDS takes the newest minor of it and, with autoMinorVersionUpgrade, moves to
    // later minors in the maintenance window (the provider accepts a version prefix when
    // auto_minor_version_upgrade is on: aws_db_instance docs, engine_version).
    ...(restoreSnapshot === undefined ? { engineVersion: POSTGRES_MAJOR } : { snapshotIdentifier: restoreSnapshot }),
    autoMinorVersionUpgrade: true,
    instanceClass: spec.instanceClass,
    allocatedStorage: spec.storageGiB,
    storageType: 'gp3',
    storageEncrypted: true,
    multiAz: spec.multiAz,
    backupRetentionPeriod: spec.backupDays,
    publiclyAccessible: false,
    // Also what keeps a replaced instance (a restore) until its owner lets it go: Pulumi deletes
    // the old one last, and RDS refuses ("Cannot delete protected DB Instance, please disable
    // deletion protection and try again": hashicorp/terraform-provider-aws#26233).
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

  /**
   * The snapshot a restore names, looked up (DescribeDBSnapshots) and checked before the instance
   * is made from it: the instance's snapshotIdentifier comes from this check, so a snapshot that
   * cannot be restored stops `pulumi preview` and `pulumi up` before anything is replaced.
   */
  private checkedSnapshot(name: string, snapshot: string, spec: DatabaseSpec): pulumi.Output<string> {
    // The lookup's own error names neither the key nor the way out (no match: "Your query returned
    // no results"; or a refusal, such as a role without rds:DescribeDBSnapshots): this one does.
    const found = aws.rds.getSnapshot(snapshotLookup(snapshot), { parent: this }).catch((e: unknown) => {
      throw new Error(`${RESTORE_DB_SNAPSHOT_KEY}: ${snapshot} could not be looked up in this account and region (${e instanceof Error ? e.message : String(e)}); check the name among: aws rds describe-db-snapshots --snapshot-type ${dbSnapshotKind(snapshot)} --query 'DBSnapshots[].DBSnapshotIdentifier'`);
    });
    return pulumi.output(found).apply((facts) => {
      const problems = snapshotRestoreProblems(snapshot, facts, spec);
      if (problems.length > 0) throw new Error(`berth ${name}: the database cannot be restored:\n  ${problems.join('\n  ')}`);
      return snapshot;
    });
  }

  private createInstance(name: string, args: DatabaseArgs, subnetGroup: aws.rds.SubnetGroup, securityGroup: aws.ec2.SecurityGroup): aws.rds.Instance {
    const restore = args.restoreSnapshot;
    const settings = databaseSettings(args.spec, restore);
    const instanceArgs = transformed(args.transform?.instance, `${name}-db`, {
      ...settings,
      ...(restore === undefined ? {} : { snapshotIdentifier: this.checkedSnapshot(name, restore, args.spec) }),
      dbName: args.dbName,
      finalSnapshotIdentifier: args.finalSnapshotIdentifier,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: [securityGroup.id],
      tags: namedTags(args.tags, name, 'db'),
    });
    // snapshot_identifier is ForceNew (instance.go): setting berth:restoreDbSnapshot, or another
    // one, makes a new instance. Unset, the prior values stay as they are (ignoreChanges takes the
    // state's: pulumi/pulumi step_generator.go processIgnoreChanges), so removing the key after a
    // restore never replaces the restored database with an empty one, nor renames its final
    // snapshot, nor names an engine version the snapshot's instance does not run (berth changes
    // no engine version in place: a major upgrade is a deliberate act, outside berth).
    return new aws.rds.Instance(`${name}-db`, instanceArgs, {
      parent: this,
      ...(restore === undefined ? { ignoreChanges: ['snapshotIdentifier', 'finalSnapshotIdentifier', 'engineVersion'] } : {}),
    });
  }
}
