// A small IAM policy evaluator for tests: does this identity policy allow this request? It follows
// the IAM User Guide's "Policy evaluation logic" for one identity-based policy: an explicit Deny
// wins, else an Allow is needed, else the request is implicitly denied. Action and Resource match
// with `*` and `?` (actions case-insensitively); the condition operators it knows are the ones
// berth's policies use, and it throws on any other rather than guess. A key missing from the
// request fails every operator except the negated ones and the `…IfExists` ones ("Condition
// operators": IfExists; a negated operator on an absent key matches).

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface Policy {
  readonly Statement: readonly PolicyStatement[];
}

export interface Request {
  readonly action: string;
  readonly resource: string;
  /** Condition keys of the request context (aws:RequestedRegion, iam:PassedToService, …). */
  readonly context?: Readonly<Record<string, string | undefined>>;
}

export type Decision = 'allow' | 'deny' | 'implicit-deny';

const list = <T>(v: T | readonly T[] | undefined): readonly T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v as T]);

/** IAM's wildcards: `*` any run of characters, `?` one. */
export function wildcard(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

const OPERATORS: Record<string, (expected: string, actual: string) => boolean> = {
  StringEquals: (e, a) => e === a,
  StringLike: (e, a) => wildcard(e, a),
  ArnEquals: (e, a) => e === a,
  ArnLike: (e, a) => wildcard(e, a),
};

function conditionHolds(operator: string, key: string, expected: readonly string[], context: Request['context']): boolean {
  const ifExists = operator.endsWith('IfExists');
  const base = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const negated = /^(String|Arn)Not/.test(base);
  const positive = negated ? base.replace('Not', '') : base;
  const test = OPERATORS[positive];
  if (!test) throw new Error(`iam-policy: condition operator ${operator} is not modelled`);
  const actual = Object.entries(context ?? {}).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
  if (actual === undefined) return ifExists || negated;
  const matches = expected.some((e) => test(e, actual));
  return negated ? !matches : matches;
}

function applies(s: PolicyStatement, request: Request): boolean {
  if (!list(s.Action).some((a) => wildcard(a, request.action, true))) return false;
  if (!list(s.Resource).some((r) => wildcard(r, request.resource))) return false;
  return Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) => conditionHolds(operator, key, list(values), request.context)),
  );
}

export function decide(policy: Policy, request: Request): Decision {
  const matching = policy.Statement.filter((s) => applies(s, request));
  if (matching.some((s) => s.Effect === 'Deny')) return 'deny';
  return matching.some((s) => s.Effect === 'Allow') ? 'allow' : 'implicit-deny';
}

/** Allowed by every policy (an identity policy and a permissions boundary: the intersection). */
export function allowedByAll(policies: readonly Policy[], request: Request): boolean {
  return policies.every((p) => decide(p, request) === 'allow');
}
