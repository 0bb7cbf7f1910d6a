// The IAM rules: the instance role, its inline policy and managed-policy attachment, its profile.
import { type FieldRules, type Rule, chars, iamTags, intIn, isRecord, lengthIn, list, matches, parsed, rule } from './shared.js';

// IAM names: roleNameType [\w+=,.@-]+ 1..64, policyNameType and instanceProfileNameType the same
// set 1..128, pathType (\u002F)|(\u002F[\u0021-\u007E]+\u002F) 1..512 (IAM model).
export const IAM_NAME = /^[\w+=,.@-]+$/;
export const roleName = (cite: string): Rule[] => [rule('pattern', 'ValidationError', cite, (v) => matches(IAM_NAME, '[\\w+=,.@-]+')(v) ?? lengthIn(1, 64)(v))];
export const iamPath = (cite: string): Rule[] => [rule('pattern', 'ValidationError', cite, (v) => matches(/^(\/|\/[\u0021-\u007E]+\/)$/, '/ or /…/ of printable ASCII')(v) ?? lengthIn(1, 512)(v))];
/** IAM policyDocumentType: [\u0009\u000A\u000D\u0020-\u00FF]+, 1..131072 characters (IAM model). */
export const POLICY_TEXT = /^[\t\n\r\u0020-\u00FF]+$/;

/** An AWS managed or customer managed policy ARN (arnType is 20..2048 in the IAM model). */
export const MANAGED_POLICY_ARN = /^arn:aws(-cn|-us-gov)?:iam::(aws|\d{12}):policy\/([\u0021-\u007E]+\/)?[\w+=,.@-]+$/;

export const statementsOf = (doc: any): any[] => list(doc?.Statement);
/** IAM's size quotas do not count white space (IAM User Guide, IAM and AWS STS quotas). */
export const policySize = (text: string) => text.replace(/\s/g, '').length;

/** What IAM answers a policy document's grammar with (MalformedPolicyDocument), for either kind. */
export function policyGrammar(text: string, kind: 'identity' | 'trust'): string | undefined {
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch {
    return 'Syntax errors in policy.';
  }
  // Version: 2012-10-17 or the older 2008-10-17 (IAM JSON policy elements: Version); anything else
  // fails to parse ("The policy failed legacy parsing", recalled wording).
  if (doc.Version !== undefined && !['2012-10-17', '2008-10-17'].includes(doc.Version)) return 'The policy failed legacy parsing';
  if (statementsOf(doc).length === 0) return 'Syntax errors in policy.';
  for (const s of statementsOf(doc)) {
    if (!isRecord(s)) return 'Syntax errors in policy.';
    // Effect is required and case sensitive: Allow or Deny (IAM JSON policy elements: Effect).
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') return `Invalid effect: ${String(s.Effect)}`;
    // "Policy statement must contain actions." / "… resources." are IAM's words (hashicorp/terraform#17987).
    if (s.Action === undefined && s.NotAction === undefined) return 'Policy statement must contain actions.';
    if (kind === 'identity') {
      if (s.Resource === undefined && s.NotResource === undefined) return 'Policy statement must contain resources.';
      // An identity policy names no principal: it is the role's (IAM JSON policy elements: Principal).
      if (s.Principal !== undefined || s.NotPrincipal !== undefined) return 'Policy document should not specify a principal.';
    } else {
      // A trust policy needs the principal and has no Resource (IAM Access Analyzer policy checks,
      // MISSING_RESOURCE: "all policies except trust policies"); IAM's words are recalled.
      if (s.Principal === undefined && s.NotPrincipal === undefined) return 'Missing required field Principal';
      if (s.Resource !== undefined || s.NotResource !== undefined) return 'Has prohibited field Resource';
      if (list(s.Action).some((a) => !/^sts:(AssumeRole|AssumeRoleWithWebIdentity|AssumeRoleWithSAML|TagSession|SetSourceIdentity|SetContext)$/.test(String(a)))) {
        return 'AssumeRole policy may only specify STS AssumeRole actions.';
      }
    }
  }
  return undefined;
}

// berth's own policy, not AWS's: AWS accepts both versions and an administrator statement; berth
// writes 2012-10-17 (the version with policy variables) and grants nothing on everything. The code
// BerthPolicy says so, so no one mistakes these for AWS's answers.
export const BERTH_POLICY_CITE = "berth's policy (issue 12): IAM JSON policy elements: Version recommends 2012-10-17; least privilege";
export const berthVersion: Rule = rule('version', 'BerthPolicy', BERTH_POLICY_CITE, (text) => {
    const doc = parsed(text);
    return doc && doc.Version !== '2012-10-17' ? `Version must be "2012-10-17"; got ${JSON.stringify(doc.Version)}` : undefined;
  });
export const berthNoAdmin: Rule = rule('no-admin', 'BerthPolicy', BERTH_POLICY_CITE, (text) => {
    const admin = statementsOf(parsed(text)).find((s) => s?.Effect === 'Allow' && list(s.Action).some((a) => a === '*' || a === '*:*') && list(s.Resource).includes('*'));
    return admin ? 'a statement allows Action * on Resource *' : undefined;
  });

export const IAM_RULES: Readonly<Record<string, Readonly<Record<string, FieldRules>>>> = {
  'aws:iam/role:Role': {
    name: roleName('IAM API Reference, CreateRole RoleName [model]'),
    path: iamPath('IAM API Reference, CreateRole Path [model]'),
    // roleDescriptionType: at most 1000 of [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF] (model).
    description: [rule('pattern', 'ValidationError', 'IAM API Reference, CreateRole Description [model]', (v) =>
      matches(/^[\t\n\r\u0020-\u007E\u00A1-\u00FF]*$/, 'printable Latin-1')(v) ?? lengthIn(0, 1000)(v))],
    assumeRolePolicy: [
      rule('characters', 'ValidationError', 'IAM API Reference, CreateRole AssumeRolePolicyDocument [model]', (v) =>
        matches(POLICY_TEXT, 'tab, newline, carriage return and U+0020..U+00FF')(v) ?? lengthIn(1, 131072)(v)),
      rule('grammar', 'MalformedPolicyDocument', 'IAM User Guide, IAM JSON policy element reference (Version, Statement, Effect, Action, Principal)', (v) => policyGrammar(String(v), 'trust')),
      // Role trust policy length: 2,048 characters by default, white space not counted (IAM User
      // Guide, IAM and AWS STS quotas). IAM's words (recalled): "Cannot exceed quota for ACLSizePerRole".
      rule('size', 'LimitExceeded', 'IAM User Guide, IAM and AWS STS quotas: Role trust policy length (2048)', (v) =>
        policySize(String(v)) > 2048 ? `Cannot exceed quota for ACLSizePerRole: 2048 (this one is ${policySize(String(v))})` : undefined),
      berthVersion,
    ],
    // A managed policy ARN, arnType 20..2048 (model). The roles work may set it; its answer for a
    // malformed ARN (InvalidInput) is not verified.
    permissionsBoundary: [rule('arn', 'InvalidInput', 'IAM API Reference, CreateRole PermissionsBoundary (arnType) [model]', (v) =>
      MANAGED_POLICY_ARN.test(String(v)) && chars(v) >= 20 && chars(v) <= 2048 ? undefined : `ARN ${String(v)} is not a managed policy ARN`)],
    maxSessionDuration: [rule('range', 'ValidationError', 'IAM API Reference, CreateRole MaxSessionDuration [model]', intIn(3600, 43200))],
    tags: iamTags,
  },

  'aws:iam/rolePolicy:RolePolicy': {
    role: roleName('IAM API Reference, PutRolePolicy RoleName [model]'),
    name: [rule('pattern', 'ValidationError', 'IAM API Reference, PutRolePolicy PolicyName [model]', (v) => matches(IAM_NAME, '[\\w+=,.@-]+')(v) ?? lengthIn(1, 128)(v))],
    policy: [
      rule('characters', 'ValidationError', 'IAM API Reference, PutRolePolicy PolicyDocument [model]', (v) =>
        matches(POLICY_TEXT, 'tab, newline, carriage return and U+0020..U+00FF')(v) ?? lengthIn(1, 131072)(v)),
      rule('grammar', 'MalformedPolicyDocument', 'IAM User Guide, IAM JSON policy element reference (Version, Statement, Effect, Action, Resource, Principal)', (v) => policyGrammar(String(v), 'identity')),
      // Role inline policies: 10,240 characters in all, white space not counted (IAM and AWS STS
      // quotas); IAM's words are "Maximum policy size of 10240 bytes exceeded" (seen in
      // alienplatform/alien's PutRolePolicy proof). berth's role has one inline policy.
      rule('size', 'LimitExceeded', 'IAM User Guide, IAM and AWS STS quotas: role inline policy size (10,240)', (v, { inputs }) =>
        policySize(String(v)) > 10240 ? `Maximum policy size of 10240 bytes exceeded for role ${inputs.role}` : undefined),
      berthVersion,
      berthNoAdmin,
    ],
  },

  'aws:iam/rolePolicyAttachment:RolePolicyAttachment': {
    role: roleName('IAM API Reference, AttachRolePolicy RoleName [model]'),
    policyArn: [rule('arn', 'ValidationError', 'IAM API Reference, AttachRolePolicy PolicyArn (arnType 20..2048) [model]', (v) =>
      MANAGED_POLICY_ARN.test(String(v)) && chars(v) >= 20 && chars(v) <= 2048 ? undefined : `ARN ${String(v)} is not a managed policy ARN`)],
  },

  'aws:iam/instanceProfile:InstanceProfile': {
    name: [rule('pattern', 'ValidationError', 'IAM API Reference, CreateInstanceProfile InstanceProfileName [model]', (v) => matches(IAM_NAME, '[\\w+=,.@-]+')(v) ?? lengthIn(1, 128)(v))],
    path: iamPath('IAM API Reference, CreateInstanceProfile Path [model]'),
    role: roleName('IAM API Reference, AddRoleToInstanceProfile RoleName [model]'),
    tags: iamTags,
  },
};
