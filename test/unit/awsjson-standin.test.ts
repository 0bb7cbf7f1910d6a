// The AWS JSON 1.1 answers the simulated SSM, Secrets Manager and CloudWatch Logs endpoints share
// (sim/host/awsjson.py, under ssm.py and logs.py): an answer or an error in AWS's shape, the
// JSON 1.1 content type and a request id on each, a bare GET refused as AWS refuses it, and every
// POST recorded with the access key it named. Served by the real python3 over real HTTP, with a
// handler of two operations, so no host, TLS or signature is needed.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../ops/run.js';

const HOST_BIN = path.join(import.meta.dirname, '..', '..', 'sim', 'host');
const SERVER = `
import json, os, sys
sys.path.insert(0, sys.argv[1])
import awsjson, simhttp
from awsjson import ApiError

class Handler(awsjson.Handler):
    log_name = "toy"
    calls_path = os.path.join(sys.argv[2], "toy-calls.jsonl")

    def describe(self, req, body):
        return {"request": req}

    def answer(self, target, req, body):
        if target == "Toy.Echo":
            return {"echo": req}
        if target == "Toy.Throttle":
            raise ApiError("ThrottlingException", "Rate exceeded", status=429)
        raise ApiError("UnknownOperationException")

server = simhttp.Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
`;
const SIGNED = 'AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261203/us-east-1/ssm/aws4_request, SignedHeaders=host;x-amz-date, Signature=' + '0'.repeat(64);

let child: ChildProcess;
let dir: string;
let url: string;
let log = '';
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'berth-awsjson-'));
  child = spawn('python3', ['-c', SERVER, HOST_BIN, dir], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const port = await waitFor('the stand-in to say its port', async () => /^\d+$/m.exec(out)?.[0], { timeoutMs: 10_000, intervalMs: 20 });
  url = `http://127.0.0.1:${port}/`;
});
afterAll(() => {
  child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

let posted = 0;
function post(target: string | undefined, body: string, headers: Record<string, string> = {}) {
  posted += 1;
  return fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/x-amz-json-1.1', ...(target ? { 'X-Amz-Target': target } : {}), ...headers } });
}
/** The calls recorded so far (complete lines only). */
const calls = () => readFileSync(path.join(dir, 'toy-calls.jsonl'), 'utf8').split('\n').slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('an AWS JSON 1.1 stand-in', () => {
  it("answers an operation 200 with its object, as application/x-amz-json-1.1, with a request id", async () => {
    const r = await post('Toy.Echo', '{"Name":"/app/x"}');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(r.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await r.json()).toEqual({ echo: { Name: '/app/x' } });
  });

  it('answers an error with its status and AWS\'s shape: __type, and message only when there is one', async () => {
    const throttled = await post('Toy.Throttle', '{}');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(await throttled.json()).toEqual({ __type: 'ThrottlingException', message: 'Rate exceeded' });
    const unknown = await post('Toy.Nope', '{}');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ __type: 'UnknownOperationException' });
  });

  it('refuses a bare GET as AWS does: 400 MissingAuthenticationTokenException', async () => {
    const r = await fetch(url);
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
  });

  it('records every POST, answered or refused, with the access key its Authorization header names', async () => {
    await post('Toy.Echo', '{"n":1}', { Authorization: SIGNED });
    await post('Toy.Throttle', 'not json');
    await post(undefined, '{}', { Authorization: 'junk' });
    // A call's line is written after its answer is sent: wait until every POST so far has one.
    const all = await waitFor('every POST recorded', async () => (calls().length === posted ? calls() : undefined), { timeoutMs: 5_000, intervalMs: 20 });
    expect(all.every((c) => typeof c.time === 'number')).toBe(true);
    expect(all.map(({ time: _time, ...rest }) => rest)).toEqual(expect.arrayContaining([
      { target: 'Toy.Echo', request: { n: 1 }, accessKeyId: 'ASIAEXAMPLE', status: 200, error: null },
      { target: 'Toy.Throttle', request: null, accessKeyId: null, status: 429, error: 'ThrottlingException' },
      { target: null, request: {}, accessKeyId: null, status: 400, error: 'UnknownOperationException' },
    ]));
  });

  it('logs each request on stderr under its service name', async () => {
    await post('Toy.Echo', '{}');
    await waitFor('the log line', async () => (/ toy "POST \/ HTTP\/1\.1" 200 -/.test(log) ? true : undefined), { timeoutMs: 5_000, intervalMs: 20 });
    expect(log).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+\+00:00 toy "GET \/ HTTP\/1\.1" 400 -$/m);
  });
});
