/**
 * Syslog forwarding to a real rsyslog over UDP, TCP (octet counting) and TLS
 * (RFC 5425, with a client certificate): the exact bytes of RFC 5424, CEF, LEEF
 * and JSON lines, with event fields full of each format's special characters.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatSyslog, type SyslogFormat } from '../../server/src/modules/notifications/actions/syslog-format.js';
import { startRsyslog, type Rsyslog } from '../helpers/rsyslog.js';
import { makeTlsMaterial, startHarness, type Harness, type TlsMaterial } from './notifications-harness.js';

let directory: string;
let rsyslog: Rsyslog;
let harness: Harness;
let tls: TlsMaterial;

before(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'garrison-syslog-'));
  tls = await makeTlsMaterial(directory);
  rsyslog = await startRsyslog(path.join(directory, 'rsyslog'), { caPem: tls.caPem, certPem: tls.certPem, keyPem: tls.keyPem, authMode: 'x509/certvalid' });
  harness = await startHarness();
});

after(async () => {
  await harness?.destroy();
  await rsyslog?.stop();
  await rm(directory, { recursive: true, force: true });
});

const NASTY = 'a|b=c\\d]e"f^g\tend';

test('one event reaches rsyslog in four formats over UDP, TCP and TLS, byte for byte', async () => {
  const actions = [
    { type: 'syslog', config: { host: '127.0.0.1', port: rsyslog.udpPort, transport: 'udp', format: 'rfc5424' } },
    { type: 'syslog', config: { host: '127.0.0.1', port: rsyslog.tcpPort, transport: 'tcp', format: 'cef', facility: 10 } },
    {
      type: 'syslog',
      config: {
        host: '127.0.0.1',
        port: rsyslog.tlsPort,
        transport: 'tls',
        format: 'leef',
        trustedCaPem: tls.caPem,
        clientCertificatePem: tls.clientCertPem,
        clientKeyPem: tls.clientKeyPem,
      },
    },
    { type: 'syslog', config: { host: '127.0.0.1', port: rsyslog.tcpPort, transport: 'tcp', format: 'json', appName: 'garrison-json' } },
  ];
  const created = await harness.api<{ id: string; actions: Array<{ id: string; config: Record<string, unknown> }> }>('POST', '/rules', {
    name: 'SIEM',
    conditions: { eventTypes: ['all'], minimumSeverity: 'minor' },
    actions,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.actions[2]?.config.clientKeyPem, '••••', 'the client key is write-only');

  const event = await harness.service.raise({
    type: 'backup.failed',
    title: `Backup of "${NASTY}" failed`,
    sensor: { sensorId: 'sensor-1', sensorName: NASTY, siteId: 'site-1', zoneId: 'zone-1' },
    fields: { reason: `disk ${NASTY} full` },
  });
  // Below the rule's minimum severity: never forwarded.
  await harness.service.raise({ type: 'sensor.reconnected', title: 'Sensor reconnected' });

  const lines = await rsyslog.waitForLines(4);
  assert.equal(lines.length, 4);
  const stored = await harness.service.events.findById(event._id);
  assert.ok(stored);
  const { presentEvent } = await import('../../server/src/modules/notifications/events/event-presenter.js');
  const notification = { event: presentEvent(stored), ruleName: 'SIEM', consoleName: 'garrison-test', consoleVersion: '0.1.0-test' };
  const expected = (format: SyslogFormat, facility = 16, appName = 'garrison') =>
    formatSyslog(format, notification, { facility, appName }).replace(/\t/g, '#011');
  for (const [format, facility, appName] of [['rfc5424', 16, 'garrison'], ['cef', 10, 'garrison'], ['leef', 16, 'garrison'], ['json', 16, 'garrison-json']] as const) {
    assert.ok(lines.includes(expected(format, facility, appName)), `${format} line arrived byte for byte:\n${expected(format, facility, appName)}\nreceived:\n${lines.join('\n')}`);
  }

  const rfc5424 = lines.find((line) => line.includes(' [garrison@61337 '));
  assert.ok(rfc5424, 'the RFC 5424 line carries structured data');
  assert.ok(rfc5424.startsWith('<131>1 '), 'PRI is local0 (16) × 8 + err (3)');
  assert.match(rfc5424, / garrison-test garrison - backup\.failed \[garrison@61337 eventId="/);
  assert.ok(rfc5424.includes(`sensorName="a|b=c\\\\d\\]e\\"f^g#011end"`), 'SD values escape \\ ] and "');
  const cef = lines.find((line) => line.includes('CEF:0|'));
  assert.ok(cef?.includes('|Garrison|Garrison Console|0.1.0-test|backup.failed|Backup failed|8|'));
  assert.ok(cef?.includes(`cs2=a|b\\=c\\\\d]e"f^g#011end`), 'CEF extension escapes = and \\');
  assert.ok(cef?.includes(`externalId=${event._id}`), 'the event id travels in every message');
  const leef = lines.find((line) => line.includes('LEEF:2.0|'));
  assert.ok(leef?.includes('LEEF:2.0|Garrison|Garrison Console|0.1.0-test|backup.failed|^|'));
  assert.ok(leef?.includes(`sensorName=a|b=c\\\\d]e"f\\^g\\tend`), 'LEEF escapes \\ and the ^ delimiter');
  const json = lines.find((line) => line.includes(' garrison-json '));
  const body = JSON.parse(json?.slice(json.indexOf('{')) ?? '{}') as { id: string; sensor: { name: string } };
  assert.equal(body.id, event._id);
  assert.equal(body.sensor.name, NASTY, 'JSON carries the name intact');
});

test('the rule test sends a synthetic event through every action and reports each in words', async () => {
  const rules = await harness.api<{ rules: Array<{ id: string }> }>('GET', '/rules');
  const ruleId = rules.body.rules[0]?.id;
  const before = (await rsyslog.lines()).length;
  const tested = await harness.api<{ eventId: string; results: Array<{ ok: boolean; result: string }> }>('POST', `/rules/${ruleId}/test`);
  assert.equal(tested.status, 200);
  assert.equal(tested.body.results.length, 4);
  assert.ok(tested.body.results.every((result) => result.ok && result.result.startsWith('Delivered to syslog')), JSON.stringify(tested.body));
  const lines = await rsyslog.waitForLines(before + 4);
  assert.equal(lines.slice(before).filter((line) => line.includes(tested.body.eventId)).length, 4);
});
