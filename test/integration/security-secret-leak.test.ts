/**
 * The secret-leak test. A scenario stores every kind of secret the console has
 * (test/helpers/secret-plantings.ts: one line per secret) with a distinctive
 * marker, uses them (forwarding-rule tests and a backup-target test against
 * closed ports, so send failures are logged; a sign-in with the planted user
 * password), then reads back everything a person or a script can read:
 *
 *   - every GET route of the route catalogue (`/api/v1/openapi.json`): lists,
 *     and detail routes with every real id the lists gave out;
 *   - the audit export (a catalogue route) and every log line of the console.
 *
 * No marker may appear anywhere: not as is, URL-encoded, hex, or base64/base64url
 * at any alignment. The answers that issue a secret once (API token, connection
 * string) are the only places it may be seen, so they are not searched.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { idsFitting, type JsonSchema } from '../helpers/json-schema-arbitrary.js';
import { sendFuzzRequest } from '../helpers/api-fuzz-requests.js';
import { CURRENT_REVISION, SECRET_PLANTINGS, newMarker } from '../helpers/secret-plantings.js';
import { seedSensors } from '../helpers/sensor-seed.js';
import { api, postSignIn, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';

/** Every form a marker could take inside a larger text: as is, URL-encoded, hex, base64 and base64url at each of the three alignments. */
export function encodedForms(marker: string): string[] {
  const forms = new Set([marker, encodeURIComponent(marker), Buffer.from(marker, 'utf8').toString('hex')]);
  for (let offset = 0; offset < 3; offset += 1) {
    for (const encoding of ['base64', 'base64url'] as const) {
      const text = Buffer.from(`${'x'.repeat(offset)}${marker}`, 'utf8').toString(encoding);
      // The first characters mix in whatever precedes the marker, the last ones what follows.
      forms.add(text.slice(Math.ceil((offset * 4) / 3) + 1, text.length - 4));
    }
  }
  return [...forms];
}

interface Document {
  paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string; schema: JsonSchema }> }>>;
}

describe('no secret leaks through the API, the audit trail or the log', () => {
  let testConsole: TestConsole;
  let admin: SignedIn;
  const fixture: Record<string, string> = {};
  const planted: Array<{ secret: string; markers: string[] }> = [];
  /** Where each text came from → the text. */
  const readable = new Map<string, string>();

  const send = (method: string, path: string, body?: unknown) => api<Record<string, unknown>>(testConsole, method, path, { headers: admin.headers, ...(body === undefined ? {} : { body }) });
  const fill = (path: string) => path.replace(/\{(siteId|zoneId|sensorId)\}/g, (_match, name: string) => fixture[name] ?? '');

  async function read(path: string): Promise<{ status: number; text: string }> {
    const response = await sendFuzzRequest(testConsole.baseUrl, testConsole.caPem, admin.headers, { method: 'GET', url: `/api/v1${path}`, body: null, contentType: null });
    readable.set(`GET ${path}`, response.text);
    return response;
  }

  before(async () => {
    testConsole = await startTestConsole();
    admin = await signInAsAdmin(testConsole);
    const site = await send('POST', '/sites', { name: 'Leak site' });
    const zone = await send('POST', '/zones', { siteId: site.body.id, name: 'Leak zone' });
    fixture.siteId = String(site.body.id);
    fixture.zoneId = String(zone.body.id);
    const [sensor] = await seedSensors(testConsole.garrison.database().connection, 1, () => ({ siteId: fixture.siteId, zoneId: fixture.zoneId }));
    fixture.sensorId = sensor!._id;

    for (const planting of SECRET_PLANTINGS) {
      const marker = newMarker();
      const request = planting.request(marker);
      const path = fill(request.path);
      let body = request.body as Record<string, unknown>;
      if (body.baseRevision === CURRENT_REVISION) body = { ...body, baseRevision: (await send('GET', path)).body.revision };
      const answer = await send(request.method, path, body);
      assert.ok(answer.status >= 200 && answer.status < 300, `planting the ${planting.secret}: ${answer.status} ${answer.text}`);
      planted.push({ secret: planting.secret, markers: planting.markers(marker, answer.body) });
    }

    // Use the secrets: failed sends and a failed storage test are logged; a sign-in with the planted password.
    const rules = (await send('GET', '/notifications/rules')).body.rules as Array<{ id: string }>;
    for (const rule of rules) await send('POST', `/notifications/rules/${rule.id}/test`);
    const targets = (await send('GET', '/backup-targets')).body.items as Array<{ id: string }> | undefined;
    for (const target of targets ?? []) await send('POST', `/backup-targets/${target.id}/test`);
    const userPassword = planted.find((entry) => entry.secret === 'user password')!.markers[0]!;
    await postSignIn(testConsole, 'leak-user', `pw-${userPassword}`);
    await postSignIn(testConsole, 'leak-user', `pw-${userPassword}-wrong`);
  });

  it('recognises a marker embedded in base64 at any alignment', () => {
    const marker = newMarker();
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      for (const encoding of ['base64', 'base64url'] as const) {
        const embedded = Buffer.from(`${prefix}{"password":"${marker}"}`).toString(encoding);
        assert.ok(encodedForms(marker).some((form) => embedded.includes(form)), `${encoding} after ${prefix.length} bytes`);
      }
    }
  });

  after(async () => {
    await testConsole?.destroy();
  });

  it('finds no marker in any answer, the audit export or the log', async () => {
    assert.equal(planted.length, SECRET_PLANTINGS.length);
    const document = (await api<Document>(testConsole, 'GET', '/openapi.json')).body;
    const getRoutes = Object.entries(document.paths)
      .filter(([, methods]) => methods.get !== undefined)
      .map(([path, methods]) => ({ path: path.replace(/^\/api\/v1/, ''), params: (methods.get!.parameters ?? []).filter((parameter) => parameter.in === 'path') }));
    for (const path of ['/audit/export', '/notifications/smtp', '/notifications/rules', '/notifications/rules/{id}', '/notifications/deliveries']) {
      assert.ok(getRoutes.some((route) => route.path === path), `GET ${path} is a catalogue route`);
    }

    // Lists first: their ids feed the detail routes.
    const ids = new Set<string>();
    const collectIds = (text: string) => {
      for (const match of text.matchAll(/"(?:id|[A-Za-z]+Id)":"([^"]{1,100})"/g)) ids.add(match[1]!);
    };
    const lists = getRoutes.filter((route) => route.params.length === 0).map((route) => route.path);
    for (const path of lists) {
      const response = await read(path);
      assert.notEqual(response.status, 500, `GET ${path}: ${response.text}`);
      collectIds(response.text);
    }
    const details = getRoutes.filter((route) => route.params.length > 0);
    let detailReads = 0;
    for (const route of details) {
      // Every fitting id for one-parameter routes; the first few combinations for routes with more.
      let paths = [route.path];
      for (const param of route.params) {
        const fitting = idsFitting(param.schema, { ids: [...ids] });
        paths = paths.flatMap((path) => fitting.map((id) => path.replace(`{${param.name}}`, encodeURIComponent(id)))).slice(0, 200);
      }
      for (const path of paths) {
        const response = await read(path);
        assert.notEqual(response.status, 500, `GET ${path}: ${response.text}`);
        if (response.status === 200) detailReads += 1;
      }
    }
    assert.ok(detailReads >= 10, `detail routes answered with real ids: ${detailReads}`);
    assert.ok(testConsole.logs.length > 50, `log lines captured: ${testConsole.logs.length}`);
    testConsole.logs.forEach((line, index) => readable.set(`log line ${index + 1}`, line));

    // The answers that hold secrets were read, and show them masked.
    for (const path of ['/notifications/smtp', '/notifications/rules', '/snmp-agent', '/backup-targets', '/settings/global', `/settings/sites/${fixture.siteId}`]) {
      assert.match(readable.get(`GET ${path}`) ?? '', /••••/, `GET ${path} shows its secrets masked`);
    }

    const leaks: string[] = [];
    for (const { secret, markers } of planted) {
      for (const marker of markers) {
        for (const form of encodedForms(marker)) {
          for (const [where, text] of readable) {
            if (text.includes(form)) leaks.push(`${secret} (${form === marker ? 'as is' : `encoded as ${form}`}) in ${where}: …${text.slice(Math.max(0, text.indexOf(form) - 120), text.indexOf(form) + form.length + 40)}…`);
          }
        }
      }
    }
    console.log(`searched ${readable.size} answers and log lines for ${planted.length} secrets`);
    assert.deepEqual(leaks, []);
  });
});
