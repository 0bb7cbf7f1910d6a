// The DNS records fleet mode needs for berth:domain, as data: the ACM certificate's validation
// record, and the name pointing at the load balancer. With berth:hostedZoneId berth writes them in
// Route 53; without, the stack outputs them (dnsRecords) and `pulumi up` prints them while ACM
// waits for the validation record.

export interface DnsRecord {
  readonly name: string;
  readonly type: string;
  readonly value: string;
  /** What the record is for, for the person who creates it. */
  readonly purpose: string;
}

/** One validation option of an ACM certificate (the provider's domainValidationOptions element). */
export interface ValidationOption {
  readonly domainName: string;
  readonly resourceRecordName: string;
  readonly resourceRecordType: string;
  readonly resourceRecordValue: string;
}

/**
 * The records to create in the domain's DNS: each validation record as ACM gives it (a CNAME that
 * must stay while the certificate renews: ACM User Guide, "DNS validation"), and the domain as a
 * CNAME to the load balancer's DNS name (its addresses change; a zone apex, which cannot hold a
 * CNAME, needs the DNS provider's alias record instead: Route 53's alias, which berth writes with a
 * hosted zone).
 */
export function recordsToCreate(domain: string, validation: readonly ValidationOption[], loadBalancerDnsName: string): DnsRecord[] {
  const unique = [...new Map(validation.map((v) => [`${v.resourceRecordName} ${v.resourceRecordType}`, v])).values()];
  return [
    ...unique.map((v) => ({ name: v.resourceRecordName, type: v.resourceRecordType, value: v.resourceRecordValue, purpose: `ACM validation of ${v.domainName}` })),
    { name: `${domain}.`, type: 'CNAME', value: loadBalancerDnsName, purpose: 'the site, at the load balancer (at a zone apex: an alias record)' },
  ];
}

/** One line per record, for the log of `pulumi up`. */
export const describeRecords = (records: readonly DnsRecord[]) => records.map((r) => `${r.name} ${r.type} ${r.value} (${r.purpose})`);
