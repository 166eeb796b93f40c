/**
 * A command's TypeBox schema as plain JSON Schema 2020-12, the dialect of OpenAPI 3.1. TypeBox
 * marks its schemas with symbol keys (not copied here, as JSON.stringify would drop them), and
 * Herald's schemas carry `errorMessage` (the ErrorInfo a broken bound answers, schema/fields.ts),
 * which is no JSON Schema keyword. OpenAPI 3.1 accepts other keywords only as `x-` extensions, so
 * any keyword outside the vocabulary is renamed `x-<keyword>`: the reference keeps the texts and
 * stays valid. The result is a fresh copy that shares nothing with the declarations.
 */

export type JsonSchema = { [keyword: string]: unknown };

/** JSON Schema 2020-12 (core, applicator, unevaluated, validation, meta-data, format, content) and OpenAPI's additions. */
export const JSON_SCHEMA_KEYWORDS: ReadonlySet<string> = new Set([
  '$schema',
  '$id',
  '$ref',
  '$anchor',
  '$dynamicRef',
  '$dynamicAnchor',
  '$vocabulary',
  '$comment',
  '$defs',
  'prefixItems',
  'items',
  'contains',
  'additionalProperties',
  'properties',
  'patternProperties',
  'dependentSchemas',
  'propertyNames',
  'if',
  'then',
  'else',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'unevaluatedItems',
  'unevaluatedProperties',
  'type',
  'const',
  'enum',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxContains',
  'minContains',
  'maxProperties',
  'minProperties',
  'required',
  'dependentRequired',
  'title',
  'description',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
  'examples',
  'format',
  'contentEncoding',
  'contentMediaType',
  'contentSchema',
  // OpenAPI 3.1's Schema Object
  'discriminator',
  'xml',
  'externalDocs',
  'example',
]);

/** Keywords whose value is a schema, a list of schemas, or a map of names to schemas. */
const ONE_SCHEMA = new Set([
  'items',
  'additionalProperties',
  'not',
  'contains',
  'propertyNames',
  'if',
  'then',
  'else',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contentSchema',
]);
const SCHEMA_LIST = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SCHEMA_MAP = new Set(['properties', 'patternProperties', '$defs', 'dependentSchemas']);

/** A JSON value (const, enum, default, examples…), copied. */
function copyValue(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function convert(schema: unknown): unknown {
  // `true` / `false` are schemas too.
  if (typeof schema === 'boolean') return schema;
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw new TypeError(`not a schema: ${JSON.stringify(schema)}`);
  }
  const source = schema as JsonSchema;
  const out: JsonSchema = {};
  for (const [keyword, value] of Object.entries(source)) {
    if (value === undefined) continue;
    // A TypeBox Tuple writes the draft-07 form (items: [...], additionalItems): 2020-12 says prefixItems.
    if (keyword === 'items' && Array.isArray(value)) {
      out.prefixItems = value.map(convert);
      if (source.additionalItems === false) out.items = false;
    } else if (keyword === 'additionalItems' && Array.isArray(source.items)) {
      // folded into items above
    } else if (ONE_SCHEMA.has(keyword)) out[keyword] = convert(value);
    else if (SCHEMA_LIST.has(keyword)) out[keyword] = (value as unknown[]).map(convert);
    else if (SCHEMA_MAP.has(keyword)) {
      out[keyword] = Object.fromEntries(Object.entries(value as JsonSchema).map(([name, s]) => [name, convert(s)]));
    } else if (JSON_SCHEMA_KEYWORDS.has(keyword)) out[keyword] = copyValue(value);
    else out[keyword.startsWith('x-') ? keyword : `x-${keyword}`] = copyValue(value);
  }
  return out;
}

export function toJsonSchema(schema: object): JsonSchema {
  return convert(schema) as JsonSchema;
}
