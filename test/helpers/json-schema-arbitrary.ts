/**
 * fast-check arbitraries from the JSON Schemas of the console's OpenAPI document
 * (zod 4's z.toJSONSchema output: type, properties, required, enum, const,
 * anyOf, items, min/max lengths and sizes, pattern, format uuid/date-time).
 *
 * `schemaValue(schema)` mostly produces values the schema accepts, so requests
 * get past validation into the services, and mixes in at every level values it
 * does not (hostile-values.ts), unknown fields and missing required fields, so
 * validation itself is attacked too.
 */
import fc from 'fast-check';
import { hostileValue } from './hostile-values.js';

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
};

const MAX_DEPTH = 6;

/** Shared ids of real objects (sensors, sites, users…) the fuzzer may aim at, so requests reach past "not found". */
export interface FuzzPools {
  ids: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The pooled ids a string schema accepts (by its pattern and uuid format), so a real id is not wasted on a 400. */
export function idsFitting(schema: JsonSchema, pools: FuzzPools): string[] {
  let pattern: RegExp | null = null;
  try {
    pattern = schema.pattern === undefined ? null : new RegExp(schema.pattern);
  } catch {
    pattern = null;
  }
  return pools.ids.filter((id) => (pattern === null || pattern.test(id)) && (schema.format !== 'uuid' || UUID.test(id)));
}

function stringValue(schema: JsonSchema, pools: FuzzPools): fc.Arbitrary<string> {
  const fitting = idsFitting(schema, pools);
  if (schema.format === 'uuid') return fitting.length > 0 ? fc.oneof(fc.uuid(), fc.constantFrom(...fitting)) : fc.uuid();
  if (schema.format === 'date-time') return fc.date({ min: new Date('1970-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((date) => date.toISOString());
  if (schema.format === 'email') return fc.emailAddress();
  if (schema.pattern !== undefined) {
    try {
      return fc.stringMatching(new RegExp(schema.pattern)).filter((text) => text.length <= (schema.maxLength ?? 10_000));
    } catch {
      // A pattern fast-check cannot generate from: fall through to free text.
    }
  }
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? 64, Math.max(minLength, 64));
  return fc.oneof(
    fc.string({ minLength, maxLength }),
    fc.string({ unit: 'grapheme', minLength, maxLength }),
    fitting.length > 0 ? fc.constantFrom(...fitting) : fc.constant('x'.repeat(Math.max(1, minLength))),
  );
}

function numberValue(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1_000_000);
  const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 1_000_000);
  const low = Math.max(min, -Number.MAX_SAFE_INTEGER);
  const high = Math.min(max, Number.MAX_SAFE_INTEGER);
  if (integer) return fc.integer({ min: Math.ceil(low), max: Math.floor(Math.max(low, high)) });
  return fc.double({ min: low, max: Math.max(low, high), noNaN: true, noDefaultInfinity: true });
}

function objectValue(schema: JsonSchema, pools: FuzzPools, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) model[name] = schemaValue(property, pools, depth + 1);
  const known = fc.record(model, { requiredKeys: [...required].filter((name) => name in model) });
  const open = schema.additionalProperties !== false && Object.keys(properties).length === 0;
  const extras = open
    ? fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), schemaValue(typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {}, pools, depth + 1), { maxKeys: 4 })
    : fc.constant({});
  return fc.tuple(known, extras, rarely(fc.constantFrom('unknownField', '__proto__', 'constructor', '$where', 'a.b')), hostileValue()).map(
    ([record, extra, unknownKey, unknownValue]) => {
      const value: Record<string, unknown> = { ...extra, ...record };
      // defineProperty, so '__proto__' becomes an own key that JSON.stringify sends.
      if (unknownKey !== null) Object.defineProperty(value, unknownKey, { value: unknownValue, enumerable: true, configurable: true, writable: true });
      return value;
    },
  );
}

/** A value `schema` accepts (as far as JSON Schema can say: refinements in code may still refuse it). */
export function validValue(schema: JsonSchema, pools: FuzzPools, depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum !== undefined && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives !== undefined && alternatives.length > 0) return fc.oneof(...alternatives.map((alternative) => schemaValue(alternative, pools, depth)));
  const types = schema.type === undefined ? [] : ([] as string[]).concat(schema.type);
  if (types.length > 1) return fc.oneof(...types.map((type) => validValue({ ...schema, type }, pools, depth)));
  if (depth >= MAX_DEPTH) return fc.constant(null);
  switch (types[0]) {
    case 'string':
      return stringValue(schema, pools);
    case 'integer':
      return numberValue(schema, true);
    case 'number':
      return numberValue(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schemaValue(schema.items ?? {}, pools, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 8, Math.max(schema.minItems ?? 0, 8)),
      });
    case 'object':
      return objectValue(schema, pools, depth);
    default:
      // No type: anything JSON can carry.
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** null nine times out of ten, a value of `arbitrary` otherwise. */
export function rarely<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });
}

/**
 * A value for `schema`: at the top valid four times out of five, nested fields
 * valid nine times out of ten, hostile otherwise. Most requests get past
 * validation into the services; every field is attacked now and then.
 */
export function schemaValue(schema: JsonSchema, pools: FuzzPools, depth = 0): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: depth === 0 ? 4 : 9, arbitrary: validValue(schema, pools, depth) }, { weight: 1, arbitrary: hostileValue() });
}
