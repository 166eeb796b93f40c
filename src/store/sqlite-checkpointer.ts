/**
 * WAL checkpoints on a worker thread. SQLite's automatic checkpoint runs inside the commit that
 * pushes the WAL past 1,000 pages, on the committing connection: that commit copies the pages
 * back into the database file and waits for two fsyncs (10–20 ms on this machine), and on the
 * one connection Herald serves from, the event loop waits with it. Here a worker thread with its
 * own connection runs PASSIVE checkpoints (never blocking readers or writers) a few times a
 * second, so the copying and the fsyncs happen off the event loop.
 *
 * The serving connection keeps an automatic checkpoint as a backstop, at a higher threshold: a
 * WAL only starts over from its beginning when a write finds every frame already copied, which a
 * checkpoint running beside a steady stream of writes may never leave behind. The backstop finds
 * nearly everything copied already, so it costs little when it fires and keeps the WAL bounded
 * (about 16 MB). If the worker fails, the connection goes back to SQLite's default.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** Pages in the WAL before the serving connection checkpoints by itself (SQLite's default is 1,000). */
const BACKSTOP_PAGES = 4000;
const SQLITE_DEFAULT_PAGES = 1000;
/** Checkpoint this often while writes arrive, and back off to the idle interval when none do. */
const BUSY_INTERVAL_MS = 20;
const IDLE_INTERVAL_MS = 250;
const STOP_TIMEOUT_MS = 2000;

// Plain JavaScript evaluated by the worker: one source file in both the tsx and the bundled build.
// `log` is the WAL's size in frames; an unchanged, fully copied WAL means nothing was written.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
let timer;
let lastLog = -1;
function tick() {
  let interval = workerData.idleMs;
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    if (result.log !== lastLog || result.checkpointed < result.log) interval = workerData.busyMs;
    lastLog = result.log;
  } catch {
    // SQLITE_BUSY: another checkpoint (the backstop, or a CLI process) is running. Try again soon.
    interval = workerData.busyMs;
  }
  timer = setTimeout(tick, interval);
}
tick();
parentPort.on('message', () => {
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;

export class BackgroundCheckpointer {
  private constructor(
    private readonly worker: Worker,
    private readonly exited: Promise<void>,
  ) {}

  /** Starts checkpointing `file` (a WAL-mode database) beside `connection`, the serving one. */
  static start(file: string, connection: Database.Database): BackgroundCheckpointer {
    connection.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        file,
        busyMs: BUSY_INTERVAL_MS,
        idleMs: IDLE_INTERVAL_MS,
      },
    });
    // A forgotten close must not keep the process alive.
    worker.unref();
    const exited = new Promise<void>((resolve) => {
      worker.once('error', () => {
        if (connection.open) connection.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_PAGES}`);
      });
      worker.once('exit', () => resolve());
    });
    return new BackgroundCheckpointer(worker, exited);
  }

  /**
   * Closes the worker's connection before the serving one closes, so that the last connection to
   * close is the serving one: SQLite then checkpoints everything and removes the WAL file.
   */
  async stop(): Promise<void> {
    this.worker.postMessage('stop');
    const timeout = setTimeout(() => void this.worker.terminate(), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timeout);
  }
}
