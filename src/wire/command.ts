/**
 * A Command is plain data: where it lives on the wire, its schema, the code its schema
 * violations answer with, its default rate limit, and `run`, which adapts the validated body
 * to a service call and shapes the answer's fields.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { ErrorCode } from '../errors.ts';
import type { ServiceContext } from '../services/context.ts';
import { compile, type Validator } from './schemas/validate.ts';

export type ResponseFields = Record<string, unknown>;

export interface Command<T extends TSchema = TSchema> {
  service: string;
  name: string;
  /** Code for a body that does not match the schema (70402 accounts, 6017 official accounts). */
  invalidCode: ErrorCode;
  /** Code for a non-admin caller (70403 on account APIs, 60010 elsewhere). */
  adminCode: ErrorCode;
  /** Documented calls per second per app. */
  defaultRate: number;
  validate: Validator<T>;
  run(ctx: ServiceContext, body: Static<T>): Promise<ResponseFields>;
}

export function defineCommand<T extends TSchema>(spec: Omit<Command<T>, 'validate'> & { schema: T }): Command {
  const { schema, ...rest } = spec;
  return { ...rest, validate: compile(schema) } as unknown as Command;
}

export function commandKey(service: string, name: string): string {
  return `${service}/${name}`;
}
