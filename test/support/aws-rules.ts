// What AWS (and the docker and command providers) refuse, for every resource type berth makes and
// every field it sets on one: one table, resource type → field → rules, each rule citing where the
// constraint is stated. The Pulumi mocks run every rule of a type on a resource's inputs when it is
// created or updated (`checkAwsRules`), and throw `mock: <ErrorCode>: <type> <field>: <what>` as
// the API would answer. A field AWS does not constrain is listed as `noConstraint('why')`, so a new
// field (test/infra/aws-rules.test.ts fails on any field without an entry) forces a decision.
//
// Sources. "model" means the AWS service model in boto/botocore (botocore/data/<service>/<version>/
// service-2.json, commit 0e6e240 of 2026-08-07), the source the AWS API Reference pages are
// generated from: its `pattern`, `min`, `max` and `enum` are what the API validates, and its
// documentation strings are those pages' text. "TF" means hashicorp/terraform-provider-aws, which
// @pulumi/aws 7 bridges: it checks some fields itself before calling AWS. Error codes are the
// models' error shapes; the wording of a message is quoted from AWS's answers where a public issue
// shows one (cited), and otherwise says what the constraint is. Where the code or wording could not
// be verified, the comment says so.
import { ACM_RULES } from './aws-rules/acm.js';
import { DLM_RULES } from './aws-rules/dlm.js';
import { AUTOSCALING_RULES } from './aws-rules/autoscaling.js';
import { EC2_RULES } from './aws-rules/ec2.js';
import { ELB_RULES } from './aws-rules/elb.js';
import { IAM_RULES } from './aws-rules/iam.js';
import { LOGS_RULES } from './aws-rules/logs.js';
import { RDS_DELETE_REFUSALS, RDS_RULES } from './aws-rules/rds.js';
import { ROUTE53_RULES } from './aws-rules/route53.js';
import { type AwsWorld, EMPTY_WORLD, type FieldRules, type Rule, isRecord, list } from './aws-rules/shared.js';
import { SSM_RULES } from './aws-rules/ssm.js';
import { TOOL_RULES } from './aws-rules/tools.js';

export { type AwsWorld, EMPTY_WORLD, type FieldRules, type NoConstraint, type Rule, type RuleContext, noConstraint } from './aws-rules/shared.js';
export { documentFacts } from './aws-rules/ssm.js';

/** The table. Keys are field paths: `a.b` descends into an object, `a[]` into each element of a list. */
export const AWS_RULES: Readonly<Record<string, Readonly<Record<string, FieldRules>>>> = {
  ...EC2_RULES, ...IAM_RULES, ...SSM_RULES, ...TOOL_RULES,
  // Fleet mode (issue 14).
  ...AUTOSCALING_RULES, ...ELB_RULES, ...RDS_RULES, ...ACM_RULES, ...ROUTE53_RULES, ...LOGS_RULES,
  // Backups (issue 15).
  ...DLM_RULES,
};

// --- applying the table ---------------------------------------------------------------------------

/** The SDK's stand-in for a value not known yet (preview); AWS validates it when it is known. */
const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';
const holdsUnknown = (v: unknown): boolean =>
  v === UNKNOWN || (Array.isArray(v) ? v.some(holdsUnknown) : isRecord(v) ? Object.values(v).some(holdsUnknown) : false);

interface Located {
  readonly path: string;
  readonly value: unknown;
  readonly parent: Record<string, any>;
}

/** The values at a field path, with the concrete path (list indexes filled in) and their holder. */
function locate(inputs: Record<string, any>, fieldPath: string): Located[] {
  let nodes: Located[] = [{ path: '', value: inputs, parent: inputs }];
  for (const part of fieldPath.split('.')) {
    const many = part.endsWith('[]');
    const key = many ? part.slice(0, -2) : part;
    nodes = nodes.flatMap((node) => {
      if (!isRecord(node.value) || node.value[key] === undefined) return [];
      const at = node.path ? `${node.path}.${key}` : key;
      const value = node.value[key];
      const parent = node.value as Record<string, any>;
      if (!many) return [{ path: at, value, parent }];
      return list(value).map((element, i) => ({ path: `${at}[${i}]`, value: element, parent }));
    });
  }
  return nodes;
}

export interface Violation {
  readonly code: string;
  /** The concrete field, e.g. ingress[0].description. */
  readonly field: string;
  readonly rule: string;
  readonly message: string;
}

/** Every rule of `type` that the inputs break. Throws for a type the table does not know. */
export function awsRuleViolations(type: string, inputs: Record<string, any>, world: AwsWorld = EMPTY_WORLD): Violation[] {
  const table = AWS_RULES[type];
  if (!table) throw new Error(`mock: no AWS rules for resource type ${type}; add them to test/support/aws-rules.ts`);
  const found: Violation[] = [];
  for (const [fieldPath, rules] of Object.entries(table)) {
    if (!Array.isArray(rules)) continue;
    for (const located of locate(inputs, fieldPath)) {
      if (holdsUnknown(located.value)) continue;
      for (const r of rules as readonly Rule[]) {
        let message: string | undefined;
        try {
          message = r.check(located.value, { inputs, parent: located.parent, world });
        } catch (error) {
          // A parser's refusal (release:wait's) is the answer; the mocks' own gaps stay errors.
          if ((error as Error).message.startsWith('mock:')) throw error;
          message = (error as Error).message;
        }
        if (message) found.push({ code: r.code, field: located.path, rule: r.name, message });
      }
    }
  }
  return found;
}

/**
 * Throws as the API would for the first rule the inputs break: `mock: <Code>: <type> <field>: <what>`.
 * The mocks call it on create and on update inputs (plain: secrets unwrapped).
 */
export function checkAwsRules(type: string, inputs: Record<string, any>, world: AwsWorld = EMPTY_WORLD): void {
  const [first] = awsRuleViolations(type, inputs, world);
  if (first) throw new Error(`mock: ${first.code}: ${type} ${first.field}: ${first.message}`);
}

/** Fields of the inputs that no entry of the table covers (an entry covers everything under it). */
export function uncoveredFields(type: string, inputs: Record<string, any>): string[] {
  const table = AWS_RULES[type] ?? {};
  const keys = Object.keys(table);
  const deeper = (p: string) => keys.some((k) => k.startsWith(`${p}.`) || k.startsWith(`${p}[]`));
  const walk = (value: unknown, p: string): string[] => {
    if (p && !deeper(p)) return p in table ? [] : [p];
    if (Array.isArray(value) && value.length > 0 && value.every(isRecord)) return value.flatMap((el) => walk(el, `${p}[]`));
    if (isRecord(value) && Object.keys(value).length > 0) return Object.entries(value).flatMap(([k, v]) => walk(v, p ? `${p}.${k}` : k));
    return p in table ? [] : [p];
  };
  return [...new Set(walk(inputs, ''))].sort();
}


/** What AWS answers when the provider deletes a resource in this state (its last inputs): a refusal, or undefined. */
export function deleteRefusal(type: string, inputs: Record<string, any>): string | undefined {
  return RDS_DELETE_REFUSALS[type]?.(inputs);
}
