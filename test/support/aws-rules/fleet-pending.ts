// TEMPORARY (h-fleet, issue 14): placeholders for the fleet's resource types until h-fleetrules'
// tables (test/support/aws-rules/*.ts) are merged over this file, which is then deleted. Each entry
// says only that no rule has been written yet for the field; none is a claim about AWS. The mocks
// need an entry per type (awsRuleViolations refuses a type the table does not know), and
// test/infra/aws-rules.test.ts needs every field berth sets to have one.
import { type FieldRules, noConstraint } from './shared.js';

const PENDING = noConstraint('pending: h-fleetrules writes the rules for this field (issue 14)');
const pending = (...fields: string[]): Record<string, FieldRules> => Object.fromEntries(fields.map((f) => [f, PENDING]));

export const FLEET_PENDING_RULES: Readonly<Record<string, Readonly<Record<string, FieldRules>>>> = {
  // The hosts' and the database's groups admit another group (UserIdGroupPairs).
  'aws:ec2/securityGroup:SecurityGroup': pending('ingress[].securityGroups'),
  // A fleet's release association has rate control.
  'aws:ssm/association:Association': pending('maxConcurrency', 'maxErrors'),
  'aws:ec2/launchTemplate:LaunchTemplate': pending('description', 'imageId', 'instanceType', 'iamInstanceProfile', 'vpcSecurityGroupIds', 'metadataOptions', 'blockDeviceMappings', 'userData', 'tagSpecifications', 'updateDefaultVersion', 'tags'),
  'aws:autoscaling/group:Group': pending('minSize', 'maxSize', 'desiredCapacity', 'vpcZoneIdentifiers', 'launchTemplate', 'targetGroupArns', 'healthCheckType', 'healthCheckGracePeriod', 'instanceRefresh', 'tags'),
  'aws:autoscaling/policy:Policy': pending('autoscalingGroupName', 'policyType', 'targetTrackingConfiguration'),
  'aws:lb/loadBalancer:LoadBalancer': pending('loadBalancerType', 'internal', 'subnets', 'securityGroups', 'dropInvalidHeaderFields', 'tags'),
  'aws:lb/targetGroup:TargetGroup': pending('vpcId', 'targetType', 'protocol', 'port', 'deregistrationDelay', 'healthCheck', 'tags'),
  'aws:lb/listener:Listener': pending('loadBalancerArn', 'port', 'protocol', 'sslPolicy', 'certificateArn', 'defaultActions', 'tags'),
  'aws:rds/instance:Instance': pending(
    'engine', 'engineVersion', 'autoMinorVersionUpgrade', 'instanceClass', 'allocatedStorage', 'storageType', 'storageEncrypted', 'multiAz', 'backupRetentionPeriod',
    'publiclyAccessible', 'deletionProtection', 'skipFinalSnapshot', 'copyTagsToSnapshot', 'manageMasterUserPassword', 'username', 'port', 'dbName',
    'finalSnapshotIdentifier', 'dbSubnetGroupName', 'vpcSecurityGroupIds', 'tags',
  ),
  'aws:rds/subnetGroup:SubnetGroup': pending('description', 'subnetIds', 'tags'),
  'aws:acm/certificate:Certificate': pending('domainName', 'validationMethod', 'tags'),
  'aws:acm/certificateValidation:CertificateValidation': pending('certificateArn', 'validationRecordFqdns'),
  'aws:route53/record:Record': pending('zoneId', 'name', 'type', 'records', 'ttl', 'allowOverwrite', 'aliases'),
  'aws:cloudwatch/logGroup:LogGroup': pending('name', 'retentionInDays', 'tags'),
};
