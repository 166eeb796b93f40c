/**
 * Fields of a request body that its command does not know. Tencent ignores them, and so does
 * Herald by default, but a misspelt field is then silently dropped (`Official_Account` on create
 * answers OK with a generated ID). So Herald names them: in the access log and a response header
 * (HERALD_UNKNOWN_FIELDS=warn, the default), or as a refusal (reject).
 */
import type { TSchema } from '@sinclair/typebox';

interface ObjectLike {
  properties?: Record<string, TSchema>;
  additionalProperties?: unknown;
  patternProperties?: unknown;
  items?: TSchema;
  type?: unknown;
}

/** A field the schema does not declare: where it is, and the fields declared beside it. */
export interface UnknownField {
  path: string;
  name: string;
  declared: string[];
}

/** The fields in `value` that `schema` does not declare (in objects and arrays of objects). */
export function unknownFields(schema: TSchema, value: unknown): UnknownField[] {
  const found: UnknownField[] = [];
  collect(schema as ObjectLike, value, [], found);
  return found;
}

/**
 * Walks `value` beside `schema`. `at` is the path so far as segments (a key, or an array index),
 * joined into text only for a field that is reported: every call walks its whole body, and
 * nearly every body is all known fields.
 */
function collect(s: ObjectLike, value: unknown, at: (string | number)[], found: UnknownField[]): void {
  if (Array.isArray(value)) {
    if (s.items === undefined) return;
    for (let i = 0; i < value.length; i++) {
      at.push(i);
      collect(s.items as ObjectLike, value[i], at, found);
      at.pop();
    }
    return;
  }
  if (value === null || typeof value !== 'object' || s.properties === undefined) return;
  // A record (any key allowed) or a schema that says what extra keys mean is not checked.
  if (s.additionalProperties !== undefined || s.patternProperties !== undefined) return;
  const properties = s.properties;
  for (const key of Object.keys(value)) {
    const declared = properties[key];
    at.push(key);
    if (declared === undefined) found.push({ path: pathText(at), name: key, declared: Object.keys(properties) });
    else collect(declared as ObjectLike, (value as Record<string, unknown>)[key], at, found);
    at.pop();
  }
}

/** `a.b[2].c`, as the access log and the refusal name a field. */
function pathText(at: readonly (string | number)[]): string {
  let text = '';
  for (const segment of at) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text;
}

function words(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/** Edits (insert, delete, replace) between two short names. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The declared field a misspelt one most likely meant: the one sharing most words with it
 * (`Official_Account` → `OfficialAccountUserID`), else one it starts with or that starts with it
 * (`Nickname` → `Nick`), else one within two edits of it, ignoring case.
 */
export function closestField(name: string, declared: readonly string[]): string | undefined {
  const mine = new Set(words(name));
  let best: { field: string; shared: number } | undefined;
  for (const field of declared) {
    const shared = words(field).filter((w) => mine.has(w)).length;
    if (shared > 0 && (best === undefined || shared > best.shared)) best = { field, shared };
  }
  if (best !== undefined) return best.field;
  const lower = name.toLowerCase();
  return (
    declared.find((f) => f.length >= 3 && (lower.startsWith(f.toLowerCase()) || f.toLowerCase().startsWith(lower))) ??
    declared.find((f) => distance(lower, f.toLowerCase()) <= 2)
  );
}

/** The refusal text for an unknown field: what it is not, and what it may have meant. */
export function unknownFieldProblem(field: UnknownField, command: string): string {
  const guess = closestField(field.name, field.declared);
  return `${field.path} is not a field of ${command}${guess ? ` (did you mean ${guess}?)` : ''}`;
}
