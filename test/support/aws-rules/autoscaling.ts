// The EC2 Auto Scaling rules: the fleet's group and its target-tracking policy. "model" is
// botocore/data/autoscaling/2011-01-01/service-2.json; "TF" is hashicorp/terraform-provider-aws
// internal/service/autoscaling (group.go, policy.go). Auto Scaling speaks the query protocol: a
// model constraint, and most of its own checks, are answered ValidationError. The wording of AWS's
// messages is as recalled from its answers quoted in public issues, not read from a document.
import { zoneOfSubnet } from '../aws-account.js';
import { type FieldRules, chars, intIn, list, noConstraint, numberIn, oneOf, rule, serviceTags } from './shared.js';

const AS = 'Amazon EC2 Auto Scaling API Reference';
/** XmlStringMaxLen255 with the XML character pattern (model): names of groups, policies, hooks. */
const name255 = (what: string) => (v: unknown) =>
  typeof v === 'string' && chars(v) >= 1 && chars(v) <= 255 && /^[\u0020-\uD7FF\uE000-\uFFFD\r\n\t]*$/.test(v) ? undefined : `${what} ${JSON.stringify(v)} must be 1 to 255 characters`;

// Tags (CreateAutoScalingGroup Tags, Tag: Key 1..128, Value 0..256; "Tag your Auto Scaling groups":
// 50 tags per group, the aws: prefix reserved). The group's tags are a list of {key, value,
// propagateAtLaunch}.
const AS_TAGS_CITE = `${AS}, Tag (Key 1..128, Value 0..256) [model]; EC2 Auto Scaling User Guide, Tag Auto Scaling groups (50 tags, aws: reserved)`;

export const AUTOSCALING_RULES: Readonly<Record<string, Readonly<Record<string, FieldRules>>>> = {
  'aws:autoscaling/group:Group': {
    name: [rule('pattern', 'ValidationError', `${AS}, CreateAutoScalingGroup AutoScalingGroupName (XmlStringMaxLen255) [model]`, name255('Auto Scaling group name'))],
    namePrefix: [rule('length', 'ProviderValidation', 'TF autoscaling/group.go name_prefix (255 less the 26-character suffix)', (v) =>
      chars(String(v)) <= 229 ? undefined : `name_prefix is ${chars(String(v))} characters; at most 229`)],
    // MinSize, MaxSize, DesiredCapacity are integers ≥ 0 (model), and "the desired capacity must be
    // greater than or equal to the minimum size and less than or equal to the maximum size" (model,
    // DesiredCapacity). AWS's words: "Desired capacity:5 must be between the specified min size:1 and max size:3".
    minSize: [rule('range', 'ValidationError', `${AS}, CreateAutoScalingGroup MinSize [model]`, (v, { inputs }) =>
      intIn(0, 10000)(v) ?? (Number.isInteger(inputs.maxSize) && v > inputs.maxSize ? `Max bound, ${inputs.maxSize}, must be greater than or equal to min bound, ${v}` : undefined))],
    maxSize: [rule('range', 'ValidationError', `${AS}, CreateAutoScalingGroup MaxSize [model]`, intIn(0, 10000))],
    desiredCapacity: [rule('between-min-and-max', 'ValidationError', `${AS}, CreateAutoScalingGroup DesiredCapacity [model]`, (v, { inputs }) =>
      intIn(0, 10000)(v) ?? (v < Number(inputs.minSize) || v > Number(inputs.maxSize) ? `Desired capacity:${v} must be between the specified min size:${inputs.minSize} and max size:${inputs.maxSize}` : undefined))],
    // VPCZoneIdentifier: subnets of one VPC (model); a subnet the account lacks is refused
    // ("The subnet ID '…' does not exist", recalled). The fleet spans at least two zones: that is
    // berth's policy, held by its tests, not AWS's rule.
    vpcZoneIdentifiers: [rule('exist', 'ValidationError', `${AS}, CreateAutoScalingGroup VPCZoneIdentifier`, (v) => {
      const missing = list(v).find((id) => zoneOfSubnet(String(id)) === undefined);
      return missing === undefined ? undefined : `The subnet ID '${String(missing)}' does not exist`;
    })],
    // "You must specify one of the following parameters in your request: LaunchConfigurationName,
    // LaunchTemplate, InstanceId, or MixedInstancesPolicy" (CreateAutoScalingGroup, model);
    // LaunchTemplateSpecification takes the id or the name, not both, and a Version that is a
    // number, $Latest or $Default.
    'launchTemplate.id': [rule('id-or-name', 'ValidationError', `${AS}, LaunchTemplateSpecification [model]`, (v, { parent }) =>
      parent.name !== undefined ? 'Valid requests must contain either launchTemplateId or LaunchTemplateName, not both' : /^lt-[0-9a-f]{17}$/.test(String(v)) ? undefined : `The launch template ID '${String(v)}' is not valid`)],
    'launchTemplate.name': [rule('pattern', 'ValidationError', `${AS}, LaunchTemplateSpecification LaunchTemplateName [model]`, (v) =>
      /^[a-zA-Z0-9().\-/_]{3,128}$/.test(String(v)) ? undefined : `The launch template name '${String(v)}' is not valid`)],
    'launchTemplate.version': [rule('version', 'ValidationError', `${AS}, LaunchTemplateSpecification Version [model]`, (v) =>
      /^(\$Latest|\$Default|[1-9]\d*)$/.test(String(v)) ? undefined : `Launch template version '${String(v)}' must be a version number, $Latest or $Default`)],
    // HealthCheckType: "The valid values are EC2, EBS, ELB, and VPC_LATTICE" (model, XmlStringMaxLen32).
    healthCheckType: [rule('enum', 'ValidationError', `${AS}, CreateAutoScalingGroup HealthCheckType [model]`, oneOf(['EC2', 'ELB', 'EBS', 'VPC_LATTICE']))],
    // HealthCheckGracePeriod: seconds, an integer ≥ 0 (model, HealthCheckGracePeriod); no upper bound is documented.
    healthCheckGracePeriod: [rule('range', 'ValidationError', `${AS}, CreateAutoScalingGroup HealthCheckGracePeriod [model]`, intIn(0, 2_147_483_647))],
    defaultInstanceWarmup: [rule('range', 'ValidationError', `${AS}, CreateAutoScalingGroup DefaultInstanceWarmup [model]`, intIn(0, 2_147_483_647))],
    targetGroupArns: [rule('arn', 'ValidationError', `${AS}, CreateAutoScalingGroup TargetGroupARNs (XmlStringMaxLen511)`, (v) => {
      const bad = list(v).find((arn) => !/^arn:aws:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[0-9A-Za-z-]{1,32}\/[0-9a-f]{16}$/.test(String(arn)));
      return bad === undefined ? undefined : `Target group ARN '${String(bad)}' is not valid`;
    })],
    // InstanceRefresh (StartInstanceRefresh, model; RefreshPreferences): Strategy Rolling |
    // ReplaceRootVolume (TF accepts Rolling); MinHealthyPercentage 0-100; MaxHealthyPercentage
    // 100-200, and "the difference between them cannot be greater than 100" (RefreshPreferences
    // MaxHealthyPercentage); launch before terminate is min 100 with max above 100.
    'instanceRefresh.strategy': [rule('enum', 'ValidationError', `${AS}, StartInstanceRefresh Strategy [model]; TF autoscaling/group.go`, oneOf(['Rolling', 'ReplaceRootVolume']))],
    'instanceRefresh.preferences.minHealthyPercentage': [rule('range', 'ValidationError', `${AS}, RefreshPreferences MinHealthyPercentage [model]`, intIn(0, 100))],
    'instanceRefresh.preferences.maxHealthyPercentage': [rule('range', 'ValidationError', `${AS}, RefreshPreferences MaxHealthyPercentage [model]`, (v, { parent }) =>
      intIn(100, 200)(v) ?? (v - Number(parent.minHealthyPercentage ?? 90) > 100 ? `The difference between MaxHealthyPercentage ${v} and MinHealthyPercentage ${parent.minHealthyPercentage ?? 90} cannot be greater than 100` : undefined))],
    'instanceRefresh.preferences.instanceWarmup': [rule('range', 'ValidationError', `${AS}, RefreshPreferences InstanceWarmup [model]`, (v) => intIn(0, 2_147_483_647)(Number(v)))],
    'instanceRefresh.preferences.skipMatching': noConstraint('a boolean (RefreshPreferences SkipMatching)'),
    'instanceRefresh.preferences.autoRollback': noConstraint('a boolean (RefreshPreferences AutoRollback)'),
    'instanceRefresh.triggers': noConstraint("the provider's own list of group fields whose change starts a refresh (launch template changes always do: TF group.go)"),
    // Lifecycle hooks (PutLifecycleHook, model): LifecycleTransition one of two, HeartbeatTimeout
    // 30-7200 seconds, DefaultResult CONTINUE | ABANDON, LifecycleHookName [A-Za-z0-9\-_\/]+ 1..255.
    'initialLifecycleHooks[].name': [rule('pattern', 'ValidationError', `${AS}, PutLifecycleHook LifecycleHookName [model]`, (v) =>
      /^[A-Za-z0-9\-_/]{1,255}$/.test(String(v)) ? undefined : `Lifecycle hook name '${String(v)}' must be 1 to 255 of A-Za-z0-9-_/`)],
    'initialLifecycleHooks[].lifecycleTransition': [rule('enum', 'ValidationError', `${AS}, PutLifecycleHook LifecycleTransition [model]`, oneOf(['autoscaling:EC2_INSTANCE_LAUNCHING', 'autoscaling:EC2_INSTANCE_TERMINATING']))],
    'initialLifecycleHooks[].heartbeatTimeout': [rule('range', 'ValidationError', `${AS}, PutLifecycleHook HeartbeatTimeout [model]`, intIn(30, 7200))],
    'initialLifecycleHooks[].defaultResult': [rule('enum', 'ValidationError', `${AS}, PutLifecycleHook DefaultResult [model]`, oneOf(['CONTINUE', 'ABANDON']))],
    // TerminationPolicies (model documentation, "Work with termination policies").
    terminationPolicies: [rule('enum', 'ValidationError', `${AS}, CreateAutoScalingGroup TerminationPolicies [model]`, (v) =>
      list(v).map((p) => oneOf(['Default', 'AllocationStrategy', 'OldestLaunchTemplate', 'OldestLaunchConfiguration', 'ClosestToNextInstanceHour', 'NewestInstance', 'OldestInstance'])(p)).find(Boolean))],
    // EnableMetricsCollection Granularity: only 1Minute (model).
    metricsGranularity: [rule('enum', 'ValidationError', `${AS}, EnableMetricsCollection Granularity [model]`, oneOf(['1Minute']))],
    enabledMetrics: noConstraint('group metric names (EnableMetricsCollection Metrics); an unknown one is ignored'),
    capacityRebalance: noConstraint('a boolean (CapacityRebalance)'),
    protectFromScaleIn: noConstraint('a boolean (NewInstancesProtectedFromScaleIn)'),
    waitForCapacityTimeout: noConstraint("the provider's own wait (a duration; \"0\" skips it), not sent to AWS"),
    minElbCapacity: noConstraint("the provider's own wait for healthy targets on create, not sent to AWS"),
    waitForElbCapacity: noConstraint("the provider's own wait for healthy targets, not sent to AWS"),
    forceDelete: noConstraint("the provider's own switch (ForceDelete on DeleteAutoScalingGroup)"),
    region: noConstraint("the provider's region for this resource (@pulumi/aws 7)"),
    'tags[].propagateAtLaunch': noConstraint('a boolean (Tag PropagateAtLaunch)'),
    'tags[].key': noConstraint('checked with the whole list under tags'),
    'tags[].value': noConstraint('checked with the whole list under tags'),
    tags: serviceTags(AS_TAGS_CITE, { count: 'ValidationError', text: 'ValidationError' }),
  },

  'aws:autoscaling/policy:Policy': {
    name: [rule('pattern', 'ValidationError', `${AS}, PutScalingPolicy PolicyName (XmlStringMaxLen255) [model]`, name255('Scaling policy name'))],
    autoscalingGroupName: [rule('pattern', 'ValidationError', `${AS}, PutScalingPolicy AutoScalingGroupName [model]`, name255('Auto Scaling group name'))],
    // PolicyType: SimpleScaling | StepScaling | TargetTrackingScaling | PredictiveScaling (model).
    policyType: [rule('enum', 'ValidationError', `${AS}, PutScalingPolicy PolicyType [model]`, oneOf(['SimpleScaling', 'StepScaling', 'TargetTrackingScaling', 'PredictiveScaling']))],
    // EstimatedInstanceWarmup: "Valid only if the policy type is TargetTrackingScaling or StepScaling" (model).
    estimatedInstanceWarmup: [rule('policy-type', 'ValidationError', `${AS}, PutScalingPolicy EstimatedInstanceWarmup [model]`, (v, { inputs }) =>
      intIn(0, 2_147_483_647)(v) ?? (['TargetTrackingScaling', 'StepScaling'].includes(String(inputs.policyType)) ? undefined : 'EstimatedInstanceWarmup is valid only for TargetTrackingScaling and StepScaling policies'))],
    enabled: noConstraint('a boolean (PutScalingPolicy Enabled)'),
    // TargetTrackingConfiguration (model): required with TargetTrackingScaling; PredefinedMetricType
    // one of four; ResourceLabel only (and required) with ALBRequestCountPerTarget.
    'targetTrackingConfiguration.predefinedMetricSpecification.predefinedMetricType': [rule('enum', 'ValidationError', `${AS}, PredefinedMetricSpecification PredefinedMetricType [model]`, (v, { parent }) =>
      oneOf(['ASGAverageCPUUtilization', 'ASGAverageNetworkIn', 'ASGAverageNetworkOut', 'ALBRequestCountPerTarget'])(v)
        ?? ((v === 'ALBRequestCountPerTarget') !== (parent.resourceLabel !== undefined) ? 'ResourceLabel is required with ALBRequestCountPerTarget and allowed with it only' : undefined))],
    'targetTrackingConfiguration.predefinedMetricSpecification.resourceLabel': noConstraint('checked with predefinedMetricType, which it goes with'),
    // TargetValue: a Double (model); "the target value for the metric": a CPU percentage in berth.
    // A target of 0 or less makes no policy (the console's and the guide's range for CPU is above 0
    // and at most 100); the code for it is not verified.
    'targetTrackingConfiguration.targetValue': [rule('range', 'ValidationError', `${AS}, TargetTrackingConfiguration TargetValue [model]; User Guide, Target tracking scaling policies`, (v, { parent }) =>
      parent.predefinedMetricSpecification?.predefinedMetricType === 'ASGAverageCPUUtilization' ? numberIn(Number.MIN_VALUE, 100)(v) : numberIn(Number.MIN_VALUE, Number.MAX_VALUE)(v))],
    'targetTrackingConfiguration.disableScaleIn': noConstraint('a boolean (TargetTrackingConfiguration DisableScaleIn)'),
    region: noConstraint("the provider's region for this resource (@pulumi/aws 7)"),
  },
};
