/**
 * GARRISON-MIB.txt and the code agree: Debian's snmptranslate parses the MIB
 * (with one-line stand-ins for the standard MIBs Debian does not ship) and
 * every object the agent serves and every notification the trap action sends
 * has the same number in the MIB.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { EVENT_CATALOGUE } from '../../server/src/modules/notifications/events/event-catalogue.js';
import { GARRISON_NOTIFICATIONS_OID, NOTIFICATION_OBJECT_OIDS } from '../../server/src/modules/notifications/garrison-oids.js';
import { SCALARS, TABLES } from '../../server/src/snmp/garrison-mib.js';

const MIB_DIRECTORY = path.resolve(import.meta.dirname, '../../server/src/snmp');

const textualConvention = (name: string, type: string) =>
  `${name} DEFINITIONS ::= BEGIN\n${type} ::= TEXTUAL-CONVENTION\n DISPLAY-HINT "255a"\n STATUS current\n DESCRIPTION "stand-in"\n SYNTAX OCTET STRING (SIZE (0..255))\nEND\n`;
const STAND_INS: Record<string, string> = {
  'SNMPv2-SMI': 'SNMPv2-SMI DEFINITIONS ::= BEGIN\nenterprises OBJECT IDENTIFIER ::= { iso 3 6 1 4 1 }\nEND\n',
  'SNMPv2-TC': textualConvention('SNMPv2-TC', 'DisplayString'),
  'SNMP-FRAMEWORK-MIB': textualConvention('SNMP-FRAMEWORK-MIB', 'SnmpAdminString'),
  'SNMPv2-CONF': 'SNMPv2-CONF DEFINITIONS ::= BEGIN\nEND\n',
};

test('every object and notification has the same OID in GARRISON-MIB.txt as in the code', async () => {
  const standIns = await mkdtemp(path.join(os.tmpdir(), 'garrison-mibs-'));
  try {
    for (const [name, text] of Object.entries(STAND_INS)) await writeFile(path.join(standIns, `${name}.txt`), text);
    const { stdout, stderr } = await promisify(execFile)('snmptranslate', ['-M', `${standIns}:${MIB_DIRECTORY}`, '-m', 'GARRISON-MIB', '-Tz', '-On'], {
      env: { ...process.env, MIBS: '', MIBDIRS: '' },
    });
    assert.equal(stderr, '', 'the MIB parses without warnings');
    const oids = new Map([...stdout.matchAll(/^"(\w+)"\s+"([\d.]+)"$/gm)].map((match) => [match[1] ?? '', match[2] ?? '']));

    for (const [name, scalar] of Object.entries(SCALARS)) assert.equal(oids.get(name), scalar.oid, name);
    for (const table of Object.values(TABLES)) {
      for (const column of table.columns) assert.equal(oids.get(column.name), `${table.oid}.1.${column.number}`, column.name);
    }
    const notificationObjects = { eventId: 'eventId', eventType: 'eventType', severity: 'eventSeverity', title: 'eventTitle', occurredAt: 'eventOccurredAt', sensorId: 'eventSensorId', sensorName: 'eventSensorName', siteId: 'eventSiteId', zoneId: 'eventZoneId', fields: 'eventFields' } as const;
    for (const [key, mibName] of Object.entries(notificationObjects)) assert.equal(oids.get(mibName), NOTIFICATION_OBJECT_OIDS[key as keyof typeof NOTIFICATION_OBJECT_OIDS], mibName);
    const inMib = [...oids.values()].filter((oid) => oid.startsWith(`${GARRISON_NOTIFICATIONS_OID}.`)).sort();
    const inCode = Object.values(EVENT_CATALOGUE).map((entry) => `${GARRISON_NOTIFICATIONS_OID}.${entry.snmpIndex}`).sort();
    assert.deepEqual(inMib, inCode, 'one NOTIFICATION-TYPE per event type');
  } finally {
    await rm(standIns, { recursive: true, force: true });
  }
});
