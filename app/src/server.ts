// The notes HTTP API. Input is checked by JSON schemas before any handler runs; every error is a
// JSON body `{ "error": { "code", "message" } }` with a 4xx or 5xx status, and nothing is changed.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { destination } from 'pino';
import type { AppConfig } from './config.js';
import { containerInfo } from './info.js';
import { HEALTH_PATH } from './paths.js';
import {
  CorruptNoteError,
  type Note,
  NOTE_ID_PATTERN,
  NoteNotFoundError,
  type NoteInput,
  StorageUnavailableError,
  type Store,
} from './store.js';
import { openStore } from './open-store.js';

export const MAX_TITLE_CHARS = 200;
export const MAX_BODY_BYTES = 64 * 1024;
// The largest valid note, JSON-escaped at worst, with room to spare; anything larger is refused
// before it is parsed.
export const MAX_REQUEST_BYTES = 512 * 1024;

export interface ServerOptions {
  readonly config: AppConfig;
  /** The file store on config.dataDir, or PostgreSQL when config.database is set, by default. */
  readonly store?: Store;
  /** Where log lines go; stdout by default. */
  readonly logStream?: NodeJS.WritableStream;
  /** Where cgroup limits are read; /sys/fs/cgroup by default. */
  readonly cgroupRoot?: string;
}

const noteInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['title'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: MAX_TITLE_CHARS },
    body: { type: 'string', default: '' },
  },
} as const;

const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: NOTE_ID_PATTERN } },
} as const;

type IdParams = { id: string };

/** Successful reads are logged as one summary line per this many milliseconds (with any reads). */
export const READ_SUMMARY_MS = 10_000;
const round2 = (x: number) => Math.round(x * 100) / 100;
/** How long a log line may wait in the buffer before it is written out, at most. */
export const LOG_FLUSH_MS = 500;
/** Log lines are written out in chunks of about this many bytes, or every LOG_FLUSH_MS. */
export const LOG_CHUNK_BYTES = 4096;

/**
 * stdout for the logs, written asynchronously (a request never waits on the log pipe) and in
 * chunks, so that a burst of lines is one write to the pipe containerd's shim reads, not one each.
 * (What the bench measured as costly is the number of lines, see onResponse below; chunking alone
 * did not move get_vs_hello_ratio beyond this machine's noise.) A timer writes out what is
 * buffered every LOG_FLUSH_MS, so `docker logs` lags by at most that; pino flushes the rest when
 * the process exits (a SIGKILL loses at most what the buffer held).
 */
function chunkedStdout() {
  const stream = destination({ dest: 1, sync: false, minLength: LOG_CHUNK_BYTES });
  const timer = setInterval(() => {
    // flush() throws while the stream is still opening or already closed: nothing to write then.
    try {
      stream.flush();
    } catch {
      // ignored: the next tick or pino's exit handler writes it
    }
  }, LOG_FLUSH_MS);
  timer.unref();
  return { stream, stop: () => clearInterval(timer) };
}

const LISTING_TYPE = 'application/json; charset=utf-8';

export function buildServer({ config, store = openStore(config), logStream, cgroupRoot }: ServerOptions) {
  const stdout = logStream ? undefined : chunkedStdout();
  // Set below, once what it uses exists; the server calls it only once listening.
  let servedUnchangedListing: (req: IncomingMessage, res: ServerResponse) => boolean = () => false;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      stream: logStream ?? stdout!.stream,
    },
    // Fastify's own two lines per request are replaced by the one onResponse line below.
    logController: new LogController({ disableRequestLogging: true }),
    // Fastify gives each request a child logger bound to its id: a pino child per request, paid
    // by every read though reads log nothing at info. The few lines a request writes (onResponse,
    // errors) carry `reqId` themselves instead.
    childLoggerFactory: (logger) => logger,
    bodyLimit: MAX_REQUEST_BYTES,
    // Idle keep-alive connections are closed on shutdown, so `docker stop` is not kept waiting.
    forceCloseConnections: 'idle',
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // The HTTP server as Fastify makes it (lib/server.js, getServerInstance: the same timeouts),
    // with one fast path in front: see unchangedListing below.
    serverFactory: (handler, options) => {
      const server = createServer((req, res) => {
        if (!servedUnchangedListing(req, res)) handler(req, res);
      });
      // Fastify hands the factory its options with its defaults filled in (fastify.js).
      const timeouts = options as unknown as { keepAliveTimeout: number; requestTimeout: number; connectionTimeout: number };
      server.keepAliveTimeout = timeouts.keepAliveTimeout;
      server.requestTimeout = timeouts.requestTimeout;
      server.setTimeout(timeouts.connectionTimeout);
      return server;
    },
  });

  // Once stopping, every response closes its connection: a keep-alive client whose request was in
  // flight at SIGTERM would otherwise hold the server open until its idle timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Callback-style hooks, here and in onResponse: an async hook costs every request a promise,
  // measured as part of what kept GET /api/notes under half of a bare node:http server.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  // One log line per write and per failure, after the response: what `docker logs` shows. A
  // successful read (GET or HEAD, status below 400) gets its line at debug only, and the reads are
  // summed up instead in one info line every READ_SUMMARY_MS that had any: at thousands of reads a
  // second a line each cost a container a third of its throughput (pino, then containerd's shim
  // and the log driver, per line; measured with LOG_LEVEL=warn against info, see the README's
  // Benchmark). LOG_LEVEL=debug logs every read again.
  const reads = { count: 0, totalMs: 0, maxMs: 0 };
  // At info and above a read's line would be dropped anyway: not even its fields are built.
  const readsLogged = config.logLevel === 'debug' || config.logLevel === 'trace';
  const summarizeReads = () => {
    if (reads.count === 0) return;
    app.log.info({ reads: reads.count, meanMs: round2(reads.totalMs / reads.count), maxMs: round2(reads.maxMs), overMs: READ_SUMMARY_MS }, 'reads served');
    reads.count = reads.totalMs = reads.maxMs = 0;
  };
  const countRead = (ms: number) => {
    reads.count++;
    reads.totalMs += ms;
    reads.maxMs = Math.max(reads.maxMs, ms);
  };
  const summaryTimer = setInterval(summarizeReads, READ_SUMMARY_MS);
  summaryTimer.unref();
  // On close: the last summary, then everything buffered out.
  app.addHook('onClose', async () => {
    clearInterval(summaryTimer);
    summarizeReads();
    stdout?.stop();
    try {
      stdout?.stream.flushSync();
    } catch {
      // not open yet, or closed: pino's exit handler writes what is left
    }
  });
  app.addHook('onResponse', (request, reply, done) => {
    const ms = round2(reply.elapsedTime);
    const read = reply.statusCode < 400 && (request.method === 'GET' || request.method === 'HEAD');
    if (read && request.url !== HEALTH_PATH) countRead(ms);
    if (!read || readsLogged) {
      request.log[read ? 'debug' : 'info'](
        {
          reqId: request.id,
          method: request.method,
          url: request.url.length > 200 ? `${request.url.slice(0, 200)}…` : request.url,
          status: reply.statusCode,
          ms,
        },
        'request',
      );
    }
    done();
  });

  app.setErrorHandler((error: FastifyError, request, reply) => replyWithError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, 'not_found', `no route for ${request.method} ${request.url.split('?')[0]?.slice(0, 100)}`),
  );

  app.get(HEALTH_PATH, async (_request, reply) => {
    const ready = await store.readiness();
    if (!ready.ok) return sendError(reply, 503, 'not_ready', ready.reason);
    return { status: 'ok' };
  });

  app.get('/api/info', async () =>
    containerInfo(
      { dataDir: config.dataDir, store: store.info, version: config.version, revision: config.revision, greeting: config.greeting },
      cgroupRoot,
    ),
  );

  // A listing the store hands back unchanged (see NoteStore.list) is serialized once, to bytes: a
  // string body would be measured (Content-Length) and encoded again on every request.
  const serialized = new WeakMap<readonly Note[], Buffer>();
  const listingBody = (notes: readonly Note[]) => {
    let body = serialized.get(notes);
    if (body === undefined) serialized.set(notes, (body = Buffer.from(JSON.stringify({ notes }))));
    return body;
  };
  const sendListing = (reply: FastifyReply, notes: readonly Note[]) => reply.type(LISTING_TYPE).send(listingBody(notes));
  // The fast path, before Fastify: a plain GET /api/notes whose listing is provably unchanged (one
  // stat, NoteStore.unchangedListing) is answered from the bytes already serialized, with the
  // headers Fastify's route would send, and counted in the read summary like any read. Measured
  // (README, Benchmark): Fastify's per-request pipeline (request and reply objects, routing, hooks)
  // was about a third of this read's CPU. Anything else (another path or method, a query string, a
  // changed directory, reads logged one by one at debug, a server closing, whose 503 and
  // Connection: close are Fastify's) takes the route below.
  servedUnchangedListing = (req, res) => {
    if (req.url !== '/api/notes' || req.method !== 'GET' || closing || readsLogged) return false;
    const notes = store.unchangedListing?.();
    if (notes === undefined) return false;
    const started = performance.now();
    const body = listingBody(notes);
    res.writeHead(200, { 'content-type': LISTING_TYPE, 'content-length': body.length });
    res.end(body);
    countRead(performance.now() - started);
    return true;
  };
  // Not an async handler: an unchanged listing is sent synchronously, with no promise to settle
  // (see the Benchmark's get_vs_hello_ratio); a changed directory is read asynchronously.
  app.get('/api/notes', (_request, reply) => {
    const unchanged = store.unchangedListing?.();
    // Sent, and nothing returned: a returned reply is a thenable Fastify would wait on.
    if (unchanged !== undefined) {
      sendListing(reply, unchanged);
      return;
    }
    return store.list().then((notes) => sendListing(reply, notes));
  });

  app.post<{ Body: NoteInput }>('/api/notes', { schema: { body: noteInputSchema } }, async (request, reply) => {
    checkNoteInput(request.body);
    const note = await store.create(request.body);
    return reply.code(201).header('location', `/api/notes/${note.id}`).send(note);
  });

  app.get<{ Params: IdParams }>('/api/notes/:id', { schema: { params: idParamsSchema } }, async (request) =>
    store.get(request.params.id),
  );

  app.put<{ Params: IdParams; Body: NoteInput }>(
    '/api/notes/:id',
    { schema: { params: idParamsSchema, body: noteInputSchema } },
    async (request) => {
      checkNoteInput(request.body);
      return store.update(request.params.id, request.body);
    },
  );

  app.delete<{ Params: IdParams }>('/api/notes/:id', { schema: { params: idParamsSchema } }, async (request, reply) => {
    await store.delete(request.params.id);
    return reply.code(204).send();
  });

  return app;
}

class InvalidNoteError extends Error {}

/** What the schema cannot say: the body's size in bytes, and no U+0000 anywhere. PostgreSQL's text
 * cannot hold U+0000 (error 22021), so both stores refuse it alike: a note the file store takes
 * must be one the PostgreSQL store takes too (and the import to PostgreSQL, import-notes). */
function checkNoteInput(input: NoteInput): void {
  const bytes = Buffer.byteLength(input.body, 'utf8');
  if (bytes > MAX_BODY_BYTES) {
    throw new InvalidNoteError(`body must be at most ${MAX_BODY_BYTES} bytes of UTF-8; got ${bytes}`);
  }
  for (const field of ['title', 'body'] as const) {
    if (input[field].includes('\u0000')) throw new InvalidNoteError(`${field} must not contain U+0000 (\\u0000); remove it`);
  }
}

function replyWithError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof NoteNotFoundError) return sendError(reply, 404, 'not_found', error.message);
  if (error instanceof StorageUnavailableError) {
    request.log.error({ reqId: request.id, code: error.code }, error.message);
    return error.code === 'ENOSPC' || error.code === 'EDQUOT'
      ? sendError(reply, 507, 'insufficient_storage', error.message)
      : sendError(reply, 503, 'not_ready', error.message);
  }
  if (error instanceof InvalidNoteError) return sendError(reply, 400, 'invalid_request', error.message);
  if (error.validation) {
    const where = error.validationContext === 'params' ? 'id' : 'body';
    const message =
      where === 'id' ? 'id must be a note id (a lower-case UUID)' : `${where}${error.message.replace(/^body/, '')}`;
    return sendError(reply, 400, 'invalid_request', message);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return sendError(reply, 415, 'unsupported_media_type', 'send the note as JSON with content-type: application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sendError(reply, 413, 'payload_too_large', `requests are limited to ${MAX_REQUEST_BYTES} bytes`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return sendError(reply, 400, 'invalid_json', 'the request body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return sendError(reply, 400, 'invalid_request', 'content-length does not match the body');
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return sendError(reply, 400, 'invalid_json', 'the request body is not valid JSON');
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return sendError(reply, error.statusCode, 'bad_request', error.message);
  }
  if (error instanceof CorruptNoteError) request.log.error({ reqId: request.id, file: error.file }, 'corrupt note file');
  else request.log.error({ reqId: request.id, err: error }, 'request failed');
  return sendError(reply, 500, 'internal', 'the server could not complete the request; see its logs');
}

function sendError(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).type('application/json').send({ error: { code, message } });
}

export type NotesServer = FastifyInstance;
