// The address a user opens: https://domain/ with a domain (the proxy's certificate is for that
// name, not for the IP), else the host's public IP, with the port unless it is HTTP's own 80.

export interface UrlParts {
  readonly https?: { readonly domain: string };
  readonly hostPort: number;
  readonly publicIp: string;
}

export function serviceUrl(parts: UrlParts): string {
  if (parts.https) return `https://${parts.https.domain}/`;
  return parts.hostPort === 80 ? `http://${parts.publicIp}/` : `http://${parts.publicIp}:${parts.hostPort}/`;
}
