// The ACM rules: the fleet's certificate (DNS validation) and the validation that waits for it.
// "model" is botocore/data/acm/2015-12-08/service-2.json; "TF" is hashicorp/terraform-provider-aws
// internal/service/acm (certificate.go, certificate_validation.go). ACM speaks JSON: a model
// constraint is answered ValidationException; its own faults keep their names.
import { type FieldRules, chars, list, noConstraint, oneOf, rule, serviceTags } from './shared.js';

const ACM = 'AWS Certificate Manager API Reference';

// DomainNameString (model): 1..253, ^(\*\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])$;
// TF refuses a trailing period before calling AWS ("cannot end with a period").
const DOMAIN = /^(\*\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])$/;
const domain = (v: unknown) => {
  const s = String(v);
  if (s.endsWith('.')) return `${JSON.stringify(s)} cannot end with a period`;
  return chars(s) >= 1 && chars(s) <= 253 && DOMAIN.test(s) ? undefined : `Value '${s}' at 'domainName' failed to satisfy constraint: Member must satisfy regular expression pattern`;
};

// ACM tags (Tag, model: key 1..128, value 0..256 of [\p{L}\p{Z}\p{N}_.:/=+\-@]*; "Tagging ACM
// certificates": 50 tags, aws: reserved): TooManyTagsException and InvalidTagException (model faults).
const ACM_TAGS = serviceTags(`${ACM}, Tag [model]; ACM User Guide, Tag restrictions`, { count: 'TooManyTagsException', text: 'InvalidTagException' });

export const ACM_RULES: Readonly<Record<string, Readonly<Record<string, FieldRules>>>> = {
  'aws:acm/certificate:Certificate': {
    domainName: [
      rule('pattern', 'ValidationException', `${ACM}, RequestCertificate DomainName (DomainNameString) [model]; TF acm/certificate.go`, domain),
      // "The first domain name you enter cannot exceed 64 octets, including periods" (RequestCertificate
      // DomainName, model documentation): it becomes the certificate's common name.
      rule('common-name', 'ValidationException', `${ACM}, RequestCertificate DomainName (64 octets) [model]`, (v) =>
        Buffer.byteLength(String(v)) <= 64 ? undefined : `The first domain name can be no longer than 64 characters; ${String(v)} is ${Buffer.byteLength(String(v))}`),
    ],
    // SubjectAlternativeNames: DomainList of 1..100 DomainNameString (model); TF StringLenBetween(1, 253), no trailing period.
    subjectAlternativeNames: [rule('names', 'ValidationException', `${ACM}, RequestCertificate SubjectAlternativeNames [model]; TF acm/certificate.go`, (v) =>
      list(v).length > 100 ? `${list(v).length} names; at most 100` : list(v).map(domain).find(Boolean))],
    // ValidationMethod: EMAIL | DNS | HTTP (model).
    validationMethod: [rule('enum', 'ValidationException', `${ACM}, RequestCertificate ValidationMethod [model]`, oneOf(['EMAIL', 'DNS', 'HTTP']))],
    // KeyAlgorithm: RequestCertificate takes RSA_2048, EC_prime256v1 and EC_secp384r1 ("Algorithms
    // (key types) supported for ACM certificates": RSA 2048 and ECDSA P-256/P-384 for requested
    // certificates; the larger RSA keys only for imported ones).
    keyAlgorithm: [rule('requestable', 'ValidationException', `${ACM}, RequestCertificate KeyAlgorithm [model]; ACM User Guide, Key algorithms`, oneOf(['RSA_2048', 'EC_prime256v1', 'EC_secp384r1']))],
    'options.certificateTransparencyLoggingPreference': [rule('enum', 'ValidationException', `${ACM}, CertificateOptions CertificateTransparencyLoggingPreference [model]`, oneOf(['ENABLED', 'DISABLED']))],
    region: noConstraint("the provider's region for this resource (@pulumi/aws 7); an ALB's certificate is in the ALB's region"),
    tags: ACM_TAGS,
  },

  'aws:acm/certificateValidation:CertificateValidation': {
    // The provider waits for DescribeCertificate to answer ISSUED; Arn (model): the ACM ARN pattern.
    certificateArn: [rule('arn', 'ValidationException', `${ACM}, DescribeCertificate CertificateArn [model]; TF acm/certificate_validation.go`, (v) =>
      /^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/.test(String(v)) ? undefined : `Value '${String(v)}' at 'certificateArn' failed to satisfy constraint: Member must satisfy regular expression pattern`)],
    // TF compares these with the certificate's DNS validation records (certificate_validation.go:
    // "missing ... DNS validation record"): that needs the certificate's state, which the mocks'
    // model (h-fleet) holds. Input-only here: each is a domain name.
    validationRecordFqdns: [rule('names', 'ProviderValidation', 'TF internal/service/acm/certificate_validation.go validation_record_fqdns', (v) =>
      list(v).map((name) => (/^[A-Za-z0-9_.-]+\.?$/.test(String(name)) ? undefined : `${JSON.stringify(String(name))} is not a DNS name`)).find(Boolean))],
    region: noConstraint("the provider's region for this resource (@pulumi/aws 7)"),
  },
};
