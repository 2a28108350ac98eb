/**
 * Values an attacker sends instead of what a schema asks for: MongoDB operators,
 * prototype-pollution keys, path traversal, shell metacharacters, NUL and odd
 * unicode, huge strings, deep nesting, wrong types. The fuzz test mixes them
 * into every field, parameter and body; the console must answer each with a
 * 4xx (or accept it harmlessly), never a 5xx.
 */
import fc from 'fast-check';

const HUGE_STRING_LENGTH = 100_000;

/** Nested `depth` levels deep: [[[…]]] or {"a":{"a":…}}. JSON.parse has no depth limit, so the console must cope. */
export function deeplyNested(depth: number, kind: 'array' | 'object'): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level += 1) value = kind === 'array' ? [value] : { a: value };
  return value;
}

export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '/etc/shadow',
  '..\\..\\windows\\win.ini',
  '; rm -rf / #',
  '$(id)',
  '`id`',
  '| cat /etc/passwd',
  '&& shutdown -h now',
  "' OR '1'='1",
  '{"$gt":""}',
  '$where',
  '$gt',
  'a\u0000b',
  '\u0000',
  '\u202Eevil\u202C',
  '\uFEFF',
  '\uD800',
  '😀'.repeat(300),
  'Ω≈ç√∫˜µ≤≥÷',
  '<script>alert(1)</script>',
  '%00',
  '%s%s%s%n',
  '\r\nSet-Cookie: injected=1',
  'x'.repeat(HUGE_STRING_LENGTH),
  '-1',
  '1e309',
  'NaN',
  'null',
  'true',
  '__proto__',
  'constructor',
  'prototype',
];

/** Objects that probe query building and object merging. */
export const HOSTILE_OBJECTS: readonly unknown[] = [
  { $gt: '' },
  { $ne: null },
  { $where: 'sleep(5000) || true' },
  { $regex: '.*' },
  { $expr: { $eq: [1, 1] } },
  JSON.parse('{"__proto__":{"polluted":"yes"}}'),
  { constructor: { prototype: { polluted: 'yes' } } },
  { 'a.b': 1, $set: { role: 'admin' } },
  deeplyNested(2_000, 'object'),
  deeplyNested(2_000, 'array'),
  Array.from({ length: 5_000 }, (_, index) => index),
  {},
  [],
];

/** Wrong-typed and boundary scalars. */
export const HOSTILE_SCALARS: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  -0,
  2 ** 53 + 1,
  1e308,
  -1e308,
  0.1,
  Number.MAX_SAFE_INTEGER,
];

/** Any hostile value: a string, an object or a wrong-typed scalar. */
export function hostileValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(...HOSTILE_STRINGS),
    fc.constantFrom(...HOSTILE_OBJECTS),
    fc.constantFrom(...HOSTILE_SCALARS),
    fc.string({ unit: 'binary', maxLength: 64 }),
    fc.jsonValue({ maxDepth: 3 }),
  );
}

/** A hostile string for places that only carry text (path segments, query values). */
export function hostileText(): fc.Arbitrary<string> {
  return fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ unit: 'binary', maxLength: 64 }), fc.constantFrom(...HOSTILE_OBJECTS.slice(0, 8).map((value) => JSON.stringify(value))));
}

/** Request bodies that are not the JSON the route expects at all. */
export const MALFORMED_BODIES: readonly string[] = [
  '{',
  '{"a":',
  '}{',
  "{'single':'quotes'}",
  '{"a":1,}',
  'null',
  '[]',
  '"just a string"',
  '12',
  'true',
  '\u0000',
  '{"__proto__":{"isAdmin":true}}',
  '{"constructor":{"prototype":{"isAdmin":true}}}',
  '{"a":"\\ud800"}',
  '{"a":1e99999}',
  `{"a":"${'x'.repeat(300 * 1024)}"}`,
  '['.repeat(50_000) + ']'.repeat(50_000),
];
