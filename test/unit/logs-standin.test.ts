// The simulated world's CloudWatch Logs (sim/host/logs.py) refuses what CloudWatch Logs refuses,
// per its API reference (PutLogEvents, CreateLogStream, FilterLogEvents): each refusal is shown on
// the operation itself, run by the real python3 on plain data, beside the call that passes.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const HOST_BIN = path.join(import.meta.dirname, '..', '..', 'sim', 'host');
const DRIVER = `
import json, sys
sys.path.insert(0, sys.argv[1])
import logs
a = json.load(sys.stdin)
try:
    out = getattr(logs, a["op"])(a["groups"], a["streams"], a["req"], a["now"])
    print(json.dumps({"out": out, "streams": a["streams"]}))
except logs.ApiError as e:
    print(json.dumps({"error": e.code, "message": e.message, "streams": a["streams"]}))
`;

type Streams = Record<string, Record<string, { creationTime: number; events: { timestamp: number; message: string; ingestionTime?: number; eventId?: string }[] }>>;
interface Answer { out?: Record<string, unknown>; error?: string; message?: string; streams: Streams }

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const H = 3600_000;
const D = 24 * H;
const GROUP = '/berth/dev';
const groups = { [GROUP]: { retentionInDays: 7, creationTime: NOW - D } };
const withStream = (): Streams => ({ [GROUP]: { 'ip-10-0-0-1/berth-notes-abc': { creationTime: NOW - H, events: [] } } });

function op(name: string, req: Record<string, unknown>, streams: Streams = withStream()): Answer {
  const r = spawnSync('python3', ['-c', DRIVER, HOST_BIN], { input: JSON.stringify({ op: name, groups, streams, req, now: NOW }), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Answer;
}
const put = (logEvents: unknown[], more: Record<string, unknown> = {}) =>
  op('put_log_events', { logGroupName: GROUP, logStreamName: 'ip-10-0-0-1/berth-notes-abc', logEvents, ...more });
const stored = (a: Answer) => Object.values(a.streams[GROUP] ?? {}).flatMap((s) => s.events.map((e) => e.message));
const ev = (timestamp: number, message = 'line') => ({ timestamp, message });

describe('CreateLogStream', () => {
  it('creates a stream in an existing group', () => {
    const a = op('create_log_stream', { logGroupName: GROUP, logStreamName: 'h/c' });
    expect(a.error).toBeUndefined();
    expect(Object.keys(a.streams[GROUP]!)).toContain('h/c');
  });

  it('refuses a group that does not exist: ResourceNotFoundException', () => {
    expect(op('create_log_stream', { logGroupName: '/berth/other', logStreamName: 'h/c' }).error).toBe('ResourceNotFoundException');
  });

  it('refuses a stream that exists: ResourceAlreadyExistsException (which the awslogs driver takes as success)', () => {
    expect(op('create_log_stream', { logGroupName: GROUP, logStreamName: 'ip-10-0-0-1/berth-notes-abc' }).error).toBe('ResourceAlreadyExistsException');
  });

  it("refuses a name with ':' or '*', or longer than 512: InvalidParameterException", () => {
    for (const name of ['h:c', 'h*', 'x'.repeat(513), '']) expect(op('create_log_stream', { logGroupName: GROUP, logStreamName: name }).error, name).toBe('InvalidParameterException');
  });
});

describe('PutLogEvents', () => {
  it('stores a valid batch, oldest first', () => {
    const a = put([ev(NOW - 2000, 'one'), ev(NOW - 1000, 'two'), ev(NOW - 1000, 'three')]);
    expect(a.error).toBeUndefined();
    expect(a.out!.rejectedLogEventsInfo).toBeUndefined();
    expect(stored(a)).toEqual(['one', 'two', 'three']);
  });

  it('refuses a group or a stream that does not exist: ResourceNotFoundException', () => {
    expect(put([ev(NOW)], { logGroupName: '/berth/other' }).error).toBe('ResourceNotFoundException');
    expect(put([ev(NOW)], { logStreamName: 'never-created' }).error).toBe('ResourceNotFoundException');
  });

  it('refuses events out of chronological order, and stores none of them', () => {
    const a = put([ev(NOW - 1000, 'later'), ev(NOW - 2000, 'earlier')]);
    expect(a.error).toBe('InvalidParameterException');
    expect(stored(a)).toEqual([]);
  });

  it('refuses more than 10,000 events, and takes 10,000', () => {
    expect(put(Array.from({ length: 10_001 }, () => ev(NOW))).error).toBe('InvalidParameterException');
    expect(put(Array.from({ length: 10_000 }, () => ev(NOW))).error).toBeUndefined();
  });

  it('refuses a batch over 1,048,576 bytes counting 26 bytes per event, and takes one at the limit', () => {
    const n = 4;
    const fits = Math.floor(1_048_576 / n) - 26;
    expect(put(Array.from({ length: n }, () => ev(NOW, 'x'.repeat(fits)))).error).toBeUndefined();
    expect(put(Array.from({ length: n }, () => ev(NOW, 'x'.repeat(fits + 1)))).error).toBe('InvalidParameterException');
  });

  it('counts the 26 bytes per event for many small messages', () => {
    const n = 9_000;
    const size = Math.floor(1_048_576 / n) - 26; // 90 bytes of text each: 116 with the overhead
    expect(put(Array.from({ length: n }, () => ev(NOW, 'y'.repeat(size)))).error).toBeUndefined();
    expect(put(Array.from({ length: n }, () => ev(NOW, 'y'.repeat(size + 1)))).error).toBe('InvalidParameterException');
  });

  it('refuses an empty batch and an event without a message', () => {
    expect(put([]).error).toBe('InvalidParameterException');
    expect(put([{ timestamp: NOW, message: '' }]).error).toBe('InvalidParameterException');
  });

  it('refuses valid events spanning more than 24 hours', () => {
    expect(put([ev(NOW - 25 * H, 'a'), ev(NOW, 'b')]).error).toBe('InvalidParameterException');
    expect(put([ev(NOW - 23 * H, 'a'), ev(NOW, 'b')]).error).toBeUndefined();
  });

  it('rejects events over 2 h ahead, over 14 days old or older than the retention, keeping the rest', () => {
    // The group keeps 7 days: 8 days old is expired, 15 days old is too old as well.
    const a = put([ev(NOW - 15 * D, 'too old'), ev(NOW - 8 * D, 'expired'), ev(NOW - 1000, 'kept'), ev(NOW + 3 * H, 'too new')]);
    expect(a.error).toBeUndefined();
    expect(stored(a)).toEqual(['kept']);
    expect(a.out!.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1, expiredLogEventEndIndex: 2, tooNewLogEventStartIndex: 3 });
  });
});

describe('FilterLogEvents, as aws logs tail calls it', () => {
  const streams: Streams = {
    [GROUP]: {
      'ip-10-0-0-1/berth-notes-abc': { creationTime: NOW - H, events: [{ timestamp: NOW - 3000, message: 'host one: GET /', ingestionTime: NOW, eventId: 'a' }, { timestamp: NOW - 1000, message: 'host one: POST /api/notes', ingestionTime: NOW, eventId: 'b' }] },
      'ip-10-0-0-2/berth-notes-abc': { creationTime: NOW - H, events: [{ timestamp: NOW - 2000, message: 'host two: GET /', ingestionTime: NOW, eventId: 'c' }] },
    },
  };

  it("returns every stream's events interleaved by time, each naming its stream", () => {
    const events = op('filter_log_events', { logGroupName: GROUP }, streams).out!.events as { logStreamName: string; message: string }[];
    expect(events.map((e) => e.message)).toEqual(['host one: GET /', 'host two: GET /', 'host one: POST /api/notes']);
    expect(events.map((e) => e.logStreamName)).toEqual(['ip-10-0-0-1/berth-notes-abc', 'ip-10-0-0-2/berth-notes-abc', 'ip-10-0-0-1/berth-notes-abc']);
  });

  it('takes a start time, a group ARN as identifier, and plain filter terms', () => {
    const since = op('filter_log_events', { logGroupName: GROUP, startTime: NOW - 1500 }, streams).out!.events as { message: string }[];
    expect(since.map((e) => e.message)).toEqual(['host one: POST /api/notes']);
    const byArn = op('filter_log_events', { logGroupIdentifier: `arn:aws:logs:us-east-1:123456789012:log-group:${GROUP}` }, streams).out!.events as unknown[];
    expect(byArn).toHaveLength(3);
    const filtered = op('filter_log_events', { logGroupName: GROUP, filterPattern: 'GET' }, streams).out!.events as unknown[];
    expect(filtered).toHaveLength(2);
  });

  it('refuses a group that does not exist, and a name with an identifier', () => {
    expect(op('filter_log_events', { logGroupName: '/berth/other' }, streams).error).toBe('ResourceNotFoundException');
    expect(op('filter_log_events', { logGroupName: GROUP, logGroupIdentifier: GROUP }, streams).error).toBe('InvalidParameterException');
  });
});
