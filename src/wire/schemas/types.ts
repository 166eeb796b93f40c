/** Building blocks shared by every command's schema. */
import { Type, type IntegerOptions } from '@sinclair/typebox';

/**
 * An integer both stores can hold exactly: JSON allows 1e308, SQL does not. Every integer field
 * of every command uses this, so no number can overflow a query.
 */
export function SafeInteger(options: IntegerOptions = {}) {
  return Type.Integer({ minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER, ...options });
}
