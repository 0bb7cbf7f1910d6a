// Entry point: read the environment, serve, and shut down cleanly on SIGTERM/SIGINT.
import { ConfigError, parseConfig } from './config.js';
import { buildServer } from './server.js';
import { NoteStore } from './store.js';

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

  const store = new NoteStore(config.dataDir);
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
      () => {
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

  const ready = await store.readiness();
  if (ready.ok) {
    const swept = await store.sweepTempFiles();
    if (swept > 0) app.log.info({ swept }, 'removed temporary files left by an interrupted write');
  } else {
    // Keep serving: /healthz reports the reason, and turns ready once the volume is writable.
    app.log.warn({ reason: ready.reason }, 'data directory not ready');
  }

  await app.listen({ host: config.host, port: config.port });
}

main().catch((err: unknown) => {
  process.stderr.write(`berth-notes: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
