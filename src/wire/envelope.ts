/**
 * The Tencent envelope: every answer carries ActionStatus, ErrorCode and ErrorInfo (in that
 * order on success, as the cloud answers), always with HTTP 200. The schemas describe the same
 * shapes for the API reference and for the checks of every answer in the tests.
 */
import { type TObject, type TProperties, Type } from '@sinclair/typebox';
import type { ApiError } from '../errors.ts';

export interface Envelope {
  ActionStatus: 'OK' | 'FAIL';
  ErrorCode: number;
  ErrorInfo: string;
  [field: string]: unknown;
}

export function ok(fields: object = {}): Envelope {
  return { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0, ...fields };
}

export function fail(error: ApiError): Envelope {
  return { ActionStatus: 'FAIL', ErrorInfo: error.info, ErrorCode: error.code };
}

/** A success: the envelope with ErrorCode 0 and exactly the command's fields. */
export function okSchema<P extends TProperties>(fields: TObject<P>) {
  return Type.Object(
    {
      ActionStatus: Type.Literal('OK'),
      ErrorInfo: Type.Literal(''),
      ErrorCode: Type.Literal(0),
      ...fields.properties,
    },
    { additionalProperties: false },
  );
}

/** A failure: the three envelope fields and nothing else. */
export const FailSchema = Type.Object(
  {
    ActionStatus: Type.Literal('FAIL'),
    ErrorInfo: Type.String({ minLength: 1 }),
    ErrorCode: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
