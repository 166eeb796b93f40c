/**
 * Whether the operating system still lets this process write the store's files. SQLite writes
 * through descriptors opened at start, so a file system remounted read-only (or a file made
 * immutable) is only noticed when a commit fails, and a database file deleted or moved away keeps
 * taking writes that are lost at the next start. access(2) reports all of these without writing:
 * EROFS and EPERM even for root.
 */
import { access, constants } from 'node:fs/promises';

export interface StoreFile {
  path: string;
  /** A missing required file means the database was deleted or moved while in use. */
  required: boolean;
}

/** Throws an Error whose message says which file cannot be written, and why. */
export async function checkFilesWritable(files: readonly StoreFile[]): Promise<void> {
  for (const file of files) {
    try {
      await access(file.path, constants.W_OK);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOENT') {
        if (!file.required) continue;
        throw new Error(`${file.path} is gone (deleted or moved while in use): writes would be lost`);
      }
      // "EROFS: read-only file system, access '…'" → "EROFS: read-only file system"
      const why = e instanceof Error ? (e.message.split(',')[0] ?? e.message) : String(e);
      throw new Error(`${file.path} cannot be written (${why})`);
    }
  }
}
