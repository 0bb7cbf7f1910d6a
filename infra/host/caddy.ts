// The host's reverse proxy: Caddy, from the official image pinned by version. This file is pure: it
// renders Caddy's JSON config from the host's settings; infra/host/deploy.sh runs the container.
// Every key below is one Caddy 2.11.4 knows (its JSON decoding is strict: an unknown key fails
// `caddy run`), and test/e2e/proxy-config.test.ts has the pinned image `caddy validate` each variant.
//
// How a release switches traffic without dropping a request (measured in test/e2e/swap.test.ts):
// Caddy's config never changes during a release. Caddy finds the app by DNS, the container NAME
// `berth-notes` on the host's private Docker network, looked up again every second (a "dynamic
// upstream"). A release starts the new container under another name, waits until it is healthy,
// then renames the old one away and the new one to `berth-notes`; Docker's DNS follows a rename at
// once. Within a second Caddy sends new requests to the new container, while requests already at
// the old one finish; only then does the old one get SIGTERM (and the drain time to exit).
// Why not reload Caddy with a new upstream: a reload shuts the old server down, closing idle
// keep-alive client connections, and a client that sends its next request at that moment gets a
// reset (measured: bench key proxy_reload_failed_requests).
// For the few milliseconds between the two renames the name resolves to nothing. Caddy then falls
// back to the static upstream, the same name, whose dial fails; a failed dial is retried (for any
// method, since nothing was sent: reverseproxy.go, LoadBalancing.tryAgain) until the name answers
// again. Since 2.11 a request body survives a dial error unread (caddyserver/caddy#7547, #7715,
// TestDialErrorBodyRetry), so a retried POST keeps its body without buffering it: 2.6.2 needed
// `buffer_requests` for that, which held every body in memory.
/** The official image Caddy runs from; pinned so every host runs the proxy berth was tested with. */
export const CADDY_IMAGE = 'caddy:2.11.4';

/** Let's Encrypt's production directory: the ACME CA unless berth:acmeCa names another. */
export const LETS_ENCRYPT = 'https://acme-v02.api.letsencrypt.org/directory';

export interface ProxySettings {
  /** The app's DNS name on the private network (its container name) and its port. */
  readonly upstream: { readonly name: string; readonly port: number };
  /** With a domain: HTTPS on 443 with an ACME certificate, and HTTP on 80 redirecting to it. */
  readonly https?: {
    readonly domain: string;
    readonly acmeCa: string;
    readonly acmeEmail?: string;
    /** Path inside the proxy container of a PEM file to trust for the ACME CA's own TLS (a
     * private CA); omitted for public CAs such as Let's Encrypt. */
    readonly acmeCaRootFile?: string;
  };
}

/** How often Caddy looks the app's name up again: how soon a promoted container gets traffic. */
export const UPSTREAM_REFRESH_S = 1;

export function renderCaddyConfig(settings: ProxySettings): Record<string, unknown> {
  const { name, port } = settings.upstream;
  const proxy = {
    handler: 'reverse_proxy',
    upstreams: [{ dial: `${name}:${port}` }],
    // IPv4 only: the private network has no IPv6, so an AAAA query would only add a round trip.
    dynamic_upstreams: { source: 'a', name, port: String(port), refresh: `${UPSTREAM_REFRESH_S}s`, versions: { ipv4: true } },
    // Retries cover the renames and a restarting container; 5 s is longer than either takes.
    load_balancing: { try_duration: '5s', try_interval: '100ms' },
  };
  const https = settings.https;
  const server = https
    ? {
        listen: [':443'],
        // No HTTP/3 (Caddy's default is h1 h2 h3): it needs UDP 443, which the host neither
        // publishes nor opens, and an advertised h3 that never answers only costs clients a try.
        protocols: ['h1', 'h2'],
        routes: [{ match: [{ host: [https.domain] }], handle: [proxy], terminal: true }],
      }
    : {
        listen: [':80'],
        routes: [{ handle: [proxy] }],
        automatic_https: { disable: true },
      };
  const config: Record<string, unknown> = {
    // The admin API listens inside the container only; deploy.sh never needs it during a release.
    admin: { listen: 'localhost:2019' },
    apps: {
      http: { servers: { berth: server } },
      ...(https
        ? {
            tls: {
              automation: {
                policies: [
                  {
                    subjects: [https.domain],
                    issuers: [
                      {
                        module: 'acme',
                        ca: https.acmeCa,
                        ...(https.acmeEmail ? { email: https.acmeEmail } : {}),
                        ...(https.acmeCaRootFile ? { trusted_roots_pem_files: [https.acmeCaRootFile] } : {}),
                        // HTTP-01 only, on port 80: the port the security group opens to the CA
                        // even when berth:allowedCidrs narrows 443 (host-settings.ts, networkRules).
                        // Caddy's ACME client tries the offered challenge types in a shuffled order
                        // at first and moves to another after a failed one (mholt/acmez client.go:
                        // getAuthzObjects shuffles preferredChallenges, pollAuthorization returns a
                        // retryableErr), so TLS-ALPN-01 on a narrowed 443 would cost a failed
                        // validation first. The key: modules/caddytls ChallengesConfig,
                        // "tls-alpn" → TLSALPNChallengeConfig "disabled".
                        challenges: { 'tls-alpn': { disabled: true } },
                      },
                    ],
                  },
                ],
              },
            },
          }
        : {}),
    },
  };
  return config;
}
