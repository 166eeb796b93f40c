/**
 * Opens the configured store for `herald serve` and the CLI, turning every way that can fail into
 * one line naming the setting: HERALD_DATA for SQLite (checked before anything is created),
 * HERALD_DATABASE_URL for PostgreSQL (with its password masked). The store itself knows nothing
 * of settings; this is where its errors meet them.
 */
import { dirname } from 'node:path';
import { openStore, type StoreOptions } from '../store/open.ts';
import type { Store } from '../store/store.ts';
import { checkDataDir } from './data-dir.ts';
import { codeOf, reasonOf, StartupError, settingName, withoutPassword } from './errors.ts';

const DATA = settingName('HERALD_DATA', '--data');
const DATABASE_URL = settingName('HERALD_DATABASE_URL', '--database-url');

/** Node's codes for "nobody answers at that address". */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

export async function openConfiguredStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl) {
    try {
      return await openStore(options);
    } catch (e) {
      throw postgresFailure(options.databaseUrl, e);
    }
  }
  if (options.dataDir === null) return openStore(options);
  const file = checkDataDir(options.dataDir, options.mustExist === true);
  try {
    return await openStore(options);
  } catch (e) {
    throw sqliteFailure(file, e);
  }
}

function postgresFailure(url: string, error: unknown): StartupError {
  const code = codeOf(error);
  const reason = reasonOf(error);
  const where = `${DATABASE_URL} ${withoutPassword(url)}`;
  // SQLSTATE classes: 3D database missing, 28 authorization, 08 connection, 57P03 starting up.
  if (code !== undefined && UNREACHABLE.has(code))
    return new StartupError(`${where} is unreachable (${reason}): start PostgreSQL or correct the host and port`);
  if (/timeout|terminated/i.test(reason) && code === undefined)
    return new StartupError(`${where} does not answer (${reason}): check that PostgreSQL runs at that address`);
  if (code === '3D000')
    return new StartupError(`${where} names a database that does not exist (${reason}): create it or correct the name`);
  if (code?.startsWith('28'))
    return new StartupError(`${where} was refused (${reason}): correct the user and password`);
  if (code?.startsWith('08') || code === '57P03')
    return new StartupError(`${where} cannot be used now (${reason}): check the server and try again`);
  return new StartupError(`${where} cannot be used (${reason})`);
}

function sqliteFailure(file: string, error: unknown): StartupError {
  const code = codeOf(error) ?? '';
  const reason = reasonOf(error);
  const where = `${DATA} ${dirname(file)}: cannot open the database ${file}`;
  if (code === 'SQLITE_NOTADB')
    return new StartupError(
      `${where} (${reason}): it is not a Herald database; move it away or choose another directory`,
    );
  if (code.startsWith('SQLITE_CORRUPT'))
    return new StartupError(`${where} (${reason}): the file is damaged; restore it from a backup`);
  if (code.startsWith('SQLITE_BUSY'))
    return new StartupError(`${where} (${reason}): another process holds it locked; stop that process and start again`);
  if (code.startsWith('SQLITE_READONLY'))
    return new StartupError(`${where} (${reason}): Herald must be able to write it and its directory`);
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('E'))
    return new StartupError(`${where} (${reason}): it must be a file Herald can read and write`);
  return new StartupError(`${where} (${reason})`);
}
