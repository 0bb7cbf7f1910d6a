// A resource of each fleet type (issue 14) as a fleet sets it, breaking none of the rules: the
// inputs test/infra/aws-rules.test.ts varies one field at a time to show each rule refusing a bad
// value and taking a good one. The program's own fleet resources (h-fleet's components) are held to
// the same rules by that test's program-wide checks once a stack config makes a fleet; these
// baselines keep the per-rule examples independent of how the components spell their inputs.
import { ALB_HOSTED_ZONE_ID, ACCOUNT, DEFAULT_ACCOUNT, DEFAULT_VPC, HOSTED_ZONES, REGION, defaultSubnet } from '../aws-account.js';
import type { AwsWorld } from './shared.js';

const SUBNETS = ['us-east-1a', 'us-east-1b', 'us-east-1c'].map((z) => defaultSubnet(z).id);
export const FLEET_IDS = {
  albGroup: 'sg-0a1b2c3d4e5f60001',
  hostGroup: 'sg-0a1b2c3d4e5f60002',
  dbGroup: 'sg-0a1b2c3d4e5f60003',
  profile: 'berth-profile-1a2b3c4',
  launchTemplate: 'lt-0123456789abcdef0',
  loadBalancer: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/berth-alb-1a2b3c4/0123456789abcdef`,
  targetGroup: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/berth-tg-1a2b3c4/fedcba9876543210`,
  certificate: `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/01234567-89ab-cdef-0123-456789abcdef`,
  kmsKey: `arn:aws:kms:${REGION}:${ACCOUNT}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`,
} as const;

/** The account as the fleet's resources find it: its three security groups and the host's profile exist. */
export const FLEET_WORLD: AwsWorld = {
  account: DEFAULT_ACCOUNT,
  resource: (type, id) => {
    const groups: readonly string[] = [FLEET_IDS.albGroup, FLEET_IDS.hostGroup, FLEET_IDS.dbGroup];
    const known = (type === 'aws:ec2/securityGroup:SecurityGroup' && groups.includes(id))
      || (type === 'aws:iam/instanceProfile:InstanceProfile' && id === FLEET_IDS.profile);
    return known ? { inputs: {}, state: {} } : undefined;
  },
};

const TAGS = { 'berth:stack': 'dev' };

export const FLEET_BASELINES: Readonly<Record<string, Readonly<Record<string, any>>>> = {
  'aws:ec2/launchTemplate:LaunchTemplate': {
    name: 'berth-fleet-1a2b3c4',
    description: 'berth: the fleet hosts',
    imageId: 'ami-05b10e08d247fb927',
    instanceType: 't3.small',
    userData: Buffer.from('#cloud-config\n').toString('base64'),
    iamInstanceProfile: { name: FLEET_IDS.profile },
    vpcSecurityGroupIds: [FLEET_IDS.hostGroup],
    metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 2, instanceMetadataTags: 'disabled' },
    blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: 30, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' } }],
    tagSpecifications: [
      { resourceType: 'instance', tags: { Name: 'berth-fleet', 'berth:fleet': 'dev' } },
      { resourceType: 'volume', tags: { Name: 'berth-fleet' } },
    ],
    updateDefaultVersion: true,
    tags: TAGS,
  },
  'aws:autoscaling/group:Group': {
    name: 'berth-fleet-1a2b3c4',
    minSize: 2,
    maxSize: 4,
    desiredCapacity: 2,
    vpcZoneIdentifiers: SUBNETS,
    launchTemplate: { id: FLEET_IDS.launchTemplate, version: '$Latest' },
    healthCheckType: 'ELB',
    healthCheckGracePeriod: 300,
    defaultInstanceWarmup: 120,
    targetGroupArns: [FLEET_IDS.targetGroup],
    instanceRefresh: { strategy: 'Rolling', preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200, instanceWarmup: '120', skipMatching: true }, triggers: ['tag'] },
    initialLifecycleHooks: [{ name: 'berth-release-on-launch', lifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING', heartbeatTimeout: 900, defaultResult: 'ABANDON' }],
    terminationPolicies: ['OldestLaunchTemplate', 'Default'],
    metricsGranularity: '1Minute',
    waitForCapacityTimeout: '10m',
    tags: [{ key: 'berth:fleet', value: 'dev', propagateAtLaunch: true }, { key: 'Name', value: 'berth-fleet', propagateAtLaunch: true }],
  },
  'aws:autoscaling/policy:Policy': {
    name: 'berth-cpu-1a2b3c4',
    autoscalingGroupName: 'berth-fleet-1a2b3c4',
    policyType: 'TargetTrackingScaling',
    estimatedInstanceWarmup: 120,
    targetTrackingConfiguration: { predefinedMetricSpecification: { predefinedMetricType: 'ASGAverageCPUUtilization' }, targetValue: 60, disableScaleIn: false },
  },
  'aws:lb/loadBalancer:LoadBalancer': {
    name: 'berth-alb-1a2b3c4',
    loadBalancerType: 'application',
    internal: false,
    ipAddressType: 'ipv4',
    subnets: SUBNETS,
    securityGroups: [FLEET_IDS.albGroup],
    idleTimeout: 60,
    dropInvalidHeaderFields: true,
    enableDeletionProtection: false,
    tags: TAGS,
  },
  'aws:lb/targetGroup:TargetGroup': {
    name: 'berth-tg-1a2b3c4',
    port: 8080,
    protocol: 'HTTP',
    protocolVersion: 'HTTP1',
    targetType: 'instance',
    vpcId: DEFAULT_VPC.id,
    deregistrationDelay: 30,
    slowStart: 0,
    healthCheck: { enabled: true, path: '/healthz', port: 'traffic-port', protocol: 'HTTP', matcher: '200', interval: 10, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 2 },
    loadBalancingAlgorithmType: 'round_robin',
    stickiness: { enabled: false, type: 'lb_cookie', cookieDuration: 86400 },
    tags: TAGS,
  },
  'aws:lb/listener:Listener': {
    loadBalancerArn: FLEET_IDS.loadBalancer,
    port: 443,
    protocol: 'HTTPS',
    sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    certificateArn: FLEET_IDS.certificate,
    defaultActions: [{ type: 'forward', targetGroupArn: FLEET_IDS.targetGroup, order: 1 }],
    tags: TAGS,
  },
  'aws:rds/instance:Instance': {
    identifier: 'berth-db-1a2b3c4',
    engine: 'postgres',
    engineVersion: '16',
    instanceClass: 'db.t4g.micro',
    allocatedStorage: 20,
    maxAllocatedStorage: 100,
    storageType: 'gp3',
    storageEncrypted: true,
    username: 'berth',
    manageMasterUserPassword: true,
    dbName: 'berth',
    dbSubnetGroupName: 'berth-db-1a2b3c4',
    vpcSecurityGroupIds: [FLEET_IDS.dbGroup],
    publiclyAccessible: false,
    multiAz: false,
    backupRetentionPeriod: 7,
    backupWindow: '03:00-03:30',
    maintenanceWindow: 'sun:04:00-sun:04:30',
    port: 5432,
    deletionProtection: true,
    skipFinalSnapshot: false,
    finalSnapshotIdentifier: 'berth-db-final-1a2b3c4',
    copyTagsToSnapshot: true,
    autoMinorVersionUpgrade: true,
    caCertIdentifier: 'rds-ca-rsa2048-g1',
    networkType: 'IPV4',
    tags: TAGS,
  },
  'aws:rds/subnetGroup:SubnetGroup': {
    name: 'berth-db-1a2b3c4',
    description: 'berth: the database subnets',
    subnetIds: SUBNETS,
    tags: TAGS,
  },
  'aws:acm/certificate:Certificate': {
    domainName: 'notes.example.com',
    subjectAlternativeNames: ['www.notes.example.com'],
    validationMethod: 'DNS',
    keyAlgorithm: 'RSA_2048',
    options: { certificateTransparencyLoggingPreference: 'ENABLED' },
    tags: TAGS,
  },
  'aws:acm/certificateValidation:CertificateValidation': {
    certificateArn: FLEET_IDS.certificate,
    validationRecordFqdns: ['_3f2a1b.notes.example.com'],
  },
  'aws:route53/record:Record': {
    zoneId: HOSTED_ZONES[0]!.id,
    name: 'notes.example.com',
    type: 'A',
    aliases: [{ name: 'berth-alb-1a2b3c4-1234567890.us-east-1.elb.amazonaws.com', zoneId: ALB_HOSTED_ZONE_ID, evaluateTargetHealth: true }],
    allowOverwrite: false,
  },
  'aws:cloudwatch/logGroup:LogGroup': {
    name: '/berth/dev/app',
    retentionInDays: 14,
    tags: TAGS,
  },
};
