// The host's reverse proxy: Caddy, from the official image pinned by version. This file is pure: it
// renders Caddy's JSON config from the host's settings; infra/host/deploy.sh runs the container.
//
// How a release switches traffic without dropping a request (measured in test/e2e/swap.test.ts):
// Caddy's config never changes during a release. Caddy finds the app by DNS, the container NAME
// `berth-notes` on the host's private Docker network, looked up again every second (a "dynamic
// upstream"). A release starts the new container under another name, waits until it is healthy,
// then renames the old one away and the new one to `berth-notes`; Docker's DNS follows a rename at
// once. Within a second Caddy sends new requests to the new container, while requests already at
// the old one finish; only then does the old one get SIGTERM (and the drain time to exit).
// Why not reload Caddy with a new upstream: a reload closes idle keep-alive client connections, and
// a client that sends its next request at that moment gets a reset (measured here: 35 failed
// requests in 12 reloads at 2,500 requests/s).
// For the few milliseconds between the two renames the name resolves to nothing. Caddy then falls
// back to the static upstream, the same name, whose dial fails; a failed dial is retried (for any
// method, since nothing was sent) until the name answers again. Request bodies are buffered so a
// retried POST still has its body.

/** The official image Caddy runs from; pinned so every host runs the proxy berth was tested with. */
export const CADDY_IMAGE = 'caddy:2.6.2';

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
  /** Largest request body the proxy buffers (and so can retry), in bytes. */
  readonly maxRequestBytes: number;
}

/** How often Caddy looks the app's name up again: how soon a promoted container gets traffic. */
export const UPSTREAM_REFRESH_S = 1;

export function renderCaddyConfig(settings: ProxySettings): Record<string, unknown> {
  const { name, port } = settings.upstream;
  const proxy = {
    handler: 'reverse_proxy',
    upstreams: [{ dial: `${name}:${port}` }],
    dynamic_upstreams: { source: 'a', name, port: String(port), refresh: `${UPSTREAM_REFRESH_S}s` },
    // Retries cover the renames and a restarting container; 5 s is longer than either takes.
    load_balancing: { try_duration: '5s', try_interval: '100ms' },
    buffer_requests: true,
    max_buffer_size: settings.maxRequestBytes,
  };
  const https = settings.https;
  const server = https
    ? {
        listen: [':443'],
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
