// The RDS rules: the fleet's PostgreSQL instance and its DB subnet group. "model" is
// botocore/data/rds/2014-10-31/service-2.json (its documentation strings are the RDS API
// Reference's text); "TF" is hashicorp/terraform-provider-aws internal/service/rds (instance.go,
// subnet_group.go, validate.go). RDS speaks the query protocol; its refusals of a bad value are
// InvalidParameterValue, of a bad combination InvalidParameterCombination. The wording of AWS's
// messages is as recalled from its answers quoted in public issues, not read from a document.
import { RDS_POSTGRES_CLASSES, RDS_POSTGRES_VERSIONS, zoneOfSubnet } from '../aws-account.js';
import { type FieldRules, chars, intIn, list, noConstraint, oneOf, rule, serviceTags } from './shared.js';

const RDS = 'Amazon RDS API Reference';

/**
 * DB instance identifiers (CreateDBInstance DBInstanceIdentifier, model): "Must contain from 1 to
 * 63 letters, numbers, or hyphens. First character must be a letter. Can't end with a hyphen or
 * contain two consecutive hyphens." TF validate.go validIdentifier checks the same, lowercase only.
 * Final snapshot identifiers have the same rules, 1..255 (CreateDBSnapshot DBSnapshotIdentifier).
 */
function identifier(v: unknown, max: number, what: string): string | undefined {
  const s = String(v);
  return s.length >= 1 && s.length <= max && /^[A-Za-z][A-Za-z0-9-]*$/.test(s) && !s.includes('--') && !s.endsWith('-')
    ? undefined
    : `The parameter ${what} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`;
}

// Storage (RDS User Guide, "Amazon RDS DB instance storage", table of storage sizes per engine):
// for PostgreSQL, General Purpose SSD (gp2, gp3) 20 GiB–64 TiB, Provisioned IOPS (io1, io2)
// 100 GiB–64 TiB, magnetic 5 GiB–3 TiB. AllocatedStorage (CreateDBInstance, model) repeats them.
// AWS's words for a size out of range: "Invalid storage size for engine name postgres and storage type gp3: 10".
const POSTGRES_STORAGE: Readonly<Record<string, readonly [number, number]>> = {
  gp2: [20, 65536], gp3: [20, 65536], io1: [100, 65536], io2: [100, 65536], standard: [5, 3072],
};
/** gp3 for PostgreSQL below 400 GiB has a fixed baseline (3,000 IOPS, 125 MiBps): no IOPS or throughput may be set. */
const GP3_BASELINE_LIMIT = 400;

/** hh24:mi-hh24:mi (backup) or ddd:hh24:mi-ddd:hh24:mi (maintenance), at least 30 minutes (model). */
function windowOf(v: string, weekly: boolean): number | undefined {
  const part = weekly ? '(mon|tue|wed|thu|fri|sat|sun):([01]\\d|2[0-3]):([0-5]\\d)' : '([01]\\d|2[0-3]):([0-5]\\d)';
  const m = new RegExp(`^${part}-${part}$`, 'i').exec(v);
  if (!m) return undefined;
  const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  const minutes = (g: string[]) => (weekly ? days.indexOf(g[0]!.toLowerCase()) * 1440 + Number(g[1]) * 60 + Number(g[2]) : Number(g[0]) * 60 + Number(g[1]));
  const n = weekly ? 3 : 2;
  const start = minutes(m.slice(1, 1 + n));
  const end = minutes(m.slice(1 + n, 1 + 2 * n));
  return (end - start + (weekly ? 7 * 1440 : 1440)) % (weekly ? 7 * 1440 : 1440);
}

// RDS tags (Tag, model: key 1..128, value 0..256 of [\p{L}\p{Z}\p{N}_.:/=+\-@]; "Tagging Amazon RDS
// resources": 50 tags, and neither aws: nor rds: may begin a key). The code for each is not verified.
const RDS_TAGS = serviceTags(`${RDS}, Tag [model]; RDS User Guide, Tagging Amazon RDS resources (50 tags; aws: and rds: reserved)`, { count: 'TagQuotaPerResourceExceeded', text: 'InvalidParameterValue' }, /^(aws|rds):/i);

export const RDS_RULES: Readonly<Record<string, Readonly<Record<string, FieldRules>>>> = {
  'aws:rds/instance:Instance': {
    identifier: [rule('pattern', 'InvalidParameterValue', `${RDS}, CreateDBInstance DBInstanceIdentifier [model]; TF rds/validate.go validIdentifier`, (v) => identifier(v, 63, 'DBInstanceIdentifier'))],
    identifierPrefix: [rule('pattern', 'ProviderValidation', 'TF rds/validate.go validIdentifierPrefix', (v) =>
      /^[a-z][a-z0-9-]*$/.test(String(v)) && !String(v).includes('--') && String(v).length <= 37 ? undefined : `identifier_prefix ${JSON.stringify(String(v))}: lowercase letters, digits and hyphens, starting with a letter, no two hyphens in a row, at most 37 characters`)],
    engine: [
      // Engine (CreateDBInstance, model documentation lists the valid values).
      rule('enum', 'InvalidParameterValue', `${RDS}, CreateDBInstance Engine [model]`, (v) =>
        oneOf(['aurora-mysql', 'aurora-postgresql', 'custom-oracle-ee', 'custom-sqlserver-ee', 'custom-sqlserver-se', 'custom-sqlserver-web', 'db2-ae', 'db2-se', 'mariadb', 'mysql', 'oracle-ee', 'oracle-ee-cdb', 'oracle-se2', 'oracle-se2-cdb', 'postgres', 'sqlserver-ee', 'sqlserver-se', 'sqlserver-ex', 'sqlserver-web'])(v) && `Invalid DB engine: ${String(v)}`),
      // The checks below need the absence of another field, so they run on engine, which a new
      // instance always has. MasterUsername: "Required for RDS for PostgreSQL" (model); AWS's words
      // when it is missing: "The parameter MasterUsername must be provided and must not be blank."
      rule('master-username', 'InvalidParameterValue', `${RDS}, CreateDBInstance MasterUsername [model]`, (_v, { inputs }) =>
        inputs.username === undefined && inputs.snapshotIdentifier === undefined && inputs.replicateSourceDb === undefined ? 'The parameter MasterUsername must be provided and must not be blank.' : undefined),
      // MasterUserPassword: "Constraints: Can't be specified if ManageMasterUserPassword is turned
      // on", and one of them is needed for a new instance (model, MasterUserPassword).
      rule('master-password', 'InvalidParameterCombination', `${RDS}, CreateDBInstance MasterUserPassword, ManageMasterUserPassword [model]`, (_v, { inputs }) => {
        const given = inputs.password !== undefined;
        const managed = inputs.manageMasterUserPassword === true;
        if (given && managed) return "Can't specify MasterUserPassword when ManageMasterUserPassword is turned on.";
        if (!given && !managed && inputs.snapshotIdentifier === undefined && inputs.replicateSourceDb === undefined) return 'The parameter MasterUserPassword must be provided and must not be blank.';
        return undefined;
      }),
      // TF's Delete refuses to delete an instance without a final snapshot unless skip_final_snapshot
      // ("final_snapshot_identifier is required when skip_final_snapshot is false", instance.go
      // resourceInstanceDelete): a stack that could not be destroyed. Refused here, at create, where
      // the mistake is made.
      rule('final-snapshot', 'ProviderValidation', 'TF internal/service/rds/instance.go resourceInstanceDelete (skip_final_snapshot, final_snapshot_identifier)', (_v, { inputs }) =>
        inputs.skipFinalSnapshot !== true && !inputs.finalSnapshotIdentifier ? 'final_snapshot_identifier is required when skip_final_snapshot is false' : undefined),
    ],
    engineVersion: [rule('offered', 'InvalidParameterCombination', `${RDS}, CreateDBInstance EngineVersion; DescribeDBEngineVersions`, (v, { inputs }) =>
      inputs.engine !== 'postgres' || RDS_POSTGRES_VERSIONS.includes(String(v)) ? undefined : `Cannot find version ${String(v)} for postgres`)],
    instanceClass: [rule('orderable', 'InvalidParameterCombination', `${RDS}, CreateDBInstance DBInstanceClass; DescribeOrderableDBInstanceOptions`, (v, { inputs }) => {
      if (!/^db\.[a-z0-9]+\.[a-z0-9]+$/.test(String(v))) return `Invalid DB Instance class: ${String(v)}`;
      return inputs.engine !== 'postgres' || RDS_POSTGRES_CLASSES.includes(String(v))
        ? undefined
        : `RDS does not support creating a DB instance with the following combination: DBInstanceClass=${String(v)}, Engine=postgres`;
    })],
    storageType: [rule('enum', 'InvalidParameterValue', `${RDS}, CreateDBInstance StorageType [model]; TF rds StorageType_Values`, oneOf(['standard', 'gp2', 'gp3', 'io1', 'io2']))],
    allocatedStorage: [rule('range', 'InvalidParameterCombination', 'RDS User Guide, Amazon RDS DB instance storage (PostgreSQL sizes); CreateDBInstance AllocatedStorage [model]', (v, { inputs }) => {
      if (inputs.engine !== 'postgres') return undefined;
      const type = String(inputs.storageType ?? 'gp2');
      const [min, max] = POSTGRES_STORAGE[type] ?? [20, 65536];
      return intIn(min, max)(v) && `Invalid storage size for engine name postgres and storage type ${type}: ${JSON.stringify(v)}`;
    }),
    // After a restore the provider sends AllocatedStorage in a ModifyDBInstance (instance.go,
    // snapshot branch) to an instance that has the snapshot's size, and storage only grows
    // (ModifyDBInstance AllocatedStorage, model: a new value "must be at least 10% greater than the
    // current value"). Less is refused; the words are as recalled. An equal value is taken as no
    // change (not verified: the model says smaller increases are rounded up to 10%).
    rule('restore-shrink', 'InvalidParameterCombination', `${RDS}, ModifyDBInstance AllocatedStorage [model]; TF instance.go (restore, then modify)`, (v, { inputs, world }) => {
      if (inputs.snapshotIdentifier === undefined) return undefined;
      const snap = (world.account.dbSnapshots ?? []).find((s) => s.id === String(inputs.snapshotIdentifier).toLowerCase());
      return snap && Number(v) < snap.allocatedStorage ? `Invalid storage size: the allocated storage (${String(v)}) can't be less than the current ${snap.allocatedStorage}` : undefined;
    })],
    // MaxAllocatedStorage: the storage autoscaling ceiling, above AllocatedStorage and at most the
    // type's maximum (RDS User Guide, Managing capacity automatically with storage autoscaling).
    maxAllocatedStorage: [rule('range', 'InvalidParameterCombination', 'RDS User Guide, storage autoscaling; CreateDBInstance MaxAllocatedStorage [model]', (v, { inputs }) =>
      v === 0 ? undefined : intIn(Number(inputs.allocatedStorage ?? 0) + 1, 65536)(v) && `Max storage size must be greater than storage size and at most 65536; got ${JSON.stringify(v)}`)],
    // Iops and StorageThroughput: for gp3 below 400 GiB on PostgreSQL the baseline is fixed (RDS
    // User Guide, gp3 storage: "storage size thresholds"); AWS's words (recalled): "You can't
    // specify IOPS or storage throughput for engine postgres and a storage size less than 400."
    iops: [rule('gp3-baseline', 'InvalidParameterCombination', 'RDS User Guide, Amazon RDS DB instance storage: gp3 storage', (_v, { inputs }) =>
      inputs.storageType === 'gp3' && Number(inputs.allocatedStorage) < GP3_BASELINE_LIMIT ? `You can't specify IOPS or storage throughput for engine postgres and a storage size less than ${GP3_BASELINE_LIMIT}.` : undefined)],
    storageThroughput: [rule('gp3-baseline', 'InvalidParameterCombination', 'RDS User Guide, Amazon RDS DB instance storage: gp3 storage', (_v, { inputs }) =>
      inputs.storageType === 'gp3' && Number(inputs.allocatedStorage) < GP3_BASELINE_LIMIT ? `You can't specify IOPS or storage throughput for engine postgres and a storage size less than ${GP3_BASELINE_LIMIT}.` : undefined)],
    storageEncrypted: noConstraint('a boolean; every orderable class here supports encryption at rest (RDS User Guide, Encrypting Amazon RDS resources)'),
    kmsKeyId: [
      // AWS takes a key id, alias or ARN (CreateDBInstance KmsKeyId, model); the provider takes an
      // ARN only and refuses anything else before calling AWS (instance.go: verify.ValidARN).
      rule('arn', 'ProviderValidation', 'TF internal/service/rds/instance.go kms_key_id (verify.ValidARN)', (v) =>
        /^arn:aws:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/.test(String(v)) ? undefined : `"kms_key_id" (${String(v)}) is an invalid ARN`),
      // "If you specify the KmsKeyId, StorageEncrypted must be true" (model, KmsKeyId), as recalled.
      rule('needs-encryption', 'InvalidParameterCombination', `${RDS}, CreateDBInstance KmsKeyId [model]`, (_v, { inputs }) =>
        inputs.storageEncrypted === true ? undefined : 'KmsKeyId requires StorageEncrypted to be true'),
    ],
    // MasterUsername for PostgreSQL: "Must be 1 to 63 letters or numbers. First character must be a
    // letter. Can't be a reserved word for the chosen database engine" (model); rdsadmin is RDS's own.
    username: [rule('pattern', 'InvalidParameterValue', `${RDS}, CreateDBInstance MasterUsername [model]`, (v) =>
      /^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(String(v)) && String(v).toLowerCase() !== 'rdsadmin' ? undefined : `MasterUsername ${String(v)} must be 1 to 63 letters, digits or underscores, starting with a letter, and not a reserved word`)],
    password: [rule('length', 'InvalidParameterValue', `${RDS}, CreateDBInstance MasterUserPassword (PostgreSQL: 8 to 128 printable ASCII, not / ' " @) [model]`, (v) =>
      /^[\x20-\x7e]{8,128}$/.test(String(v)) && !/[/'"@ ]/.test(String(v)) ? undefined : 'The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides \'/\', \'@\', \'"\', \' \' may be used.')],
    manageMasterUserPassword: noConstraint('a boolean; its exclusion with password is checked under engine'),
    masterUserSecretKmsKeyId: [rule('managed', 'InvalidParameterCombination', `${RDS}, CreateDBInstance MasterUserSecretKmsKeyId [model]`, (_v, { inputs }) =>
      inputs.manageMasterUserPassword === true ? undefined : 'MasterUserSecretKmsKeyId needs ManageMasterUserPassword')],
    // DBName for PostgreSQL: "Must contain 1 to 63 letters, numbers, or underscores. Must begin with
    // a letter. Subsequent characters can be letters, underscores, or digits (0-9). Can't be a word
    // reserved by the database engine" (model). Which words: the databases every RDS PostgreSQL
    // instance already has besides postgres (template0, template1, rdsadmin), as recalled.
    dbName: [rule('pattern', 'InvalidParameterValue', `${RDS}, CreateDBInstance DBName [model]`, (v) =>
      /^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(String(v)) && !['template0', 'template1', 'rdsadmin'].includes(String(v).toLowerCase())
        ? undefined : `DBName ${String(v)} must be 1 to 63 letters, digits or underscores, starting with a letter, and not a reserved name`)],
    dbSubnetGroupName: [rule('pattern', 'InvalidParameterValue', `${RDS}, CreateDBInstance DBSubnetGroupName; CreateDBSubnetGroup DBSubnetGroupName [model]`, (v) =>
      /^[a-z0-9 ._-]{1,255}$/.test(String(v)) && String(v) !== 'default' ? undefined : `DB subnet group name ${String(v)} is not valid`)],
    vpcSecurityGroupIds: [rule('exists', 'InvalidParameterValue', `${RDS}, CreateDBInstance VpcSecurityGroupIds`, (v, { world }) => {
      const missing = list(v).find((id) => !world.resource('aws:ec2/securityGroup:SecurityGroup', String(id)));
      return missing === undefined ? undefined : `Invalid security group: ${String(missing)} does not exist`;
    })],
    publiclyAccessible: noConstraint('a boolean; berth keeps it false, which the policy tests hold'),
    multiAz: noConstraint('a boolean; Multi-AZ needs a subnet group in two zones, which the subnet group checks'),
    // BackupRetentionPeriod: "Must be a value from 0 to 35" (model).
    backupRetentionPeriod: [rule('range', 'InvalidParameterValue', `${RDS}, CreateDBInstance BackupRetentionPeriod [model]`, intIn(0, 35))],
    // PreferredBackupWindow: hh24:mi-hh24:mi in UTC, at least 30 minutes, not overlapping the
    // maintenance window (model). The overlap is not modelled.
    backupWindow: [rule('window', 'InvalidParameterValue', `${RDS}, CreateDBInstance PreferredBackupWindow [model]`, (v) => {
      const length = windowOf(String(v), false);
      return length !== undefined && length >= 30 ? undefined : `The backup window ${String(v)} must be hh24:mi-hh24:mi (UTC) and at least 30 minutes`;
    })],
    // PreferredMaintenanceWindow: ddd:hh24:mi-ddd:hh24:mi in UTC, at least 30 minutes (model).
    maintenanceWindow: [rule('window', 'InvalidParameterValue', `${RDS}, CreateDBInstance PreferredMaintenanceWindow [model]`, (v) => {
      const length = windowOf(String(v), true);
      return length !== undefined && length >= 30 ? undefined : `The maintenance window ${String(v)} must be ddd:hh24:mi-ddd:hh24:mi (UTC) and at least 30 minutes`;
    })],
    // Port: "Valid Values: 1150-65535" for PostgreSQL (CreateDBInstance Port, model).
    port: [rule('range', 'InvalidParameterValue', `${RDS}, CreateDBInstance Port [model]`, intIn(1150, 65535))],
    deletionProtection: noConstraint('a boolean; a protected instance\'s delete is refused (deleteRefusal in this file)'),
    // RestoreDBInstanceFromDBSnapshot DBSnapshotIdentifier: "Must match the identifier of an existing
    // DB snapshot" (model); AWS's error DBSnapshotNotFound ("DBSnapshot not found: <id>", as recalled).
    snapshotIdentifier: [rule('exists', 'DBSnapshotNotFound', `${RDS}, RestoreDBInstanceFromDBSnapshot DBSnapshotIdentifier [model]`, (v, { world }) =>
      (world.account.dbSnapshots ?? []).some((snap) => snap.id === String(v).toLowerCase() && snap.status === 'available') ? undefined : `DBSnapshot not found: ${String(v)}`)],
    skipFinalSnapshot: noConstraint("the provider's own switch (DeleteDBInstance SkipFinalSnapshot); checked with finalSnapshotIdentifier under engine"),
    finalSnapshotIdentifier: [rule('pattern', 'ProviderValidation', 'TF internal/service/rds/instance.go final_snapshot_identifier; CreateDBSnapshot DBSnapshotIdentifier [model]', (v) => identifier(v, 255, 'FinalDBSnapshotIdentifier'))],
    copyTagsToSnapshot: noConstraint('a boolean'),
    autoMinorVersionUpgrade: noConstraint('a boolean'),
    allowMajorVersionUpgrade: noConstraint('a boolean'),
    applyImmediately: noConstraint("the provider's own switch (ModifyDBInstance ApplyImmediately)"),
    deleteAutomatedBackups: noConstraint('a boolean (DeleteDBInstance DeleteAutomatedBackups)'),
    performanceInsightsEnabled: noConstraint('a boolean'),
    iamDatabaseAuthenticationEnabled: noConstraint('a boolean'),
    caCertIdentifier: [rule('enum', 'InvalidParameterValue', 'RDS User Guide, Using SSL/TLS: certificate authorities', oneOf(['rds-ca-rsa2048-g1', 'rds-ca-rsa4096-g1', 'rds-ca-ecc384-g1']))],
    networkType: [rule('enum', 'InvalidParameterValue', `${RDS}, CreateDBInstance NetworkType [model]`, oneOf(['IPV4', 'DUAL']))],
    region: noConstraint("the provider's region for this resource (@pulumi/aws 7)"),
    tags: RDS_TAGS,
  },

  'aws:rds/subnetGroup:SubnetGroup': {
    // DBSubnetGroupName: "Must contain no more than 255 letters, numbers, periods, underscores,
    // spaces, or hyphens. Must not be default" (model); TF validSubnetGroupName allows lowercase only
    // (RDS stores the name in lowercase) and refuses before calling AWS.
    name: [rule('pattern', 'ProviderValidation', `${RDS}, CreateDBSubnetGroup DBSubnetGroupName [model]; TF rds/validate.go validSubnetGroupName`, (v) => {
      const s = String(v);
      if (!/^[a-z0-9 ._-]+$/.test(s)) return `only lowercase alphanumeric characters, hyphens, underscores, periods, and spaces allowed in "name": ${JSON.stringify(s)}`;
      if (s.length > 255) return `"name" cannot be longer than 255 characters`;
      return s === 'default' ? '"name" is not allowed as "default"' : undefined;
    })],
    namePrefix: [rule('pattern', 'ProviderValidation', 'TF rds/validate.go validSubnetGroupNamePrefix', (v) =>
      /^[a-z0-9 ._-]{1,229}$/.test(String(v)) ? undefined : `only lowercase alphanumeric characters, hyphens, underscores, periods, and spaces allowed in "name_prefix": ${JSON.stringify(String(v))}`)],
    description: [rule('not-blank', 'InvalidParameterValue', `${RDS}, CreateDBSubnetGroup DBSubnetGroupDescription (required) [model]`, (v) =>
      String(v).trim() === '' ? 'The parameter DBSubnetGroupDescription must be provided and must not be blank.' : chars(String(v)) > 255 ? 'DBSubnetGroupDescription is at most 255 characters' : undefined)],
    subnetIds: [
      rule('exist', 'InvalidSubnet', `${RDS}, CreateDBSubnetGroup SubnetIds (InvalidSubnet)`, (v) => {
        const missing = list(v).find((id) => zoneOfSubnet(String(id)) === undefined);
        return missing === undefined ? undefined : `Some input subnets in :[${String(missing)}] are invalid.`;
      }),
      // "For a DB instance … the DB subnet group must have subnets in at least two Availability
      // Zones in a given AWS Region" (RDS User Guide, Working with DB subnet groups);
      // DBSubnetGroupDoesNotCoverEnoughAZs is the model's fault for it.
      rule('two-zones', 'DBSubnetGroupDoesNotCoverEnoughAZs', `${RDS}, CreateDBSubnetGroup (DBSubnetGroupDoesNotCoverEnoughAZsFault) [model]; RDS User Guide, Working with DB subnet groups`, (v) => {
        const zones = [...new Set(list(v).map((id) => zoneOfSubnet(String(id))).filter(Boolean))];
        return zones.length >= 2 ? undefined : `The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: ${zones.join(', ')}. Add subnets to cover at least 2 AZs.`;
      }),
    ],
    region: noConstraint("the provider's region for this resource (@pulumi/aws 7)"),
    tags: RDS_TAGS,
  },
};

/**
 * Deletes RDS refuses, from the state the delete acts on. DeleteDBInstance on an instance with
 * DeletionProtection: "InvalidParameterCombination: Cannot delete protected DB Instance, please
 * disable deletion protection and try again." (AWS's answer quoted in
 * hashicorp/terraform-provider-aws#26233; CreateDBInstance DeletionProtection, model: "The database
 * can't be deleted when deletion protection is enabled").
 */
export const RDS_DELETE_REFUSALS: Readonly<Record<string, (inputs: Record<string, any>) => string | undefined>> = {
  'aws:rds/instance:Instance': (inputs) =>
    inputs.deletionProtection === true ? 'InvalidParameterCombination: Cannot delete protected DB Instance, please disable deletion protection and try again.' : undefined,
};
