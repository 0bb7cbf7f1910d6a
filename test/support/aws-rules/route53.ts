// The Route 53 rules: the certificate's validation records and the domain's alias to the ALB.
// "model" is botocore/data/route53/2013-04-01/service-2.json; "TF" is hashicorp/terraform-provider-aws
// internal/service/route53/record.go, which checks some fields before calling AWS. A change Route 53
// refuses is InvalidChangeBatch with a message per problem ("FATAL problem: …"); model constraints
// are InvalidInput. The wording is as recalled from its answers, not read from a document.
import { isIPv4, isIPv6 } from 'node:net';
import { HOSTED_ZONES } from '../aws-account.js';
import { type FieldRules, list, noConstraint, oneOf, rule } from './shared.js';

const R53 = 'Amazon Route 53 API Reference';
const zoneOf = (id: unknown) => HOSTED_ZONES.find((z) => z.id === String(id).replace(/^\/hostedzone\//, ''));
/** Route 53 stores names without the final dot, in lowercase (TF record.go StateFunc). */
const normal = (name: unknown) => String(name).replace(/\.$/, '').toLowerCase();

export const ROUTE53_RULES: Readonly<Record<string, Readonly<Record<string, FieldRules>>>> = {
  'aws:route53/record:Record': {
    zoneId: [rule('exists', 'NoSuchHostedZone', `${R53}, ChangeResourceRecordSets HostedZoneId (NoSuchHostedZone); TF route53/record.go (findHostedZoneByID first)`, (v) =>
      zoneOf(v) ? undefined : `No hosted zone found with ID: ${String(v)}`)],
    name: [
      // DNS names: labels of at most 63 octets, at most 255 octets in all (RFC 1035 2.3.4; Route 53
      // Developer Guide, DNS domain name format).
      rule('dns-name', 'InvalidChangeBatch', `${R53}, ResourceRecordSet Name; Route 53 Developer Guide, DNS domain name format`, (v) => {
        const name = normal(v);
        if (name.length > 255) return `FATAL problem: DomainNameTooLong encountered with '${name}'`;
        return name.split('.').some((label) => label.length === 0 || label.length > 63) ? `FATAL problem: DomainLabelTooLong (Domain label is too long) encountered with '${name}'` : undefined;
      }),
      // A record belongs to its zone: "RRSet with DNS name … is not permitted in zone …".
      rule('in-zone', 'InvalidChangeBatch', `${R53}, ChangeResourceRecordSets (InvalidChangeBatch)`, (v, { inputs }) => {
        const zone = zoneOf(inputs.zoneId);
        const name = normal(v);
        return !zone || name === zone.name || name.endsWith(`.${zone.name}`) ? undefined : `RRSet with DNS name ${name}. is not permitted in zone ${zone.name}.`;
      }),
    ],
    // RRType (model); TF validates the enum before calling AWS.
    type: [rule('enum', 'ProviderValidation', `${R53}, ResourceRecordSet Type (RRType) [model]; TF route53/record.go`, oneOf(['SOA', 'A', 'TXT', 'NS', 'CNAME', 'MX', 'NAPTR', 'PTR', 'SRV', 'SPF', 'AAAA', 'CAA', 'DS', 'TLSA', 'SSHFP', 'SVCB', 'HTTPS']))],
    // TTL: 0..2147483647 (model); an alias has none (TF ConflictsWith alias).
    ttl: [rule('range', 'InvalidInput', `${R53}, ResourceRecordSet TTL [model]; TF route53/record.go (ConflictsWith alias, RequiredWith records)`, (v, { inputs }) =>
      inputs.aliases !== undefined && list(inputs.aliases).length > 0 ? '"ttl": conflicts with alias'
        : Number.isInteger(v) && v >= 0 && v <= 2147483647 ? undefined : `TTL ${JSON.stringify(v)} must be 0 to 2147483647`)],
    records: [
      // TF: exactly one of alias and records (ExactlyOneOf).
      rule('alias-or-records', 'ProviderValidation', 'TF route53/record.go (ExactlyOneOf alias, records)', (v, { inputs }) =>
        list(inputs.aliases).length > 0 && list(v).length > 0 ? '"records": only one of `alias,records` can be specified' : undefined),
      // The values must suit the type (Route 53 Developer Guide, Supported DNS record types): A holds
      // IPv4 addresses, AAAA IPv6, a CNAME exactly one name.
      rule('values', 'InvalidChangeBatch', 'Route 53 Developer Guide, Supported DNS record types', (v, { inputs }) => {
        const values = list(v).map(String);
        if (inputs.type === 'A' && values.some((x) => !isIPv4(x))) return `FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '${values.find((x) => !isIPv4(x))}'`;
        if (inputs.type === 'AAAA' && values.some((x) => !isIPv6(x))) return `FATAL problem: AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address) encountered with '${values.find((x) => !isIPv6(x))}'`;
        if (inputs.type === 'CNAME' && values.length !== 1) return `RRSet of type CNAME with DNS name ${normal(inputs.name)}. has ${values.length} values; a CNAME has exactly one`;
        return undefined;
      }),
    ],
    // AliasTarget (TF record.go alias: name 1..1024, zone_id 1..32). An alias to an ALB in us-east-1
    // names the ELB zone Z35SXDOTRQ7X7K (aws-account.ts ALB_HOSTED_ZONE_ID); any other target's zone
    // is not modelled, so the length is all that is checked here.
    'aliases[].name': [rule('length', 'ProviderValidation', 'TF route53/record.go alias.name StringLenBetween(1, 1024)', (v) =>
      String(v).length >= 1 && String(v).length <= 1024 ? undefined : 'alias name must be 1 to 1024 characters')],
    'aliases[].zoneId': [rule('length', 'ProviderValidation', 'TF route53/record.go alias.zone_id StringLenBetween(1, 32)', (v) =>
      String(v).length >= 1 && String(v).length <= 32 ? undefined : 'alias zone_id must be 1 to 32 characters')],
    'aliases[].evaluateTargetHealth': noConstraint('a boolean (AliasTarget EvaluateTargetHealth)'),
    allowOverwrite: noConstraint("the provider's own switch (UPSERT instead of CREATE)"),
  },
};
