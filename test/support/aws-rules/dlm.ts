// The Data Lifecycle Manager rules: a single host's snapshot policy (infra/aws/dlm.ts). "API" is the
// Amazon Data Lifecycle Manager API Reference (CreateLifecyclePolicy, PolicyDetails, Schedule,
// CreateRule, RetainRule); "TF" is hashicorp/terraform-provider-aws
// internal/service/dlm/lifecycle_policy.go, whose schema validates some fields before the call.
// DLM answers a bad request with InvalidRequestException (the API's common errors for
// CreateLifecyclePolicy); the messages here say what the constraint is, not AWS's wording.
import { type FieldRules, chars, noConstraint, oneOf, rule, serviceTags } from './shared.js';

const API = 'Amazon Data Lifecycle Manager API Reference';
const TF = 'TF dlm/lifecycle_policy.go';
const BAD = 'InvalidRequestException';

export const DLM_RULES: Readonly<Record<string, Readonly<Record<string, FieldRules>>>> = {
  'aws:dlm/lifecyclePolicy:LifecyclePolicy': {
    // Description: letters, digits, spaces, _ and - (TF's ValidateFunc, citing the CLI reference),
    // at most 500 characters (API, LifecyclePolicy Description; TF's TODO notes the two sources).
    description: [rule('pattern', BAD, `${API}, CreateLifecyclePolicy Description; ${TF} description`, (v) =>
      /^[0-9A-Za-z _-]+$/.test(String(v)) && chars(String(v)) <= 500 ? undefined : `description '${String(v)}' must be 1 to 500 of letters, digits, spaces, _ and -`)],
    executionRoleArn: [rule('arn', BAD, `${API}, CreateLifecyclePolicy ExecutionRoleArn; ${TF} verify.ValidARN`, (v) =>
      /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(String(v)) ? undefined : `executionRoleArn '${String(v)}' must be an IAM role ARN`)],
    state: [rule('enum', BAD, `${API}, CreateLifecyclePolicy State (SettablePolicyStateValues); ${TF} state`, oneOf(['ENABLED', 'DISABLED']))],
    // PolicyType and ResourceTypes: the API's enums, as recalled (EBS_SNAPSHOT_MANAGEMENT |
    // IMAGE_MANAGEMENT | EVENT_BASED_POLICY; VOLUME | INSTANCE); not re-read in the model.
    'policyDetails.policyType': [rule('enum', BAD, `${API}, PolicyDetails PolicyType (as recalled)`, oneOf(['EBS_SNAPSHOT_MANAGEMENT', 'IMAGE_MANAGEMENT', 'EVENT_BASED_POLICY']))],
    'policyDetails.resourceTypes': [rule('enum', BAD, `${API}, PolicyDetails ResourceTypes (as recalled)`, (v) => {
      const types = Array.isArray(v) ? v : [v];
      return types.length === 1 && ['VOLUME', 'INSTANCE'].includes(String(types[0])) ? undefined : `resourceTypes ${JSON.stringify(v)} must be one of VOLUME | INSTANCE`;
    })],
    // TargetTags: a snapshot policy must target at least one tag (API, PolicyDetails TargetTags:
    // "required for snapshot and AMI policies"); EC2 tag text.
    'policyDetails.targetTags': [rule('required', BAD, `${API}, PolicyDetails TargetTags`, (v) =>
      v && typeof v === 'object' && Object.keys(v).length > 0 ? undefined : 'a snapshot policy must target at least one tag')],
    // Schedule Name: TF StringLenBetween(0, 500).
    'policyDetails.schedules[].name': [rule('length', 'ProviderValidation', `${TF} schedule.name StringLenBetween(0, 500)`, (v) =>
      chars(String(v)) <= 500 ? undefined : 'schedule name must be at most 500 characters')],
    // CreateRule Interval: 1, 2, 3, 4, 6, 8, 12 or 24 hours (TF IntInSlice; API, CreateRule Interval).
    'policyDetails.schedules[].createRule.interval': [rule('allowed', BAD, `${API}, CreateRule Interval; ${TF} create_rule.interval IntInSlice`, (v) =>
      [1, 2, 3, 4, 6, 8, 12, 24].includes(v) ? undefined : `interval ${JSON.stringify(v)} must be one of 1, 2, 3, 4, 6, 8, 12, 24 (hours)`)],
    'policyDetails.schedules[].createRule.intervalUnit': [rule('enum', BAD, `${API}, CreateRule IntervalUnit; ${TF} interval_unit`, oneOf(['HOURS']))],
    // RetainRule: "The maximum is 100 years. This is equivalent to 1200 months, 5200 weeks, or
    // 36500 days" (API, RetainRule Interval); at least 1 without an archive rule; Count up to 1000.
    'policyDetails.schedules[].retainRule.interval': [rule('range', BAD, `${API}, RetainRule Interval`, (v, { parent }) => {
      const max: Record<string, number> = { DAYS: 36500, WEEKS: 5200, MONTHS: 1200, YEARS: 100 };
      const unit = String(parent.retainRule?.intervalUnit ?? 'DAYS');
      return Number.isInteger(v) && v >= 1 && v <= (max[unit] ?? 0) ? undefined : `retention ${JSON.stringify(v)} ${unit} must be from 1 to ${max[unit]} (100 years)`;
    })],
    'policyDetails.schedules[].retainRule.intervalUnit': [rule('enum', BAD, `${API}, RetainRule IntervalUnit; ${TF} retain_rule interval_unit`, oneOf(['DAYS', 'WEEKS', 'MONTHS', 'YEARS']))],
    'policyDetails.schedules[].retainRule.count': [rule('range', BAD, `${API}, RetainRule Count ("up to a maximum of 1000")`, (v) =>
      Number.isInteger(v) && v >= 1 && v <= 1000 ? undefined : `count ${JSON.stringify(v)} must be from 1 to 1000`)],
    'policyDetails.schedules[].copyTags': noConstraint('a boolean (Schedule CopyTags)'),
    region: noConstraint("the provider's region for this resource (@pulumi/aws 7)"),
    // Tags (CreateLifecyclePolicy Tags: up to 50? not re-read; keys 1..128, values 0..256, aws: reserved).
    tags: serviceTags(`${API}, CreateLifecyclePolicy Tags (limits as for EC2 tags, not re-read)`, { count: BAD, text: BAD }),
  },
};
