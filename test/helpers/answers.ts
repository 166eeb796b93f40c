/**
 * Every answer the suite receives is checked against the declaration of the command it came
 * from (as the Firebase emulators check theirs): a success has the envelope and exactly the
 * fields of the command's response schema, a failure the three envelope fields and nothing else.
 * A field that drifts from its schema fails the test that produced it.
 */
import assert from 'node:assert/strict';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { FailSchema } from '../../src/wire/envelope.ts';
import { buildRegistry } from '../../src/wire/registry.ts';

const registry = buildRegistry();
const checks = new Map<TSchema, TypeCheck<TSchema>>();

function checkerFor(schema: TSchema): TypeCheck<TSchema> {
  let check = checks.get(schema);
  if (check === undefined) {
    check = TypeCompiler.Compile(schema);
    checks.set(schema, check);
  }
  return check;
}

/** Asserts that `answer` is what `service/command` may answer. */
export function checkAnswer(service: string, command: string, answer: unknown): void {
  const declared = registry.get(`${service}/${command}`);
  const failed = (answer as { ErrorCode?: unknown } | null)?.ErrorCode !== 0;
  const schema = failed || declared === undefined ? FailSchema : declared.answer;
  const check = checkerFor(schema);
  if (check.Check(answer)) return;
  const first = check.Errors(answer).First();
  assert.fail(
    `${service}/${command} answered outside its ${failed ? 'failure' : 'response'} schema ` +
      `(${first?.path || '/'}: ${first?.message}): ${JSON.stringify(answer).slice(0, 500)}`,
  );
}
