/**
 * `herald export` / `herald import`: moves every row of a server (apps, accounts, official
 * accounts, subscriptions, messages, webhook events) between stores, e.g. from SQLite to
 * PostgreSQL and back. The file is NDJSON (gzip when the name ends in .gz): a header line, one
 * line per row, and a trailer with the count of every table. Both directions stream, so memory
 * stays flat with millions of rows; the import refuses a store that already holds data, writes
 * in batches, finishes by checking every table's count against the trailer, and empties the
 * store again if anything fails.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { TABLES, type Store, type TableName } from './store/store.ts';

export const EXPORT_FORMAT = 'herald-export';
export const EXPORT_VERSION = 1;
const IMPORT_BATCH = 5000;

export type Counts = Record<TableName, number>;

/**
 * Told how far a transfer is, every PROGRESS_EVERY rows: rows done, and the part done (0–1) when
 * it is known (an export counts its rows first; an import measures the file it has read).
 */
export type TransferProgress = (rows: number, fraction: number | null) => void;
const PROGRESS_EVERY = 100;

async function write(out: Writable, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await once(out, 'drain');
}

export async function exportStore(store: Store, file: string, progress?: TransferProgress): Promise<Counts> {
  let total = 0;
  if (progress) for (const table of TABLES) total += await store.transfer.countRows(table);
  let done = 0;
  const sink = createWriteStream(file);
  const out: Writable = file.endsWith('.gz') ? createGzip() : sink;
  if (out !== sink) out.pipe(sink);
  const counts = Object.fromEntries(TABLES.map((t) => [t, 0])) as Counts;
  await write(
    out,
    JSON.stringify({ format: EXPORT_FORMAT, version: EXPORT_VERSION, source: store.kind, tables: TABLES }),
  );
  for (const table of TABLES) {
    for await (const row of store.transfer.exportRows(table)) {
      await write(out, JSON.stringify({ t: table, r: row }));
      counts[table]++;
      if (progress && ++done % PROGRESS_EVERY === 0) progress(done, total > 0 ? Math.min(1, done / total) : null);
    }
  }
  await write(out, JSON.stringify({ end: true, counts }));
  out.end();
  await finished(sink);
  return counts;
}

export class ImportError extends Error {}

export async function importStore(store: Store, file: string, progress?: TransferProgress): Promise<Counts> {
  for (const table of TABLES) {
    if ((await store.transfer.countRows(table)) > 0)
      throw new ImportError(`the target store is not empty (${table} has rows); import into a new store`);
  }
  try {
    return await loadFile(store, file, progress);
  } catch (e) {
    // The store was empty: a failed import leaves it empty again rather than half-loaded.
    for (const table of [...TABLES].reverse()) await store.transfer.deleteAllRows(table);
    throw e;
  }
}

async function loadFile(store: Store, file: string, progress?: TransferProgress): Promise<Counts> {
  const raw = createReadStream(file);
  const size = progress ? (await stat(file)).size : 0;
  let input: Readable = raw;
  if (file.endsWith('.gz')) input = input.pipe(createGunzip());
  let rows = 0;
  const lines = createInterface({ input, crlfDelay: Infinity });

  const counts = Object.fromEntries(TABLES.map((t) => [t, 0])) as Counts;
  let expected: Counts | null = null;
  let header = false;
  let batchTable: TableName | null = null;
  let batch: Record<string, unknown>[] = [];
  const flush = async () => {
    if (batchTable !== null && batch.length > 0) await store.transfer.importRows(batchTable, batch);
    batch = [];
  };

  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new ImportError(`line ${lineNo} of ${file} is not JSON`);
    }
    const record = parsed as {
      format?: string;
      version?: number;
      t?: TableName;
      r?: Record<string, unknown>;
      end?: boolean;
      counts?: Counts;
    };
    if (!header) {
      if (record.format !== EXPORT_FORMAT) throw new ImportError(`${file} is not a Herald export (line 1)`);
      if (record.version !== EXPORT_VERSION)
        throw new ImportError(`${file} has export version ${record.version}; this Herald reads ${EXPORT_VERSION}`);
      header = true;
      continue;
    }
    if (record.end) {
      expected = record.counts ?? null;
      break;
    }
    if (record.t === undefined || record.r === undefined || !TABLES.includes(record.t))
      throw new ImportError(`line ${lineNo}: not a row of a known table`);
    if (record.t !== batchTable || batch.length >= IMPORT_BATCH) {
      await flush();
      batchTable = record.t;
    }
    batch.push(record.r);
    counts[record.t]++;
    if (progress && ++rows % PROGRESS_EVERY === 0) progress(rows, size > 0 ? Math.min(1, raw.bytesRead / size) : null);
  }
  await flush();
  if (expected === null) throw new ImportError(`${file} ends early (no trailer): the export did not finish`);
  await store.transfer.finishImport();
  for (const table of TABLES) {
    const stored = await store.transfer.countRows(table);
    if (counts[table] !== expected[table] || stored !== expected[table]) {
      throw new ImportError(
        `${table}: the export lists ${expected[table]} rows, ${counts[table]} were read and ${stored} are stored`,
      );
    }
  }
  return counts;
}
