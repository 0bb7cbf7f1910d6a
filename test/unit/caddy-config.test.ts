// The proxy's config as data: what Caddy serves on which port. (test/e2e/proxy-config.test.ts has
// the pinned Caddy validate the same configs.)
import { describe, expect, it } from 'vitest';
import { renderCaddyConfig } from '../../infra/host/caddy.js';

const upstream = { name: 'berth-notes', port: 8080 };
const https = { domain: 'notes.example.com', acmeCa: 'https://acme-v02.api.letsencrypt.org/directory' };
type Server = { listen: string[]; protocols?: string[]; automatic_https?: { disable?: boolean } };
const servers = (config: Record<string, any>) => config.apps.http.servers as Record<string, Server>;
const issuers = (config: Record<string, any>) => config.apps.tls.automation.policies.flatMap((p: any) => p.issuers) as Record<string, any>[];

describe('the proxy', () => {
  it('offers no HTTP/3 (Caddy offers h1 h2 h3 by default): the host neither publishes nor opens UDP 443', () => {
    const withDomain = servers(renderCaddyConfig({ upstream, https }));
    expect(Object.values(withDomain).map((s) => s.protocols)).toEqual([['h1', 'h2']]);
    // Without a domain there is no TLS at all, and HTTP/3 needs TLS: Caddy skips it ("HTTP/3
    // skipped because it requires TLS", its log says of a plain listener).
    const plain = renderCaddyConfig({ upstream });
    expect(Object.values(servers(plain)).map((s) => [s.listen, s.automatic_https?.disable])).toEqual([[[':80'], true]]);
    expect((plain.apps as Record<string, unknown>).tls).toBeUndefined();
  });

  it('with a domain, configures only the HTTPS server: port 80 is left to the redirect and ACME challenges Caddy adds itself', () => {
    // Automatic HTTPS adds a server on the HTTP port that redirects to HTTPS and answers HTTP-01
    // challenges (caddyserver/caddy modules/caddyhttp/autohttps.go, "remaining_auto_https_redirects";
    // modules/caddyhttp/server.go answers challenges before any route), unless it is disabled.
    const withDomain = servers(renderCaddyConfig({ upstream, https }));
    expect(Object.values(withDomain).map((s) => [s.listen, s.automatic_https])).toEqual([[[':443'], undefined]]);
  });

  it('gets its certificate through HTTP-01 on port 80 only, never TLS-ALPN-01 on 443, which allowedCidrs may narrow', () => {
    for (const config of [renderCaddyConfig({ upstream, https }), renderCaddyConfig({ upstream, https: { ...https, acmeCaRootFile: '/etc/caddy/root.pem' } })]) {
      expect(issuers(config).map((i) => i.challenges)).toEqual([{ 'tls-alpn': { disabled: true } }]);
    }
  });
});
