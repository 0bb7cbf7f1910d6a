// Which store the server uses: PostgreSQL when the config has a database (PGHOST set), else the
// file store on DATA_DIR, the embedded default.
import type { AppConfig } from './config.js';
import { PgStore } from './pg-store.js';
import { NoteStore, type Store } from './store.js';

export function openStore(config: Pick<AppConfig, 'dataDir' | 'database'>): Store {
  return config.database ? new PgStore(config.database) : new NoteStore(config.dataDir);
}
