// Who may reach the host, and where it may go: the security group's rules as pure decisions
// (infra/host/settings.ts), read as policy.
import { describe, expect, it } from 'vitest';
import { checkNetworks, networkRules, vpcFacts } from '../../infra/host/settings.js';

const letsEncrypt = { domain: 'notes.example.com', acmeCa: 'https://acme-v02.api.letsencrypt.org/directory' };
const privateCa = { domain: 'notes.corp.example', acmeCa: 'https://ca.corp.example/acme/acme/directory', acmeCaRootPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' };
const narrowed = ['203.0.113.0/24'];
const v4 = { hasIpv6: false };
const v6 = { hasIpv6: true };
const port = (rules: ReturnType<typeof networkRules>, n: number) => rules.ingress.find((r) => r.port === n);

describe('the security group', () => {
  it('without a domain opens the app port to allowedCidrs and nothing else', () => {
    expect(networkRules({ hostPort: 8080 }, narrowed, v4).ingress).toEqual([{ port: 8080, ipv4: narrowed, ipv6: [] }]);
  });

  it("with a domain from a public CA opens 80 to everyone, since the CA validates HTTP-01 from vantage points it does not publish, and 443 only to allowedCidrs", () => {
    const rules = networkRules({ hostPort: 80, https: letsEncrypt }, narrowed, v4);
    expect(rules.ingress).toEqual([
      { port: 80, ipv4: ['0.0.0.0/0'], ipv6: [] },
      { port: 443, ipv4: narrowed, ipv6: [] },
    ]);
  });

  it('with a private CA (its own root) keeps 80 to allowedCidrs too: its operator knows where it validates from', () => {
    const rules = networkRules({ hostPort: 80, https: privateCa }, ['10.0.0.0/8'], v4);
    expect(rules.ingress).toEqual([
      { port: 80, ipv4: ['10.0.0.0/8'], ipv6: [] },
      { port: 443, ipv4: ['10.0.0.0/8'], ipv6: [] },
    ]);
  });

  it('never opens the app (443, or hostPort) wider than allowedCidrs, whatever the CA and the VPC', () => {
    for (const vpc of [v4, v6]) {
      for (const https of [undefined, letsEncrypt, privateCa]) {
        const cidrs = vpc.hasIpv6 ? [...narrowed, '2001:db8::/32'] : narrowed;
        const rules = networkRules({ hostPort: 8080, ...(https ? { https } : {}) }, cidrs, vpc);
        const app = port(rules, https ? 443 : 8080)!;
        expect([...app.ipv4, ...app.ipv6]).toEqual(cidrs);
        for (const rule of rules.ingress) expect(rule.port === 80 || rule.port === app.port).toBe(true);
      }
    }
  });

  it('where the VPC has IPv6: the host goes out over it, allowedCidrs may name IPv6 networks, and the CA reaches 80 over it', () => {
    const rules = networkRules({ hostPort: 80, https: letsEncrypt }, [...narrowed, '2001:db8::/32'], v6);
    expect(rules.egress).toEqual({ ipv4: ['0.0.0.0/0'], ipv6: ['::/0'] });
    expect(port(rules, 80)).toEqual({ port: 80, ipv4: ['0.0.0.0/0'], ipv6: ['::/0'] });
    expect(port(rules, 443)).toEqual({ port: 443, ipv4: narrowed, ipv6: ['2001:db8::/32'] });
  });

  it('where the VPC has no IPv6, names no IPv6 network at all, in or out', () => {
    for (const https of [undefined, letsEncrypt]) {
      const rules = networkRules({ hostPort: 80, ...(https ? { https } : {}) }, ['0.0.0.0/0'], v4);
      expect(rules.egress).toEqual({ ipv4: ['0.0.0.0/0'], ipv6: [] });
      for (const rule of rules.ingress) expect(rule.ipv6).toEqual([]);
    }
  });

  it('refuses an IPv6 allowedCidrs entry where the VPC has no IPv6, naming the key and the fix', () => {
    expect(() => checkNetworks(['0.0.0.0/0', '::/0'], v4)).toThrow(
      `invalid configuration: berth:allowedCidrs: ::/0 is IPv6, but the default VPC has no IPv6 CIDR block, so the host has no IPv6 address; keep the IPv4 ones: pulumi config set berth:allowedCidrs '["0.0.0.0/0"]' (or associate an IPv6 block with the VPC)`,
    );
    expect(() => checkNetworks(['2001:db8::/32', '2001:db9::/32'], v4)).toThrow(
      `berth:allowedCidrs: 2001:db8::/32, 2001:db9::/32 are IPv6, but the default VPC has no IPv6 CIDR block, so the host has no IPv6 address; name IPv4 networks instead, such as: pulumi config set berth:allowedCidrs '["203.0.113.0/24"]'`,
    );
    expect(() => networkRules({ hostPort: 80 }, ['2001:db8::/32'], v4)).toThrow('is IPv6, but the default VPC has no IPv6');
    expect(() => checkNetworks(['0.0.0.0/0', '::/0'], v6)).not.toThrow();
  });
});

describe("the VPC's IPv6", () => {
  it('counts only an associated IPv6 block, as getVpc lists them', () => {
    const block = (state: string) => ({ associationId: 'vpc-cidr-assoc-1', ipv6CidrBlock: '2600:1f18:4a3:6e00::/56', state });
    expect(vpcFacts({ id: 'vpc-1', ipv6CidrBlockAssociations: [] })).toEqual({ id: 'vpc-1', hasIpv6: false });
    expect(vpcFacts({ id: 'vpc-1', ipv6CidrBlockAssociations: [block('associated')] }).hasIpv6).toBe(true);
    for (const state of ['associating', 'disassociating', 'disassociated', 'failed']) {
      expect(vpcFacts({ id: 'vpc-1', ipv6CidrBlockAssociations: [block(state)] }).hasIpv6, state).toBe(false);
    }
  });
});
