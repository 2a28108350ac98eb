/**
 * Property-based fuzz test of the whole REST API (fast-check). Every operation of
 * `GET /api/v1/openapi.json` — the document rendered from the route catalogue,
 * so a new route is fuzzed with no change here — is called as a signed-in admin
 * (session cookie + CSRF token) with requests generated from its own schemas and
 * mixed with hostile values (test/helpers/hostile-values.ts): MongoDB operators,
 * prototype-pollution keys, path traversal, shell metacharacters, NUL and odd
 * unicode, huge strings, deep nesting, wrong types, unknown fields, malformed
 * and oversized bodies. Path parameters are often real ids, so requests reach
 * past "not found" into the services.
 *
 * Asserted: no answer is a 5xx (every bad request is a 4xx, naming the field),
 * and afterwards the console still answers /api/v1/health and its log has no
 * failed request and no uncaught error.
 *
 * Bounded to about two minutes on a loaded 2-core machine: RUNS_PER_OPERATION
 * requests per operation (fewer for the ones that end the session, which signs
 * in again after each run). GARRISON_FUZZ_RUNS overrides it for a longer hunt;
 * GARRISON_FUZZ_SEED replays a reported run.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeRequest, operationsOf, requestArbitrary, sendFuzzRequest, type FuzzOperation, type FuzzRequest, type RawResponse } from '../helpers/api-fuzz-requests.js';
import type { FuzzPools } from '../helpers/json-schema-arbitrary.js';
import { seedSensors } from '../helpers/sensor-seed.js';
import { api, createApiToken, signIn, signInAsAdmin, TEST_ADMIN_PASSWORD, type SignedIn } from '../helpers/test-session.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';

const RUNS_PER_OPERATION = Number(process.env.GARRISON_FUZZ_RUNS ?? 20);
const RUNS_PER_SESSION_ENDING_OPERATION = Math.max(5, Math.round(RUNS_PER_OPERATION / 3));
const SEED = process.env.GARRISON_FUZZ_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.GARRISON_FUZZ_SEED);

/**
 * Operations that end or endanger the fuzzing session or the source address run
 * last, in this order: sign-outs (the test signs in again after each), password
 * change (failures may count towards lockout), sign-in (random credentials lock
 * 127.0.0.1 out, which is the point, but nothing signs in after it).
 */
const LAST = ['/api/v1/auth/sign-out', '/api/v1/auth/sign-out-everywhere', '/api/v1/auth/change-password', '/api/v1/auth/sign-in'];
const SESSION_ENDING = new Set(['/api/v1/auth/sign-out', '/api/v1/auth/sign-out-everywhere']);

function runOrder(operation: FuzzOperation): number {
  return LAST.indexOf(operation.path) + 1;
}

/** Every string under an `id` or `…Id` key of a response: the pool of real ids path parameters aim at. */
function idsIn(value: unknown, found: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) idsIn(item, found);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (typeof inner === 'string' && (key === 'id' || key.endsWith('Id'))) found.add(inner);
      else idsIn(inner, found);
    }
  }
}

describe('fuzzing every API route from its schema', { timeout: 600_000 }, () => {
  let testConsole: TestConsole;
  let admin: SignedIn;
  let operations: FuzzOperation[];
  const pools: FuzzPools = { ids: [] };
  const processProblems: string[] = [];
  const onProcessProblem = (error: unknown) => processProblems.push(String(error instanceof Error ? error.stack : error));

  function send(fuzz: FuzzRequest): Promise<RawResponse> {
    return sendFuzzRequest(testConsole.baseUrl, testConsole.caPem, admin.headers, fuzz);
  }

  before(async () => {
    process.on('uncaughtException', onProcessProblem);
    process.on('unhandledRejection', onProcessProblem);
    testConsole = await startTestConsole();
    admin = await signInAsAdmin(testConsole);

    // Something for every id pool: a site, a zone, sensors, a user, an API token, a connection string, a forwarding rule.
    const site = await api<{ id: string }>(testConsole, 'POST', '/sites', { headers: admin.headers, body: { name: 'Fuzz site' } });
    const zone = await api<{ id: string }>(testConsole, 'POST', '/zones', { headers: admin.headers, body: { siteId: site.body.id, name: 'Fuzz zone' } });
    await seedSensors(testConsole.garrison.database().connection, 6, (index) => (index % 2 === 0 ? { siteId: site.body.id, zoneId: zone.body.id } : {}));
    await api(testConsole, 'POST', '/users', { headers: admin.headers, body: { username: 'fuzz-victim', role: 'read-only', password: 'victim-password-8d1f4e' } });
    await createApiToken(testConsole, 'read-only');
    // A webhook to a closed port: rule tests and deliveries fail fast, as against a SIEM that is down.
    const rule = await api(testConsole, 'POST', '/notifications/rules', {
      headers: admin.headers,
      body: { name: 'Fuzz rule', conditions: { eventTypes: ['all'] }, actions: [{ type: 'webhook', config: { url: 'https://127.0.0.1:9/hook', secret: 'fuzz-hmac-secret' } }] },
    });
    assert.equal(rule.status, 201, rule.text);

    const document = await api<Parameters<typeof operationsOf>[0]>(testConsole, 'GET', '/openapi.json');
    assert.equal(document.status, 200);
    operations = operationsOf(document.body).sort((a, b) => runOrder(a) - runOrder(b));
    const postConnectionString = operations.find((operation) => operation.method === 'POST' && operation.path === '/api/v1/connection-strings');
    if (postConnectionString) await api(testConsole, 'POST', '/connection-strings', { headers: admin.headers, body: {} });

    // Real ids from every list the admin can read (GET routes without path parameters).
    const ids = new Set<string>();
    for (const operation of operations.filter((candidate) => candidate.method === 'GET' && candidate.pathParams.length === 0)) {
      const response = await send({ method: 'GET', url: operation.path, body: null, contentType: null });
      // JSON, or NDJSON (the audit export): one document per line.
      if (response.status === 200) for (const line of response.text.split('\n')) if (line.startsWith('{')) idsIn(JSON.parse(line), ids);
    }
    // The fuzzing admin itself stays out of reach: disabling or demoting it would end the run early.
    ids.delete(admin.userId);
    pools.ids = [...ids];
  });

  after(async () => {
    process.off('uncaughtException', onProcessProblem);
    process.off('unhandledRejection', onProcessProblem);
    await testConsole?.destroy();
  });

  it('answers no request with a 5xx, and survives', async () => {
    assert.ok(operations.length >= 50, `the catalogue lists ${operations.length} operations`);
    assert.ok(pools.ids.length >= 5, `real ids to aim at: ${pools.ids.length}`);
    assert.ok(operations.some((operation) => operation.path.startsWith('/api/v1/notifications/')), 'the notifications routes are in the catalogue');
    const startedAt = Date.now();
    const failures: string[] = [];
    let requests = 0;

    for (const [index, operation] of operations.entries()) {
      const operationStartedAt = Date.now();
      const statuses = new Map<number, number>();
      const sessionEnding = SESSION_ENDING.has(operation.path);
      const property = fc.asyncProperty(requestArbitrary(operation, pools), async (fuzz) => {
        requests += 1;
        let response: RawResponse;
        try {
          response = await send(fuzz);
        } finally {
          if (sessionEnding) admin = await signIn(testConsole, 'admin', TEST_ADMIN_PASSWORD);
        }
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status >= 500) throw new Error(`${response.status} ${response.text.slice(0, 300)}`);
      });
      const result = await fc.check(property, {
        numRuns: sessionEnding ? RUNS_PER_SESSION_ENDING_OPERATION : RUNS_PER_OPERATION,
        seed: SEED + index,
        // No shrinking against a live console: the first failing request is reported as sent.
        endOnFailure: true,
      });
      if (result.failed) {
        const [fuzz] = (result.counterexample ?? []) as [FuzzRequest];
        const reason = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
        failures.push(`${operation.method} ${operation.path}: ${reason}\n    request: ${fuzz ? describeRequest(fuzz) : '(none)'}`);
      }
      if (process.env.GARRISON_FUZZ_VERBOSE) console.log(`${operation.method} ${operation.path}: ${Date.now() - operationStartedAt} ms${result.failed ? ' FAILED' : ''} ${JSON.stringify(Object.fromEntries(statuses))}`);
    }

    const seconds = (Date.now() - startedAt) / 1000;
    console.log(`fuzzed ${operations.length} operations with ${requests} requests in ${seconds.toFixed(1)} s (seed ${SEED})`);
    assert.deepEqual(failures, [], `5xx answers (replay with GARRISON_FUZZ_SEED=${SEED}; operation i ran with seed + i):\n${failures.join('\n')}`);

    const health = await api(testConsole, 'GET', '/health');
    assert.equal(health.status, 200, `the console still answers /health: ${health.text}`);
    const errorLines = testConsole.logs.filter((line) => {
      const entry = JSON.parse(line) as { level?: number };
      return (entry.level ?? 0) >= 50;
    });
    assert.deepEqual(errorLines.map((line) => line.slice(0, 600)), [], 'no error or fatal log line (no failed request, no uncaught error)');
    assert.deepEqual(processProblems, [], 'no uncaught exception or unhandled rejection in the process');
  });
});
