// The Systems Manager rules: Parameter Store parameters, the deploy document, its associations.
import { ACCOUNT, REGION } from '../aws-account.js';
import { type AwsWorld, type FieldRules, type Rule, isRecord, lengthIn, list, matches, noConstraint, oneOf, parsed, rule, ssmTags } from './shared.js';

export interface DocumentFacts {
  readonly parameters: Record<string, { type?: string; allowedPattern?: string; default?: unknown }>;
  readonly bytes: number;
}

/** A document's declared parameters and content size, as SSM reads them from its content. */
export function documentFacts(content: string): DocumentFacts {
  const doc = parsed(content) as { parameters?: DocumentFacts['parameters'] } | undefined;
  return { parameters: doc?.parameters ?? {}, bytes: Buffer.byteLength(content) };
}

const DOCUMENT = 'aws:ssm/document:Document';
const documentOf = (world: AwsWorld, name: string) => {
  const found = world.resource(DOCUMENT, name);
  return found && { facts: documentFacts(String(found.inputs.content)), latestVersion: Number(found.state.latestVersion ?? 1) };
};

// PutParameter Name (model documentation): a-zA-Z0-9_.- and / between levels, no spaces, not
// prefixed with aws or ssm (case-insensitive), at most fifteen levels, and at most 1011 characters
// counting the ARN before it (arn:aws:ssm:<region>:<account>:parameter/).
const PARAM_CITE = 'Systems Manager API Reference, PutParameter';
const parameterName: Rule[] = [
  rule('pattern', 'ParameterPatternMismatchException', `${PARAM_CITE} Name`, (v) =>
    /^\/?[a-zA-Z0-9_.-]+(\/[a-zA-Z0-9_.-]+)*$/.test(String(v)) ? undefined : `parameter name ${String(v)} is not valid: only a-zA-Z0-9_.- and / between levels`),
  rule('reserved-prefix', 'ValidationException', `${PARAM_CITE} Name`, (v) =>
    /^\/?(aws|ssm)/i.test(String(v)) ? `parameter name ${String(v)} may not begin with aws or ssm` : undefined),
  rule('levels', 'HierarchyLevelLimitExceededException', `${PARAM_CITE} Name; HierarchyLevelLimitExceededException`, (v) =>
    String(v).replace(/^\//, '').split('/').length > 15 ? `parameter name ${String(v)} has more than 15 levels` : undefined),
  rule('length', 'ValidationException', `${PARAM_CITE} Name`, (v) => {
    const withArn = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/`.length + String(v).replace(/^\//, '').length;
    return withArn > 1011 ? `parameter name ${String(v).slice(0, 40)}…: ${withArn} characters with its ARN; at most 1011` : undefined;
  }),
];

export const SSM_RULES: Readonly<Record<string, Readonly<Record<string, FieldRules>>>> = {
  'aws:ssm/parameter:Parameter': {
    name: parameterName,
    type: [rule('enum', 'ValidationException', `${PARAM_CITE} Type [model]`, oneOf(['String', 'StringList', 'SecureString']))],
    // Value: "Standard parameters have a value limit of 4 KB. Advanced parameters have a value limit
    // of 8 KB." and no {{…}} in it (model). Never echoed: it may be a secret.
    value: [
      rule('not-empty', 'ValidationException', `${PARAM_CITE} Value [model]`, (v) => (String(v).length === 0 ? 'the value must not be empty' : undefined)),
      rule('size', 'ValidationException', `${PARAM_CITE} Value, Tier [model]`, (v, { inputs }) => {
        const limit = inputs.tier === 'Advanced' || inputs.tier === 'Intelligent-Tiering' ? 8192 : 4096;
        const bytes = Buffer.byteLength(String(v));
        return bytes > limit ? `the value is ${bytes} bytes, over the ${inputs.tier ?? 'Standard'} tier's ${limit}` : undefined;
      }),
      rule('no-references', 'ValidationException', `${PARAM_CITE} Value [model]`, (v) =>
        /\{\{.*\}\}/s.test(String(v)) ? "the value holds {{…}}, which Parameter Store refuses (parameters can't be referenced or nested)" : undefined),
    ],
    description: [rule('length', 'ValidationException', `${PARAM_CITE} Description (ParameterDescription 0..1024) [model]`, lengthIn(0, 1024))],
    tier: [rule('enum', 'ValidationException', `${PARAM_CITE} Tier [model]`, oneOf(['Standard', 'Advanced', 'Intelligent-Tiering']))],
    tags: ssmTags,
  },

  'aws:ssm/document:Document': {
    // DocumentName ^[a-zA-Z0-9_\-.]{3,128}$, and not prefixed aws, amazon, amzn, AWSEC2,
    // AWSConfigRemediation, AWSSupport (CreateDocument Name, model; TF document.go checks the set
    // and the length too). Pulumi names the document when berth does not.
    name: [
      rule('pattern', 'ValidationException', 'Systems Manager API Reference, CreateDocument Name [model]', matches(/^[a-zA-Z0-9_\-.]{3,128}$/, '^[a-zA-Z0-9_\\-.]{3,128}$')),
      rule('reserved-prefix', 'ValidationException', 'Systems Manager API Reference, CreateDocument Name [model]', (v) =>
        /^(aws|amazon|amzn)/i.test(String(v)) ? `document names may not begin with aws, amazon or amzn: ${String(v)}` : undefined),
    ],
    content: [
      // "The content of the document must not exceed 64KB" (CreateDocument Content, model).
      rule('size', 'MaxDocumentSizeExceeded', 'Systems Manager API Reference, CreateDocument Content [model]', (v) =>
        Buffer.byteLength(String(v)) > 64 * 1024 ? `The size limit of a document is 64 KB; this one is ${Buffer.byteLength(String(v))} bytes` : undefined),
      // Command documents use schema 1.2, 2.0 or 2.2, 2.x with mainSteps (Systems Manager User
      // Guide, Schemas, features, and examples; Data elements and parameters): parameters have a
      // type of String, StringList, Boolean, Integer, MapList or StringMap; each step an action
      // and a unique name.
      rule('schema', 'InvalidDocumentContent', 'Systems Manager User Guide, SSM document schemas (2.2) and data elements', (v, { inputs }) => {
        // JSON (the default) is read here; YAML and TEXT content is not modelled.
        if (inputs.documentFormat !== undefined && inputs.documentFormat !== 'JSON') return undefined;
        const doc = parsed(String(v));
        if (!isRecord(doc)) return 'The content for the document is not valid JSON';
        if (inputs.documentType === 'Command' && !['1.2', '2.0', '2.2'].includes(doc.schemaVersion)) return `schemaVersion ${JSON.stringify(doc.schemaVersion)} is not a Command schema (1.2, 2.0, 2.2)`;
        if (String(doc.schemaVersion).startsWith('2.') && (!Array.isArray(doc.mainSteps) || doc.mainSteps.length === 0)) return 'a schema 2.x document needs mainSteps';
        const names = list(doc.mainSteps).map((s: any) => s?.name);
        if (list(doc.mainSteps).some((s: any) => typeof s?.action !== 'string' || typeof s?.name !== 'string')) return 'every step needs an action and a name';
        if (new Set(names).size !== names.length) return 'step names must be unique';
        for (const [name, p] of Object.entries((doc.parameters ?? {}) as Record<string, any>)) {
          if (!['String', 'StringList', 'Boolean', 'Integer', 'MapList', 'StringMap'].includes(p?.type)) return `parameter ${name} has no valid type`;
          if (p.allowedPattern !== undefined) {
            try {
              new RegExp(p.allowedPattern);
            } catch {
              return `parameter ${name}'s allowedPattern is not a regular expression`;
            }
          }
        }
        return undefined;
      }),
    ],
    documentType: [rule('enum', 'ValidationException', 'Systems Manager API Reference, CreateDocument DocumentType [model]', oneOf(['Command', 'Policy', 'Automation', 'Session', 'Package', 'ApplicationConfiguration', 'ApplicationConfigurationSchema', 'DeploymentStrategy', 'ChangeCalendar', 'Automation.ChangeTemplate', 'ProblemAnalysis', 'ProblemAnalysisTemplate', 'CloudFormation', 'ConformancePackTemplate', 'QuickSetup', 'ManualApprovalPolicy', 'AutoApprovalPolicy']))],
    documentFormat: [rule('enum', 'ValidationException', 'Systems Manager API Reference, CreateDocument DocumentFormat [model]', oneOf(['YAML', 'JSON', 'TEXT']))],
    tags: ssmTags,
  },

  'aws:ssm/association:Association': {
    // Name: ^[a-zA-Z0-9_\-.:/]{3,128}$ (DocumentARN, model), of a document that exists (InvalidDocument).
    name: [
      rule('pattern', 'ValidationException', 'Systems Manager API Reference, CreateAssociation Name (DocumentARN) [model]', matches(/^[a-zA-Z0-9_\-.:/]{3,128}$/, '^[a-zA-Z0-9_\\-.:/]{3,128}$')),
      rule('exists', 'InvalidDocument', 'Systems Manager API Reference, CreateAssociation Name; InvalidDocument ("The specified SSM document doesn\'t exist") [model]', (v, { world }) =>
        documentOf(world, String(v)) ? undefined : `document ${String(v)} does not exist`),
    ],
    // Rate control (CreateAssociation MaxConcurrency / MaxErrors, model: 1-7 characters,
    // ^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$ and ^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$; the
    // patterns are the ones TF validates too, internal/service/ssm/association.go; recalled from the
    // model, not re-read for issue 14).
    maxConcurrency: [rule('pattern', 'ValidationException', 'Systems Manager API Reference, CreateAssociation MaxConcurrency [model]', matches(/^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/, 'a number of targets (1 or more) or a percentage (1% to 100%)'))],
    maxErrors: [rule('pattern', 'ValidationException', 'Systems Manager API Reference, CreateAssociation MaxErrors [model]', matches(/^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$/, 'a number of errors (0 or more) or a percentage (0% to 100%)'))],
    associationName: [rule('pattern', 'ValidationException', 'Systems Manager API Reference, CreateAssociation AssociationName [model]', matches(/^[a-zA-Z0-9_\-.]{3,128}$/, '^[a-zA-Z0-9_\\-.]{3,128}$'))],
    // DocumentVersion ([$]LATEST|[$]DEFAULT|^[1-9][0-9]*$) (model), and a version the document has.
    documentVersion: [rule('exists', 'InvalidDocumentVersion', 'Systems Manager API Reference, CreateAssociation DocumentVersion [model]', (v, { inputs, world }) => {
      if (!/^(\$LATEST|\$DEFAULT|[1-9][0-9]*)$/.test(String(v))) return `DocumentVersion ${String(v)} must be $LATEST, $DEFAULT or a version number`;
      const doc = documentOf(world, String(inputs.name));
      return doc && /^\d+$/.test(String(v)) && Number(v) > doc.latestVersion ? `document ${inputs.name} has no version ${String(v)}` : undefined;
    })],
    // Targets: at most 5; a key of [\p{L}\p{Z}\p{N}_.:/=\-@]* up to 163; at most 50 values (model).
    // InstanceIds takes instance ids (or * for all).
    targets: [rule('shape', 'InvalidTarget', 'Systems Manager API Reference, CreateAssociation Targets, Target [model]', (v) => {
      if (list(v).length > 5) return `${list(v).length} targets; at most 5`;
      for (const t of list(v) as any[]) {
        if (!/^[\p{L}\p{Z}\p{N}_.:/=\-@]{1,163}$/u.test(String(t?.key))) return `target key ${JSON.stringify(t?.key)} is not valid`;
        if (list(t.values).length > 50) return `target ${t.key} has ${list(t.values).length} values; at most 50`;
        if (t.key === 'InstanceIds' && list(t.values).some((id) => id !== '*' && !/^(i-(\w{8}|\w{17})|mi-\w{17})$/.test(String(id)))) return 'InstanceIds takes instance ids';
      }
      return undefined;
    })],
    // Parameters must be the document's, match each one's allowedPattern and cover its required
    // ones (InvalidParameters); "The content of the document must not exceed 64KB. This quota also
    // includes the content specified for input parameters at runtime" (CreateDocument Content, model).
    parameters: [
      rule('declared', 'InvalidParameters', 'Systems Manager API Reference, CreateAssociation Parameters; InvalidParameters [model]', (v, { inputs, world }) => {
        const doc = documentOf(world, String(inputs.name));
        if (!doc) return undefined; // the name rule answers for a missing document
        for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
          const declared = doc.facts.parameters[key];
          if (!declared) return `${key} is not a parameter of ${inputs.name}`;
          for (const one of list(value).map(String)) {
            if (declared.allowedPattern && !new RegExp(declared.allowedPattern).test(one)) return `${key} does not match ${declared.allowedPattern}`;
          }
        }
        const missing = Object.entries(doc.facts.parameters).find(([key, p]) => p.default === undefined && !(key in (v as object)));
        return missing ? `${missing[0]} is required by ${inputs.name}` : undefined;
      }),
      rule('size', 'InvalidParameters', 'Systems Manager API Reference, CreateDocument Content (64 KB with parameters) [model]', (v, { inputs, world }) => {
        const doc = documentOf(world, String(inputs.name));
        const bytes = (doc?.facts.bytes ?? 0) + Object.values(v as Record<string, unknown>).reduce<number>((n, x) => n + Buffer.byteLength(list(x).join('')), 0);
        return bytes > 64 * 1024 ? `the document with its parameter values is ${bytes} bytes, over 64 KB` : undefined;
      }),
    ],
    applyOnlyAtCronInterval: noConstraint('a boolean; it only delays the first run of a scheduled association (CreateAssociation ApplyOnlyAtCronInterval), and berth sets no schedule'),
    complianceSeverity: [rule('enum', 'ValidationException', 'Systems Manager API Reference, CreateAssociation ComplianceSeverity [model]', oneOf(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNSPECIFIED']))],
    scheduleExpression: [rule('length', 'ValidationException', 'Systems Manager API Reference, CreateAssociation ScheduleExpression (1..256) [model]', lengthIn(1, 256))],
    tags: ssmTags,
  },
};
