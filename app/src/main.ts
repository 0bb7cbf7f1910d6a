// Entry point: read the environment, serve, and shut down cleanly on SIGTERM/SIGINT.
import { ConfigError, parseConfig } from './config.js';
import { openStore } from './open-store.js';
import { buildServer } from './server.js';

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`berth-notes: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }

  const store = openStore(config);
  const app = buildServer({ config, store });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping: no new connections, finishing requests in flight');
    setTimeout(() => {
      app.log.error({ timeoutMs: config.shutdownTimeoutMs }, 'requests still in flight at the shutdown timeout');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    app.close().then(
      async () => {
        await store.close().catch((err: unknown) => app.log.warn({ err }, 'error while closing the store'));
        app.log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        app.log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  // The store's startup step: the file store sweeps temporary files, PostgreSQL applies migrations.
  const prepared = await store.prepare();
  if (prepared.ok) {
    if (prepared.did) app.log.info({ store: store.info.kind, ...prepared.fields }, prepared.did);
  } else {
    // Keep serving: /healthz reports the reason, and turns ready once the volume is writable or
    // the database answers (PostgreSQL's migrations are tried again then).
    app.log.warn({ reason: prepared.reason }, store.info.kind === 'file' ? 'data directory not ready' : 'database not ready');
  }

  await app.listen({ host: config.host, port: config.port });
}

main().catch((err: unknown) => {
  process.stderr.write(`berth-notes: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
