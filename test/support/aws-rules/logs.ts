// The CloudWatch Logs rules: the fleet's log group. "model" is
// botocore/data/logs/2014-03-28/service-2.json; "TF" is hashicorp/terraform-provider-aws
// internal/service/logs (group.go, validate.go). CloudWatch Logs speaks JSON; a bad parameter is
// InvalidParameterException (a model fault).
import { type FieldRules, chars, noConstraint, oneOf, rule, serviceTags } from './shared.js';

const LOGS = 'Amazon CloudWatch Logs API Reference';

/** PutRetentionPolicy RetentionInDays (model documentation's list); TF adds 0 (never expire: no policy). */
export const LOG_RETENTION_DAYS: readonly number[] = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export const LOGS_RULES: Readonly<Record<string, Readonly<Record<string, FieldRules>>>> = {
  'aws:cloudwatch/logGroup:LogGroup': {
    // LogGroupName: 1..512 of [\.\-_/#A-Za-z0-9]+ (model); "Log group names can't start with the
    // string aws/" (CreateLogGroup, model documentation).
    name: [rule('pattern', 'InvalidParameterException', `${LOGS}, CreateLogGroup logGroupName [model]; TF logs/validate.go validLogGroupName`, (v) => {
      const s = String(v);
      if (chars(s) < 1 || chars(s) > 512 || !/^[.\-_/#A-Za-z0-9]+$/.test(s)) return `Log group name '${s}' must be 1 to 512 of a-zA-Z0-9 and ._-/#`;
      return /^aws\//.test(s) ? `Log group name '${s}' cannot start with aws/` : undefined;
    })],
    namePrefix: [rule('pattern', 'ProviderValidation', 'TF logs/validate.go validLogGroupNamePrefix (483 characters)', (v) =>
      /^[.\-_/#A-Za-z0-9]{1,483}$/.test(String(v)) && !/^aws\//.test(String(v)) ? undefined : `name_prefix '${String(v)}' must be 1 to 483 of a-zA-Z0-9 and ._-/#, not starting with aws/`)],
    retentionInDays: [rule('allowed', 'InvalidParameterException', `${LOGS}, PutRetentionPolicy retentionInDays [model]; TF logs/group.go IntInSlice`, (v) =>
      v === 0 || LOG_RETENTION_DAYS.includes(v) ? undefined : `Retention ${JSON.stringify(v)} days is not one of 0 (never expire), ${LOG_RETENTION_DAYS.join(', ')}`)],
    // LogGroupClass: STANDARD | INFREQUENT_ACCESS | DELIVERY (model).
    logGroupClass: [rule('enum', 'InvalidParameterException', `${LOGS}, CreateLogGroup logGroupClass [model]`, oneOf(['STANDARD', 'INFREQUENT_ACCESS', 'DELIVERY']))],
    kmsKeyId: [rule('arn', 'InvalidParameterException', `${LOGS}, CreateLogGroup kmsKeyId ("the Amazon Resource Name (ARN) of the KMS key") [model]`, (v) =>
      /^arn:aws:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/.test(String(v)) ? undefined : `kmsKeyId '${String(v)}' must be a KMS key ARN`)],
    skipDestroy: noConstraint("the provider's own switch (keep the group on delete)"),
    deletionProtectionEnabled: noConstraint('a boolean'),
    region: noConstraint("the provider's region for this resource (@pulumi/aws 7)"),
    // Tags (CreateLogGroup tags, model: 1..50 of TagKey ^([\p{L}\p{Z}\p{N}_.:/=+\-@]+)$ 1..128 and
    // TagValue ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$ 0..256; aws: reserved).
    tags: serviceTags(`${LOGS}, CreateLogGroup tags, TagKey, TagValue [model]`, { count: 'InvalidParameterException', text: 'InvalidParameterException' }),
  },
};
