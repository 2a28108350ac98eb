/**
 * Fuzz requests for every operation of the console's OpenAPI document
 * (`GET /api/v1/openapi.json`, rendered from the route catalogue): path
 * parameters, query strings and JSON bodies are generated from the operation's
 * own schemas (json-schema-arbitrary.ts) and mixed with hostile text, unknown
 * and repeated query parameters, malformed or oversized bodies and the wrong
 * content type. A route added to the catalogue is fuzzed without touching this.
 */
import https from 'node:https';
import fc from 'fast-check';
import { MALFORMED_BODIES, hostileText, hostileValue } from './hostile-values.js';
import { idsFitting, rarely, schemaValue, validValue, type FuzzPools, type JsonSchema } from './json-schema-arbitrary.js';

export interface FuzzOperation {
  method: string;
  /** OpenAPI path, e.g. /api/v1/sensors/{sensorId}. */
  path: string;
  permission: string;
  pathParams: Array<{ name: string; schema: JsonSchema }>;
  queryParams: Array<{ name: string; schema: JsonSchema }>;
  body: JsonSchema | null;
}

export interface FuzzRequest {
  method: string;
  /** Path and query string below the console's origin, encoded. */
  url: string;
  /** A JSON value to send, or raw text (malformed bodies), or nothing. */
  body: { json: unknown } | { raw: string } | null;
  contentType: string | null;
}

interface OpenApiOperation {
  'x-permission': string;
  parameters?: Array<{ name: string; in: 'path' | 'query'; schema: JsonSchema }>;
  requestBody?: { content: { 'application/json': { schema: JsonSchema } } };
}

export function operationsOf(document: { paths: Record<string, Record<string, OpenApiOperation>> }): FuzzOperation[] {
  const operations: FuzzOperation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const parameters = operation.parameters ?? [];
      operations.push({
        method: method.toUpperCase(),
        path,
        permission: operation['x-permission'],
        pathParams: parameters.filter((parameter) => parameter.in === 'path').map(({ name, schema }) => ({ name, schema })),
        queryParams: parameters.filter((parameter) => parameter.in === 'query').map(({ name, schema }) => ({ name, schema })),
        body: operation.requestBody?.content['application/json'].schema ?? null,
      });
    }
  }
  return operations;
}

/** Query strings and path segments carry text: non-strings are sent as their JSON. */
function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
}

function pathValue(schema: JsonSchema, pools: FuzzPools): fc.Arbitrary<string> {
  const fitting = idsFitting(schema, pools);
  const pooled = fitting.length > 0 ? [{ weight: 5, arbitrary: fc.constantFrom(...fitting) }] : [];
  return fc.oneof(...pooled, { weight: 2, arbitrary: validValue(schema, pools, 0).map(asText) }, { weight: 1, arbitrary: hostileText() });
}

/** Each parameter present one time in three, valid nine times out of ten; now and then an unknown, odd or repeated one. */
function queryString(operation: FuzzOperation, pools: FuzzPools): fc.Arbitrary<string> {
  const params = operation.queryParams.map(({ name, schema }) =>
    fc
      .oneof(
        { weight: 2, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.oneof({ weight: 9, arbitrary: validValue(schema, pools, 0).map(asText) }, { weight: 1, arbitrary: hostileText() }) },
      )
      .map((value): Array<[string, string]> => (value === null ? [] : [[name, value]])),
  );
  const extras = fc.array(
    fc.tuple(fc.oneof(fc.constantFrom('unknown', '$where', '__proto__', 'constructor', 'a[$gt]', ...operation.queryParams.map((param) => param.name)), fc.string({ maxLength: 8 })), hostileText()),
    { minLength: 1, maxLength: 2 },
  );
  return fc.tuple(fc.tuple(...params), rarely(extras)).map(([chosen, extra]) => {
    const search = new URLSearchParams();
    for (const [name, value] of [...chosen.flat(), ...(extra ?? [])]) search.append(name, value);
    const text = search.toString();
    return text.length > 0 ? `?${text}` : '';
  });
}

function requestBody(operation: FuzzOperation, pools: FuzzPools): fc.Arbitrary<{ body: FuzzRequest['body']; contentType: string | null }> {
  const json = (arbitrary: fc.Arbitrary<unknown>) => arbitrary.map((value) => ({ body: { json: value }, contentType: 'application/json' }));
  const malformed = fc.constantFrom(...MALFORMED_BODIES).map((raw) => ({ body: { raw }, contentType: 'application/json' }));
  const wrongType = fc
    .tuple(fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data; boundary=x'), fc.jsonValue({ maxDepth: 2 }))
    .map(([contentType, value]) => ({ body: { raw: JSON.stringify(value) ?? 'null' }, contentType }));
  if (operation.body === null) {
    return fc.oneof({ weight: 6, arbitrary: fc.constant({ body: null, contentType: null }) }, { weight: 1, arbitrary: json(hostileValue()) }, { weight: 1, arbitrary: malformed });
  }
  return fc.oneof({ weight: 8, arbitrary: json(schemaValue(operation.body, pools)) }, { weight: 1, arbitrary: malformed }, { weight: 1, arbitrary: wrongType });
}

/** Percent-encodes every byte but the unreserved ones; unlike encodeURIComponent it takes lone surrogates (as U+FFFD). */
function encodePathSegment(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((byte) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

export function requestArbitrary(operation: FuzzOperation, pools: FuzzPools): fc.Arbitrary<FuzzRequest> {
  const segments = operation.pathParams.map(({ schema }) => pathValue(schema, pools));
  return fc.tuple(fc.tuple(...segments), queryString(operation, pools), requestBody(operation, pools)).map(([values, query, { body, contentType }]) => {
    let path = operation.path;
    operation.pathParams.forEach(({ name }, index) => {
      path = path.replace(`{${name}}`, encodePathSegment(values[index] ?? ''));
    });
    return { method: operation.method, url: `${path}${query}`, body, contentType };
  });
}

/** A one-line description of a request for failure reports (bodies shortened). */
export function describeRequest(request: FuzzRequest): string {
  const body = request.body === null ? '' : 'json' in request.body ? JSON.stringify(request.body.json) ?? 'undefined' : request.body.raw;
  return `${request.method} ${request.url.slice(0, 300)}${request.contentType ? ` [${request.contentType}]` : ''}${body ? ` ${body.slice(0, 400)}${body.length > 400 ? `… (${body.length} chars)` : ''}` : ''}`;
}

export interface RawResponse {
  status: number;
  text: string;
}

/**
 * Sends a fuzz request and resolves with status and text whatever comes back
 * (no JSON parsing: exports stream NDJSON or CSV). Rejects only when the
 * connection fails or no answer arrives within `timeoutMs`.
 */
export function sendFuzzRequest(baseUrl: string, ca: string, headers: Record<string, string>, fuzz: FuzzRequest, timeoutMs = 20_000): Promise<RawResponse> {
  const payload = fuzz.body === null ? undefined : 'json' in fuzz.body ? (JSON.stringify(fuzz.body.json) ?? 'null') : fuzz.body.raw;
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${baseUrl}${fuzz.url}`,
      {
        method: fuzz.method,
        ca,
        servername: 'localhost',
        headers: {
          accept: 'application/json',
          ...headers,
          ...(payload === undefined ? {} : { 'content-type': fuzz.contentType ?? 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
