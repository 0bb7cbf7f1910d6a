// The notes HTTP API. Input is checked by JSON schemas before any handler runs; every error is a
// JSON body `{ "error": { "code", "message" } }` with a 4xx or 5xx status, and nothing is changed.
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
  NoteStore,
  StorageUnavailableError,
} from './store.js';

export const MAX_TITLE_CHARS = 200;
export const MAX_BODY_BYTES = 64 * 1024;
// The largest valid note, JSON-escaped at worst, with room to spare; anything larger is refused
// before it is parsed.
export const MAX_REQUEST_BYTES = 512 * 1024;

export interface ServerOptions {
  readonly config: AppConfig;
  readonly store?: NoteStore;
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

export function buildServer({ config, store = new NoteStore(config.dataDir), logStream, cgroupRoot }: ServerOptions) {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // stdout written asynchronously, so a request never waits on the log pipe; pino flushes what
      // is buffered when the process exits.
      stream: logStream ?? destination({ dest: 1, sync: false }),
    },
    // Fastify's own two lines per request are replaced by the one onResponse line below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_REQUEST_BYTES,
    // Idle keep-alive connections are closed on shutdown, so `docker stop` is not kept waiting.
    forceCloseConnections: 'idle',
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });

  // Once stopping, every response closes its connection: a keep-alive client whose request was in
  // flight at SIGTERM would otherwise hold the server open until its idle timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });

  // One log line per request, after the response: what `docker logs` shows. A passing health
  // probe (every few seconds, from Docker) is logged at debug level only.
  app.addHook('onResponse', async (request, reply) => {
    const quiet = reply.statusCode === 200 && request.url === HEALTH_PATH;
    request.log[quiet ? 'debug' : 'info'](
      {
        method: request.method,
        url: request.url.length > 200 ? `${request.url.slice(0, 200)}…` : request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request',
    );
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
      { dataDir: config.dataDir, version: config.version, revision: config.revision, greeting: config.greeting },
      cgroupRoot,
    ),
  );

  // A listing the store hands back unchanged (see NoteStore.list) is serialized once.
  const serialized = new WeakMap<readonly Note[], string>();
  app.get('/api/notes', async (_request, reply) => {
    const notes = await store.list();
    let body = serialized.get(notes);
    if (body === undefined) serialized.set(notes, (body = JSON.stringify({ notes })));
    return reply.type('application/json; charset=utf-8').send(body);
  });

  app.post<{ Body: NoteInput }>('/api/notes', { schema: { body: noteInputSchema } }, async (request, reply) => {
    checkBodySize(request.body);
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
      checkBodySize(request.body);
      return store.update(request.params.id, request.body);
    },
  );

  app.delete<{ Params: IdParams }>('/api/notes/:id', { schema: { params: idParamsSchema } }, async (request, reply) => {
    await store.delete(request.params.id);
    return reply.code(204).send();
  });

  return app;
}

class BodyTooLongError extends Error {}

function checkBodySize(input: NoteInput): void {
  const bytes = Buffer.byteLength(input.body, 'utf8');
  if (bytes > MAX_BODY_BYTES) {
    throw new BodyTooLongError(`body must be at most ${MAX_BODY_BYTES} bytes of UTF-8; got ${bytes}`);
  }
}

function replyWithError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof NoteNotFoundError) return sendError(reply, 404, 'not_found', error.message);
  if (error instanceof StorageUnavailableError) {
    request.log.error({ code: error.code }, error.message);
    return error.code === 'ENOSPC' || error.code === 'EDQUOT'
      ? sendError(reply, 507, 'insufficient_storage', error.message)
      : sendError(reply, 503, 'not_ready', error.message);
  }
  if (error instanceof BodyTooLongError) return sendError(reply, 400, 'invalid_request', error.message);
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
  if (error instanceof CorruptNoteError) request.log.error({ file: error.file }, 'corrupt note file');
  else request.log.error({ err: error }, 'request failed');
  return sendError(reply, 500, 'internal', 'the server could not complete the request; see its logs');
}

function sendError(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).type('application/json').send({ error: { code, message } });
}

export type NotesServer = FastifyInstance;
