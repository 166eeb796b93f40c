/**
 * Compiles a schema once (TypeBox's JIT compiler) and turns the first violation into one
 * readable line: the schema's own `errorMessage` for a failed bound or enum (fields.ts), else
 * `path: TypeBox's message`, e.g. `Owner_Account: Expected string`.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors';
import type { ErrorMessage } from './fields.ts';

export type Validator<T extends TSchema> = (
  body: unknown,
) => { ok: true; value: Static<T> } | { ok: false; problem: string };

/** Violations that a schema's `errorMessage` speaks for, by the keyword that names them there. */
const BOUNDS: Partial<Record<ValueErrorType, string>> = {
  [ValueErrorType.IntegerMinimum]: 'minimum',
  [ValueErrorType.IntegerMaximum]: 'maximum',
  [ValueErrorType.NumberMinimum]: 'minimum',
  [ValueErrorType.NumberMaximum]: 'maximum',
  [ValueErrorType.ArrayMinItems]: 'minItems',
  [ValueErrorType.ArrayMaxItems]: 'maxItems',
  [ValueErrorType.StringMinLength]: 'minLength',
  [ValueErrorType.StringMaxLength]: 'maxLength',
  [ValueErrorType.Union]: 'enum',
};

function customMessage(error: ValueError): string | undefined {
  const keyword = BOUNDS[error.type];
  const message = (error.schema as { errorMessage?: ErrorMessage }).errorMessage;
  if (keyword === undefined || message === undefined) return undefined;
  return typeof message === 'string' ? message : message[keyword as keyof typeof message];
}

export function compile<T extends TSchema>(schema: T): Validator<T> {
  const checker = TypeCompiler.Compile(schema);
  return (body) => {
    if (checker.Check(body)) return { ok: true, value: body };
    const first = checker.Errors(body).First();
    if (first === undefined) return { ok: false, problem: 'body: invalid' };
    const custom = customMessage(first);
    if (custom !== undefined) return { ok: false, problem: custom };
    const path = first.path.replace(/^\//, '').replace(/\//g, '.') || 'body';
    return { ok: false, problem: `${path}: ${first.message}` };
  };
}
