/**
 * Checks the SQLite data directory (HERALD_DATA / --data) before anything is created in it, so a
 * mistyped path fails with one line instead of a raw system error. Without these checks, a
 * recursive mkdir under /proc never returns (the kernel answers ENOENT for a parent that exists),
 * and a read-only command on a mistyped path would leave an empty database behind.
 */
import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { SQLITE_FILE } from '../store/sqlite.ts';
import { StartupError, settingName } from './errors.ts';

const DATA = settingName('HERALD_DATA', '--data');

/** File systems the kernel makes up: nothing Herald writes there is kept, and some calls there never return. */
const KERNEL_ROOTS = ['/proc', '/sys', '/dev'];
/** Inside /dev, the one place meant for ordinary files (a tmpfs). */
const KERNEL_EXCEPTIONS = ['/dev/shm'];

function inside(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

/** The nearest part of `path` that exists, and the names below it that do not (yet). */
function nearestExisting(path: string): { existing: string; missing: string[] } {
  const missing: string[] = [];
  let existing = path;
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) break;
    missing.unshift(basename(existing));
    existing = parent;
  }
  return { existing, missing };
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Throws a StartupError naming HERALD_DATA unless `dir` can hold Herald's database: not inside
 * /proc, /sys or /dev, not a file, and (when it is to be created or written) writable. With
 * `mustExist`, the database file must already be there: read-only commands create nothing.
 * Answers the absolute path of the database file.
 */
export function checkDataDir(dir: string, mustExist: boolean): string {
  const path = resolve(dir);
  const { existing, missing } = nearestExisting(path);
  // Through symbolic links too: a link into /proc is as bad as /proc itself.
  const real = join(realpathOr(existing), ...missing);
  const root = KERNEL_ROOTS.find((r) => inside(real, r) && !KERNEL_EXCEPTIONS.some((e) => inside(real, e)));
  if (root !== undefined) {
    throw new StartupError(
      `${DATA} ${path} is inside ${root}, which the kernel provides and which cannot hold a database: choose a directory elsewhere`,
    );
  }
  if (!statSync(existing).isDirectory()) {
    throw new StartupError(
      existing === path
        ? `${DATA} ${path} is a file, not a directory: choose a directory (Herald creates it if it is missing)`
        : `${DATA} ${path} cannot be created: ${existing} is a file, not a directory`,
    );
  }
  const file = join(path, SQLITE_FILE);
  if (mustExist) {
    if (!existsSync(file)) {
      throw new StartupError(
        `no Herald database at ${file}: point ${DATA} at the data directory of a Herald server (nothing was created)`,
      );
    }
    return file;
  }
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'not writable';
    throw new StartupError(
      existing === path
        ? `${DATA} ${path} is not writable (${code}): make it writable for Herald or choose another directory`
        : `${DATA} ${path} cannot be created: ${existing} is not writable (${code})`,
    );
  }
  return file;
}
