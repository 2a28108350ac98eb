import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutgoingNotification } from './action-contract.js';
import { formatSyslog } from './syslog-format.js';
import { octetCountingFrame } from './syslog-transport.js';

const notification: OutgoingNotification = {
  event: {
    id: 'e1',
    type: 'sensor.disconnected',
    severity: 'major',
    title: 'Sensor "x|y" went\naway',
    occurredAt: '2026-01-31T12:00:00.000Z',
    sensor: { id: 's1', name: 'n=1\\2|3]"^' },
    siteId: null,
    zoneId: null,
    fields: { reason: 'line1\nline2' },
    suppressed: null,
  },
  ruleName: 'R',
  consoleName: 'console 1',
  consoleVersion: '1.0|beta',
};
const options = { facility: 16, appName: 'garrison' };

test('RFC 5424: header tokens, escaped SD values, one-line MSG', () => {
  assert.equal(
    formatSyslog('rfc5424', notification, options),
    '<131>1 2026-01-31T12:00:00.000Z console_1 garrison - sensor.disconnected ' +
      '[garrison@61337 eventId="e1" type="sensor.disconnected" severity="major" rule="R" sensorId="s1" sensorName="n=1\\\\2|3\\]\\"^" reason="line1\nline2"] ' +
      'Sensor "x|y" went away',
  );
});

test('CEF: header escapes | and \\; extension escapes = \\ and line breaks', () => {
  assert.equal(
    formatSyslog('cef', notification, options),
    '<131>1 2026-01-31T12:00:00.000Z console_1 garrison - sensor.disconnected - ' +
      'CEF:0|Garrison|Garrison Console|1.0\\|beta|sensor.disconnected|Sensor disconnected|8|' +
      'rt=1769860800000 externalId=e1 cat=sensor.disconnected msg=Sensor "x|y" went\\naway cs1Label=rule cs1=R ' +
      'deviceExternalId=s1 cs2Label=sensorName cs2=n\\=1\\\\2|3]"^ garrisonReason=line1\\nline2',
  );
});

test('LEEF 2.0: declared ^ delimiter escaped in values, | escaped in the header', () => {
  const leef = formatSyslog('leef', notification, options);
  assert.ok(leef.includes('LEEF:2.0|Garrison|Garrison Console|1.0\\|beta|sensor.disconnected|^|devTime=2026-01-31T12:00:00.000Z^'));
  assert.ok(leef.includes('^sensorName=n=1\\\\2|3]"\\^^reason=line1\\nline2'));
  assert.ok(!leef.includes('\n'));
});

test('octet counting counts bytes, not characters', () => {
  assert.equal(octetCountingFrame('é').toString('utf8'), '2 é');
});
