import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NoteNotFoundError, NoteStore } from '../../app/src/store.js';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'berth-store-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

/** Makes the notes directory look untouched for a minute, as after a quiet spell. */
function settle(store: NoteStore) {
  const past = new Date(Date.now() - 60_000);
  utimesSync(store.dir, past, past);
}

describe('two stores on one data directory (two processes during a release)', () => {
  it('each sees the other\'s writes and deletes at once', async () => {
    const a = new NoteStore(dataDir);
    const b = new NoteStore(dataDir);
    const first = await a.create({ title: 'from a', body: '' });
    expect((await b.list()).map((n) => n.id)).toEqual([first.id]);
    const second = await b.create({ title: 'from b', body: '' });
    expect((await a.list()).map((n) => n.title)).toEqual(['from a', 'from b']);
    await b.update(first.id, { title: 'a, edited by b', body: 'x' });
    expect((await a.get(first.id)).title).toBe('a, edited by b');
    expect((await a.list())[0]!.title).toBe('a, edited by b');
    await a.delete(second.id);
    expect((await b.list()).map((n) => n.id)).toEqual([first.id]);
    await expect(b.get(second.id)).rejects.toBeInstanceOf(NoteNotFoundError);
  });

  it('reuses a listing only while the directory is settled and unchanged', async () => {
    const a = new NoteStore(dataDir);
    const b = new NoteStore(dataDir);
    await a.create({ title: 'one', body: '' });
    settle(a);
    const listed = await a.list();
    expect(await a.list()).toBe(listed); // the same array: read from memory, not disk

    await b.create({ title: 'two', body: '' }); // another process changes the directory
    const relisted = await a.list();
    expect(relisted).not.toBe(listed);
    expect(relisted.map((n) => n.title)).toEqual(['one', 'two']);
    // Changed within the last second: not cached, read again every time.
    expect(await a.list()).not.toBe(relisted);
  });
});

describe('writes', () => {
  it('leave only the note file behind (the temporary file is renamed over it)', async () => {
    const store = new NoteStore(dataDir);
    const note = await store.create({ title: 't', body: 'b' });
    await store.update(note.id, { title: 't2', body: 'b2' });
    expect(readdirSync(store.dir)).toEqual([`${note.id}.json`]);
  });

  it('sweep only temporary files older than a minute (a young one may be a live write)', async () => {
    const store = new NoteStore(dataDir);
    await store.readiness();
    const { writeFileSync } = await import('node:fs');
    const young = path.join(store.dir, '.a.json.1.tmp');
    const old = path.join(store.dir, '.b.json.2.tmp');
    writeFileSync(young, '{');
    writeFileSync(old, '{');
    const past = new Date(Date.now() - 120_000);
    utimesSync(old, past, past);
    expect(await store.sweepTempFiles()).toBe(1);
    expect(readdirSync(store.dir)).toEqual(['.a.json.1.tmp']);
  });
});
