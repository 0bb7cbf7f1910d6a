// The vocabulary of the AWS rules (test/support/aws-rules.ts): what a rule is, the checks many rules
// share, and the tag rules of each service. See aws-rules.ts for the sources and how they are read.
import { type Account, DEFAULT_ACCOUNT } from '../aws-account.js';

/** What the account holds, as the mocks answered it: a rule that needs another resource looks here. */
export interface AwsWorld {
  resource(type: string, id: string): { readonly inputs: Record<string, any>; readonly state: Record<string, any> } | undefined;
  /** What the account offers: images and instance types (aws-account.ts). */
  readonly account: Account;
}
export const EMPTY_WORLD: AwsWorld = { resource: () => undefined, account: DEFAULT_ACCOUNT };

export interface RuleContext {
  /** All of the resource's inputs (plain: secrets unwrapped). */
  readonly inputs: Record<string, any>;
  /** The object holding the field: the inputs, or the list element a `name[]` path goes through. */
  readonly parent: Record<string, any>;
  readonly world: AwsWorld;
}

export interface Rule {
  /** Short name of what it checks, unique within its field. */
  readonly name: string;
  /** The error code the API answers with. */
  readonly code: string;
  /** Where the constraint is stated. */
  readonly cite: string;
  /** The answer's text for a bad value, or undefined. Called only for a value that is present. */
  readonly check: (value: any, ctx: RuleContext) => string | undefined;
}
export interface NoConstraint {
  readonly noConstraint: string;
}
export type FieldRules = readonly Rule[] | NoConstraint;

export const noConstraint = (why: string): NoConstraint => ({ noConstraint: why });
export const rule = (name: string, code: string, cite: string, check: Rule['check']): Rule => ({ name, code, cite, check });

export const chars = (s: string) => [...s].length;
export const isRecord = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const oneOf = (allowed: readonly string[]) => (v: unknown) => (allowed.includes(String(v)) ? undefined : `Value '${String(v)}' is not one of ${allowed.join(' | ')}`);
export const intIn = (min: number, max: number) => (v: unknown) =>
  Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? undefined : `Value ${JSON.stringify(v)} must be a whole number from ${min} to ${max}`;
export const matches = (pattern: RegExp, what: string) => (v: unknown) => (typeof v === 'string' && pattern.test(v) ? undefined : `Value '${String(v)}' must match ${what}`);
export const lengthIn = (min: number, max: number) => (v: unknown) =>
  typeof v === 'string' && chars(v) >= min && chars(v) <= max ? undefined : `must be ${min} to ${max} characters long; got ${typeof v === 'string' ? chars(v) : typeof v}`;
export const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
export const parsed = (text: string): any => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

// EC2 tags. Tag your Amazon EC2 resources, "Tag restrictions" (awsdocs/amazon-ec2-user-guide,
// doc_source/Using_Tags.md): at most 50 tags, keys up to 128 and values up to 256 Unicode
// characters, and the aws: prefix reserved; CreateTags (model) repeats the 50. The codes
// TagLimitExceeded and InvalidTagKey.Malformed are from EC2's error-code list as recalled; a too
// long key or value is answered InvalidParameterValue (not verified).
export const EC2_TAGS_CITE = 'EC2 User Guide, Tag your Amazon EC2 resources: Tag restrictions; EC2 API Reference, CreateTags';
export const ec2Tags: Rule[] = [
  rule('count', 'TagLimitExceeded', EC2_TAGS_CITE, (tags) => (Object.keys(tags).length > 50 ? `${Object.keys(tags).length} tags; a resource can have at most 50` : undefined)),
  rule('reserved-prefix', 'InvalidTagKey.Malformed', EC2_TAGS_CITE, (tags) =>
    Object.keys(tags).find((k) => /^aws:/i.test(k)) ? `tag keys may not begin with aws: (${Object.keys(tags).find((k) => /^aws:/i.test(k))})` : undefined),
  rule('length', 'InvalidParameterValue', EC2_TAGS_CITE, (tags) => {
    for (const [k, v] of Object.entries(tags as Record<string, string>)) {
      if (chars(k) < 1 || chars(k) > 128) return `tag key ${JSON.stringify(k)} must be 1 to 128 characters`;
      if (chars(String(v)) > 256) return `the value of tag ${k} is ${chars(String(v))} characters; at most 256`;
    }
    return undefined;
  }),
];

// IAM tags: tagKeyType [\p{L}\p{Z}\p{N}_.:/=+\-@]+ of 1..128, tagValueType the same set, 0..256,
// tagListType at most 50 (IAM model, e.g. CreateRole Tags); Tagging IAM resources reserves aws:.
// Model constraints are answered ValidationError by IAM's query protocol.
export const IAM_TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const IAM_TAGS_CITE = 'IAM API Reference, CreateRole/CreateInstanceProfile Tags, Tag (tagKeyType, tagValueType, tagListType max 50) [model]';
export const iamTags: Rule[] = [
  rule('count', 'ValidationError', IAM_TAGS_CITE, (tags) => (Object.keys(tags).length > 50 ? `${Object.keys(tags).length} tags; at most 50` : undefined)),
  rule('text', 'ValidationError', IAM_TAGS_CITE, (tags) => {
    for (const [k, v] of Object.entries(tags as Record<string, string>)) {
      if (chars(k) < 1 || chars(k) > 128 || !IAM_TAG_TEXT.test(k)) return `tag key ${JSON.stringify(k)} must be 1 to 128 of letters, digits, spaces and _.:/=+-@`;
      if (chars(String(v)) > 256 || !IAM_TAG_TEXT.test(String(v))) return `the value of tag ${k} must be up to 256 of letters, digits, spaces and _.:/=+-@`;
      if (/^aws:/i.test(k)) return `tag keys may not begin with aws: (${k})`;
    }
    return undefined;
  }),
];

// SSM tags: TagKey ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$ 1..128, TagValue the same set 0..256 (SSM model);
// AddTagsToResource: "Most resources can have a maximum of 50 tags". Model constraints are answered
// ValidationException; the code for a 51st tag is TooManyTagsError per AddTagsToResource's errors.
export const SSM_TAGS_CITE = 'Systems Manager API Reference, Tag (TagKey, TagValue) and AddTagsToResource (50 tags) [model]';
export const ssmTags: Rule[] = [
  rule('count', 'TooManyTagsError', SSM_TAGS_CITE, (tags) => (Object.keys(tags).length > 50 ? `${Object.keys(tags).length} tags; at most 50` : undefined)),
  rule('text', 'ValidationException', SSM_TAGS_CITE, (tags) => {
    for (const [k, v] of Object.entries(tags as Record<string, string>)) {
      if (chars(k) < 1 || chars(k) > 128 || !IAM_TAG_TEXT.test(k)) return `tag key ${JSON.stringify(k)} must be 1 to 128 of letters, digits, spaces and _.:/=+-@`;
      if (chars(String(v)) > 256 || !IAM_TAG_TEXT.test(String(v))) return `the value of tag ${k} must be up to 256 of letters, digits, spaces and _.:/=+-@`;
    }
    return undefined;
  }),
];

/**
 * The tag rules most services share (the Tag shapes of the ELBv2, Auto Scaling, RDS, ACM and
 * CloudWatch Logs models): at most 50 tags, keys 1..128 and values 0..256 of
 * [\p{L}\p{Z}\p{N}_.:/=+\-@], and reserved key prefixes (aws: everywhere; RDS also rds:). Each
 * service answers with its own codes, given per service.
 */
export function serviceTags(cite: string, codes: { readonly count: string; readonly text: string }, reserved: RegExp = /^aws:/i): Rule[] {
  const entries = (tags: unknown): [string, string][] =>
    Array.isArray(tags)
      ? tags.map((t: any): [string, string] => [String(t?.key), String(t?.value ?? '')])
      : Object.entries((tags ?? {}) as Record<string, unknown>).map(([k, v]): [string, string] => [k, String(v)]);
  return [
    rule('count', codes.count, cite, (tags) => (entries(tags).length > 50 ? `${entries(tags).length} tags; at most 50` : undefined)),
    rule('text', codes.text, cite, (tags) => {
      for (const [k, v] of entries(tags)) {
        if (chars(k) < 1 || chars(k) > 128 || !IAM_TAG_TEXT.test(k)) return `tag key ${JSON.stringify(k)} must be 1 to 128 of letters, digits, spaces and _.:/=+-@`;
        if (chars(v) > 256 || !IAM_TAG_TEXT.test(v)) return `the value of tag ${k} must be up to 256 of letters, digits, spaces and _.:/=+-@`;
        if (reserved.test(k)) return `tag key ${k} uses a reserved prefix`;
      }
      return undefined;
    }),
  ];
}

/** A number (not a string), optionally within bounds. */
export const numberIn = (min: number, max: number) => (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? undefined : `Value ${JSON.stringify(v)} must be a number from ${min} to ${max}`;
