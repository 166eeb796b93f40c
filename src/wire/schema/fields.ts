/** Building blocks shared by the commands' request and response schemas. */
import {
  type IntegerOptions,
  type StringOptions,
  type TLiteral,
  type TSchema,
  type TUnion,
  Type,
} from '@sinclair/typebox';

/**
 * An integer both stores can hold exactly: JSON allows 1e308, SQL does not. Every integer field
 * of every request uses this, so no number can overflow a query.
 */
export function SafeInteger(options: IntegerOptions & Messages = {}) {
  return Type.Integer({ minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER, ...options });
}

/**
 * The ErrorInfo a failed bound answers with (validate.ts), instead of TypeBox's own text: one
 * text for every bound, or one per keyword. A value of the wrong JSON type still gets TypeBox's
 * "Expected …" text, so the two cases stay distinguishable.
 */
export type ErrorMessage =
  | string
  | Partial<Record<'minimum' | 'maximum' | 'minItems' | 'maxItems' | 'minLength' | 'maxLength' | 'enum', string>>;
interface Messages {
  errorMessage?: ErrorMessage;
}

export function Text(options: StringOptions & Messages = {}) {
  return Type.String(options);
}

/** A string that must be one of `values` (an enum in the API reference). */
export function OneOf<const V extends readonly [string, ...string[]]>(
  values: V,
  errorMessage: string,
): TUnion<TLiteral<V[number]>[]> {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    { errorMessage },
  );
}

/** 1 to `max` items, with the texts Herald has always answered. */
export function Batch<T extends TSchema>(item: T, max: number, what: string, name: string) {
  return Type.Array(item, {
    minItems: 1,
    maxItems: max,
    errorMessage: { minItems: `${name} must not be empty`, maxItems: `${name} holds at most ${max} ${what}` },
  });
}

export const UserId = Type.String({ description: 'UserID of an imported account: 1–32 bytes of printable ASCII' });
export const OfficialAccountId = Type.String({ description: 'OfficialAccountUserID (`@TOA#_…`)' });
