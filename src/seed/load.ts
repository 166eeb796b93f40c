/** Reading and checking a seed, from a file or an object; every problem names where it is. */
import { readFileSync } from 'node:fs';
import { compile } from '../wire/schema/validate.ts';
import { type Seed, SeedSchema } from './schema.ts';

/** A seed that cannot be applied; the message names the seed (its file) and the field. */
export class SeedError extends Error {}

const validate = compile(SeedSchema);

/** `officialAccounts.0.Owner_Account` → `officialAccounts[0].Owner_Account`. */
export function fieldPath(path: string): string {
  return path.replace(/\.(\d+)(?=\.|:|$)/g, '[$1]');
}

/** How errors name the seed: its file, or "seed" for an object given in process. */
export function seedLabel(source: string | Seed): string {
  return typeof source === 'string' ? `seed file ${source}` : 'seed';
}

export function loadSeed(source: string | Seed): Seed {
  const label = seedLabel(source);
  let value: unknown = source;
  if (typeof source === 'string') {
    let text: string;
    try {
      text = readFileSync(source, 'utf8');
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
      throw new SeedError(`${label} (HERALD_SEED / --seed) cannot be read: ${reason}`);
    }
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new SeedError(`${label} is not JSON: ${(e as Error).message}`);
    }
  }
  const checked = validate(value);
  if (!checked.ok) throw new SeedError(`${label}: ${fieldPath(checked.problem)}`);
  return checked.value;
}
