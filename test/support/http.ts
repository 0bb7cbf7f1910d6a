// A small JSON client for the notes API.
export interface Reply {
  readonly status: number;
  readonly body: any;
  readonly headers: Headers;
}

export async function api(base: string, method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method,
    signal: AbortSignal.timeout(timeoutMs),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON; keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
