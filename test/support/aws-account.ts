// The AWS account the Pulumi mocks stand for: us-east-1 of account 123456789012, its default VPC
// and subnets, which zones offer the instance types the tests use, and the public images
// DescribeImages can find there. The data sources (`call` in pulumi-mocks.ts) and the rules
// (aws-rules.ts) read these same facts, so a lookup and a later create agree about the account.
//
// The image ids, names and dates are illustrative, not a copy of the live catalogue (this machine
// cannot reach AWS); the shapes and the selection rules are the real ones, cited below.
import { createHash } from 'node:crypto';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
/** us-east-1's six availability zones. */
export const ZONES: readonly string[] = ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1e', 'us-east-1f'];

export const hex = (seed: string, length: number) => createHash('sha256').update(seed).digest('hex').slice(0, length);

export const DEFAULT_VPC = { id: 'vpc-0a1b2c3d4e5f60718', cidrBlock: '172.31.0.0/16' } as const;

/** The default VPC has one default subnet per zone. */
export function defaultSubnet(zone: string) {
  return { id: `subnet-${hex(zone, 17)}`, availabilityZone: zone, vpcId: DEFAULT_VPC.id, defaultForAz: true, mapPublicIpOnLaunch: true, cidrBlock: '172.31.16.0/20' };
}

export interface InstanceTypeFacts {
  readonly architecture: 'x86_64' | 'arm64';
  /** Zones offering the type, in the order DescribeInstanceTypeOfferings lists them (none in particular). */
  readonly zones: readonly string[];
}

// t3 is not offered in us-east-1e (which carries older families only); the API lists zones in no
// order. Graviton (t4g) is listed in two zones here, as the earlier mock had it: enough for the
// program's "first zone, sorted" choice to matter. Not checked against a live account.
const T3_ZONES = ['us-east-1d', 'us-east-1b', 'us-east-1a', 'us-east-1c', 'us-east-1f'];
const T4G_ZONES = ['us-east-1c', 'us-east-1a'];
export const INSTANCE_TYPES: Readonly<Record<string, InstanceTypeFacts>> = {
  't3.nano': { architecture: 'x86_64', zones: T3_ZONES },
  't3.micro': { architecture: 'x86_64', zones: T3_ZONES },
  't3.small': { architecture: 'x86_64', zones: T3_ZONES },
  't3.medium': { architecture: 'x86_64', zones: T3_ZONES },
  't4g.micro': { architecture: 'arm64', zones: T4G_ZONES },
  't4g.small': { architecture: 'arm64', zones: T4G_ZONES },
  't4g.medium': { architecture: 'arm64', zones: T4G_ZONES },
  // A Graviton general-purpose type, for plans that change to a type offered in fewer zones.
  'm7g.medium': { architecture: 'arm64', zones: ['us-east-1c', 'us-east-1a'] },
};

/** The facts of an instance type, or a mock error: an unmodelled type must be added, not guessed. */
export function instanceType(type: string, account: Account = DEFAULT_ACCOUNT): InstanceTypeFacts {
  const facts = account.instanceTypes[type];
  if (!facts) throw new Error(`mock: no model of instance type ${type} in ${REGION}; add it (its architecture and zones) to test/support/aws-account.ts`);
  return facts;
}

// --- DescribeImages ---------------------------------------------------------------------------

/** The owner id of Amazon's own public images (Amazon Linux) in the commercial regions. */
export const AMAZON_OWNER_ID = '137112412989';

export interface Image {
  readonly imageId: string;
  readonly name: string;
  readonly ownerId: string;
  /** DescribeImages' ImageOwnerAlias: `amazon` for Amazon's images, absent for anyone else's. */
  readonly imageOwnerAlias?: string;
  readonly architecture: 'x86_64' | 'arm64';
  readonly state: 'available' | 'pending' | 'failed';
  readonly creationDate: string;
  readonly rootDeviceName: string;
  readonly rootDeviceType: 'ebs';
  readonly virtualizationType: 'hvm';
  readonly imageType: 'machine';
}

export const amazonImage = (imageId: string, name: string, architecture: Image['architecture'], creationDate: string, state: Image['state'] = 'available'): Image => ({
  imageId, name, ownerId: AMAZON_OWNER_ID, imageOwnerAlias: 'amazon', architecture, state, creationDate,
  rootDeviceName: '/dev/xvda', rootDeviceType: 'ebs', virtualizationType: 'hvm', imageType: 'machine',
});

/**
 * The public images a lookup can find. Besides the two current AL2023 images the program should
 * pick, it holds what a careless lookup would pick instead: an older release, the minimal variant,
 * Amazon Linux 2, a newer image still `pending`, and a look-alike published by another account.
 */
export const IMAGES: readonly Image[] = [
  amazonImage('ami-05b10e08d247fb927', 'al2023-ami-2023.6.20250211.0-kernel-6.1-x86_64', 'x86_64', '2025-02-11T20:31:20.000Z'),
  amazonImage('ami-0c5777a14602ab4b9', 'al2023-ami-2023.6.20250211.0-kernel-6.1-arm64', 'arm64', '2025-02-11T20:31:22.000Z'),
  amazonImage('ami-0a3c3a20c09d6f377', 'al2023-ami-2023.6.20250128.0-kernel-6.1-x86_64', 'x86_64', '2025-01-28T18:02:11.000Z'),
  amazonImage('ami-0e2c8caa4b6378d8c', 'al2023-ami-2023.6.20250128.0-kernel-6.1-arm64', 'arm64', '2025-01-28T18:02:14.000Z'),
  amazonImage('ami-0f214d1b3d031dc53', 'al2023-ami-minimal-2023.6.20250218.0-kernel-6.1-x86_64', 'x86_64', '2025-02-18T19:45:03.000Z'),
  amazonImage('ami-0c614dee691cbbf37', 'amzn2-ami-kernel-5.10-hvm-2.0.20250220.0-x86_64-gp2', 'x86_64', '2025-02-20T21:11:45.000Z'),
  amazonImage('ami-0d7a109bf30624c99', 'al2023-ami-2023.6.20250303.0-kernel-6.1-x86_64', 'x86_64', '2025-03-03T22:10:09.000Z', 'pending'),
  {
    ...amazonImage('ami-0bd0c1e2f3a4b5c6d', 'al2023-ami-2023.9.20991231.0-kernel-6.1-x86_64', 'x86_64', '2025-06-01T00:00:00.000Z'),
    ownerId: '111122223333',
    imageOwnerAlias: undefined,
  },
];

/** What the account offers: the images a lookup can find and the instance types with their zones.
 * A test may describe another (a newer AMI published, a type offered in other zones). */
export interface Account {
  readonly images: readonly Image[];
  readonly instanceTypes: Readonly<Record<string, InstanceTypeFacts>>;
  /** DB snapshots the account holds or is shared (none unless a test describes some). */
  readonly dbSnapshots?: readonly DbSnapshot[];
}
export const DEFAULT_ACCOUNT: Account = { images: IMAGES, instanceTypes: INSTANCE_TYPES };

/** A DB snapshot as DescribeDBSnapshots answers (RDS API Reference, DBSnapshot), the fields berth reads. */
export interface DbSnapshot {
  /** DBSnapshotIdentifier: a manual one's name, `rds:…` for an automated one, the ARN for one shared from another account. */
  readonly id: string;
  /** SnapshotType. */
  readonly type: 'manual' | 'automated' | 'shared';
  readonly engine: string;
  readonly engineVersion: string;
  readonly encrypted: boolean;
  /** Status: creating, available, … */
  readonly status: string;
  readonly allocatedStorage: number;
  /** DBInstanceIdentifier of the instance it was taken of. */
  readonly instance: string;
}

/**
 * DescribeDBSnapshots as the provider's aws_db_snapshot data source asks it (snapshot_data_source.go:
 * DBSnapshotIdentifier, SnapshotType, IncludeShared), and its answer: no match is the data source's
 * error. The API's constraints: identifiers are stored lower-case; "If this identifier is for an
 * automated snapshot, the SnapshotType parameter must also be specified"; shared snapshots are
 * listed with SnapshotType shared or IncludeShared (DescribeDBSnapshots, botocore rds model).
 * What RDS does with an automated id and no SnapshotType is modelled as no match (not verified).
 */
export function dbSnapshotLookup(inputs: Record<string, any>, account: Account): Record<string, unknown> {
  const known = ['dbSnapshotIdentifier', 'snapshotType', 'includeShared', 'includePublic', 'mostRecent', 'dbInstanceIdentifier', 'tags'];
  const extra = Object.keys(inputs).find((k) => !known.includes(k));
  if (extra) throw new Error(`mock: getSnapshot argument ${extra} is not modelled`);
  const id = String(inputs.dbSnapshotIdentifier ?? '').toLowerCase();
  const type = inputs.snapshotType as string | undefined;
  const found = (account.dbSnapshots ?? []).filter((snap) =>
    snap.id === id &&
    (type === undefined ? snap.type === 'manual' || (snap.type === 'shared' && inputs.includeShared === true) : snap.type === type) &&
    (snap.type !== 'shared' || type === 'shared' || inputs.includeShared === true));
  if (found.length === 0) throw new Error('reading RDS DB Snapshots: Your query returned no results. Please change your search criteria and try again.');
  const snap = found[0]!;
  const arn = snap.id.startsWith('arn:') ? snap.id : `arn:aws:rds:${REGION}:${ACCOUNT}:snapshot:${snap.id}`;
  return {
    ...inputs,
    id: snap.id, dbSnapshotIdentifier: snap.id, dbSnapshotArn: arn, snapshotType: snap.type, dbInstanceIdentifier: snap.instance,
    engine: snap.engine, engineVersion: snap.engineVersion, encrypted: snap.encrypted, status: snap.status, allocatedStorage: snap.allocatedStorage,
    kmsKeyId: snap.encrypted ? `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555` : '',
    storageType: 'gp3', iops: 3000, port: 5432, licenseModel: 'postgresql-license', optionGroupName: `default:postgres-${snap.engineVersion.split('.')[0]}`,
    availabilityZone: ZONES[0], vpcId: DEFAULT_VPC.id, snapshotCreateTime: '2026-12-02T03:10:00Z', originalSnapshotCreateTime: '2026-12-02T03:10:00Z',
    sourceDbSnapshotIdentifier: '', sourceRegion: '', tags: {},
  };
}

/**
 * DescribeImages' filter names (EC2 API Reference, DescribeImages, Filters; read from the EC2
 * service model, boto/botocore botocore/data/ec2/2016-11-15/service-2.json). `tag:<key>` is a
 * family of names.
 */
export const IMAGE_FILTER_NAMES: ReadonlySet<string> = new Set([
  'architecture', 'block-device-mapping.delete-on-termination', 'block-device-mapping.device-name', 'block-device-mapping.snapshot-id',
  'block-device-mapping.volume-size', 'block-device-mapping.volume-type', 'block-device-mapping.encrypted', 'creation-date', 'description',
  'ena-support', 'free-tier-eligible', 'hypervisor', 'image-allowed', 'image-id', 'image-watermark.source-image-creation-time',
  'image-watermark.source-image-id', 'image-watermark.source-image-region', 'image-watermark.watermark-creation-time',
  'image-watermark.watermark-key', 'image-type', 'is-public', 'kernel-id', 'manifest-location', 'name', 'owner-alias', 'owner-id',
  'platform', 'product-code', 'product-code.type', 'public-ssm-parameter-name', 'ramdisk-id', 'root-device-name', 'root-device-type',
  'source-image-id', 'source-image-region', 'source-instance-id', 'state', 'state-reason-code', 'state-reason-message',
  'sriov-net-support', 'tag-key', 'virtualization-type',
]);

/** The filters this catalogue can answer: what its images record. */
const IMAGE_FIELDS: Readonly<Record<string, (image: Image) => string | undefined>> = {
  architecture: (i) => i.architecture,
  'creation-date': (i) => i.creationDate,
  'image-id': (i) => i.imageId,
  'image-type': (i) => i.imageType,
  'is-public': () => 'true',
  name: (i) => i.name,
  'owner-alias': (i) => i.imageOwnerAlias,
  'owner-id': (i) => i.ownerId,
  'root-device-name': (i) => i.rootDeviceName,
  'root-device-type': (i) => i.rootDeviceType,
  state: (i) => i.state,
  'virtualization-type': (i) => i.virtualizationType,
};

/** EC2 filter values take `*` (any run of characters) and `?` (one character) as wildcards. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}

export class Ec2Error extends Error {}

/**
 * DescribeImages over this catalogue: every filter must hold (values of one filter are
 * alternatives), and `owners` (account ids, `amazon`, `self`) narrows by owner. An unknown filter
 * name is refused as EC2 refuses it (InvalidParameterValue; the wording "The filter '…' is invalid"
 * is recalled from EC2's answers, not read from a document).
 */
export function describeImages(input: { owners?: readonly string[]; filters?: readonly { name: string; values: readonly string[] }[] }, account: Account = DEFAULT_ACCOUNT): Image[] {
  for (const filter of input.filters ?? []) {
    if (!IMAGE_FILTER_NAMES.has(filter.name) && !filter.name.startsWith('tag:')) {
      throw new Ec2Error(`mock: InvalidParameterValue: The filter '${filter.name}' is invalid`);
    }
    if (!(filter.name in IMAGE_FIELDS)) throw new Error(`mock: the image catalogue cannot answer the filter ${filter.name}; add it to test/support/aws-account.ts`);
  }
  return account.images.filter((image) => {
    const owned = !input.owners?.length || input.owners.some((owner) =>
      owner === image.ownerId || owner === image.imageOwnerAlias || (owner === 'self' && image.ownerId === ACCOUNT));
    const matches = (input.filters ?? []).every((filter) => {
      const field = IMAGE_FIELDS[filter.name]!(image);
      return field !== undefined && filter.values.some((pattern) => wildcardMatch(pattern, field));
    });
    return owned && matches;
  });
}

// --- data sources, as the provider answers them ------------------------------------------------

const NO_RESULTS = 'Your query returned no results. Please change your search criteria and try again.';

/**
 * aws.ec2.getAmi, as TF's data source does it (internal/service/ec2/ec2_ami_data_source.go):
 * refuse `mostRecent` without an owner or an image-id/owner-id filter ("Most Recent Image Not
 * Filtered"), DescribeImages with the owners and filters, narrow by `nameRegex`, then fail on no
 * result, fail on several unless `mostRecent`, and take the newest by creation date.
 */
export function amiLookup(inputs: Record<string, any>, account: Account = DEFAULT_ACCOUNT): Record<string, unknown> {
  const known = ['owners', 'filters', 'mostRecent', 'nameRegex', 'includeDeprecated', 'allowUnsafeFilter'];
  const unknown = Object.keys(inputs).filter((k) => !known.includes(k));
  if (unknown.length) throw new Error(`mock: getAmi is not modelled with ${unknown.join(', ')}; add it to test/support/aws-account.ts`);
  const filters = (inputs.filters ?? []) as { name: string; values: string[] }[];
  if (inputs.mostRecent && !inputs.owners?.length && !filters.some((f) => f.name === 'image-id' || f.name === 'owner-id') && !inputs.allowUnsafeFilter) {
    throw new Error('mock: Most Recent Image Not Filtered: "most_recent" is set to "true" and results are not filtered by owner or image ID');
  }
  let images = describeImages({ owners: inputs.owners, filters }, account);
  if (inputs.nameRegex) images = images.filter((i) => new RegExp(inputs.nameRegex).test(i.name));
  if (images.length === 0) throw new Error(`mock: ${NO_RESULTS}`);
  if (images.length > 1 && !inputs.mostRecent) {
    throw new Error('mock: Your query returned more than one result. Please try a more specific search criteria, or set `most_recent` attribute to true.');
  }
  const image = images.reduce((a, b) => (Date.parse(b.creationDate) > Date.parse(a.creationDate) ? b : a));
  return {
    id: image.imageId,
    imageId: image.imageId,
    arn: `arn:aws:ec2:${REGION}::image/${image.imageId}`,
    name: image.name,
    architecture: image.architecture,
    ownerId: image.ownerId,
    imageOwnerAlias: image.imageOwnerAlias,
    creationDate: image.creationDate,
    state: image.state,
    rootDeviceName: image.rootDeviceName,
    rootDeviceType: image.rootDeviceType,
    virtualizationType: image.virtualizationType,
    imageType: image.imageType,
  };
}

/** DescribeInstanceTypeOfferings LocationType (EC2 API Reference, model enum). */
const LOCATION_TYPES = ['region', 'availability-zone', 'availability-zone-id', 'outpost'];

/**
 * aws.ec2.getInstanceTypeOfferings: DescribeInstanceTypeOfferings with a location type and the
 * filters instance-type and location (the only two the API documents). An unknown location type or
 * filter is refused with InvalidParameterValue (the wording is not verified); the zone-id and
 * outpost views are not modelled.
 */
export function instanceTypeOfferings(inputs: Record<string, any>, account: Account = DEFAULT_ACCOUNT): Record<string, unknown> {
  const locationType = inputs.locationType ?? 'region';
  if (!LOCATION_TYPES.includes(locationType)) {
    throw new Ec2Error(`mock: InvalidParameterValue: Value (${locationType}) for parameter locationType is invalid. Valid values: ${LOCATION_TYPES.join(', ')}`);
  }
  if (locationType !== 'availability-zone' && locationType !== 'region') throw new Error(`mock: offerings by ${locationType} are not modelled; add them to test/support/aws-account.ts`);
  const filters = (inputs.filters ?? []) as { name: string; values: string[] }[];
  const bad = filters.find((f) => f.name !== 'instance-type' && f.name !== 'location');
  if (bad) throw new Ec2Error(`mock: InvalidParameterValue: The filter '${bad.name}' is invalid`);
  const typeFilter = filters.find((f) => f.name === 'instance-type')?.values;
  const locationFilter = filters.find((f) => f.name === 'location')?.values;
  // An exact type must be modelled (instanceType throws otherwise); a wildcard matches the model.
  const types = typeFilter
    ? typeFilter.flatMap((v) => (/[*?]/.test(v) ? Object.keys(account.instanceTypes).filter((t) => wildcardMatch(v, t)) : (instanceType(v, account), [v])))
    : Object.keys(account.instanceTypes);
  const offerings = types.flatMap((type) =>
    (locationType === 'region' ? [REGION] : account.instanceTypes[type]!.zones).map((location) => ({ type, location })),
  ).filter((o) => !locationFilter || locationFilter.some((v) => wildcardMatch(v, o.location)));
  return {
    id: REGION,
    locationType,
    locations: offerings.map((o) => o.location),
    locationTypes: offerings.map(() => locationType),
    instanceTypes: offerings.map((o) => o.type),
  };
}

// --- fleet mode (issue 14): what the fleet's resource types need to know of the account ----------
// Added for the rules of test/support/aws-rules/{autoscaling,elb,rds,acm,route53,logs}.ts. Like the
// images above, the values are illustrative (this machine cannot reach AWS); the shapes are real.

/** The default VPC's default subnets, one per zone (six here: a fleet needs two zones or more). */
export const DEFAULT_SUBNETS = ZONES.map(defaultSubnet);
/** The zone of a default subnet, or undefined for an id the account does not have. */
export const zoneOfSubnet = (id: string): string | undefined => ZONES.find((z) => defaultSubnet(z).id === id);

/**
 * DB instance classes orderable for postgres in the region (DescribeOrderableDBInstanceOptions
 * Engine=postgres answers these among others). db.t4g.micro is berth's default. Not read from a
 * live account: the Graviton and burstable classes the RDS User Guide's "Supported DB engines for
 * DB instance classes" table lists for PostgreSQL.
 */
export const RDS_POSTGRES_CLASSES: readonly string[] = [
  'db.t3.micro', 'db.t3.small', 'db.t3.medium', 'db.t4g.micro', 'db.t4g.small', 'db.t4g.medium', 'db.t4g.large',
  'db.m6g.large', 'db.m7g.large', 'db.r6g.large', 'db.r7g.large',
];
/** PostgreSQL engine versions RDS offers here (DescribeDBEngineVersions; illustrative). A major alone picks its default minor. */
export const RDS_POSTGRES_VERSIONS: readonly string[] = ['14', '14.15', '15', '15.10', '16', '16.6', '16.8', '17', '17.2', '17.4'];

/** The account's Route 53 public hosted zones (berth:hostedZoneId names one). */
export const HOSTED_ZONES: readonly { readonly id: string; readonly name: string }[] = [{ id: 'Z0123456789ABCDEFGHIJ', name: 'example.com' }];
/**
 * The canonical hosted zone of Application Load Balancers in us-east-1, which an alias record to an
 * ALB names (AWS General Reference, Elastic Load Balancing endpoints and quotas: Z35SXDOTRQ7X7K).
 */
export const ALB_HOSTED_ZONE_ID = 'Z35SXDOTRQ7X7K';
