/**
 * Compiles each command's schema once (TypeBox's JIT compiler) and turns the first violation
 * into one readable line, e.g. `Owner_Account: Expected string`.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

export type Validator<T extends TSchema> = (
  body: unknown,
) => { ok: true; value: Static<T> } | { ok: false; problem: string };

export function compile<T extends TSchema>(schema: T): Validator<T> {
  const checker = TypeCompiler.Compile(schema);
  return (body) => {
    if (checker.Check(body)) return { ok: true, value: body };
    const first = checker.Errors(body).First();
    const path = first?.path.replace(/^\//, '').replace(/\//g, '.') || 'body';
    return { ok: false, problem: `${path}: ${first?.message ?? 'invalid'}` };
  };
}
