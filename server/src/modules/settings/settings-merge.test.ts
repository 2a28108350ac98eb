/** Scope merging: the narrowest scope wins per field, lists are replaced whole, and diffs name field paths. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changedFields, DEFAULT_SETTINGS, fieldsOf, mergeLayers } from './settings-merge.js';

test('the narrowest scope wins each field; untouched fields fall through to wider scopes', () => {
  const merged = mergeLayers([
    { source: 'default', scopeId: null, settings: DEFAULT_SETTINGS },
    { source: 'global', scopeId: null, settings: { ntp: { enabled: true, servers: [{ address: '10.0.0.1', port: 123 }] }, mail: { host: 'smtp.hq', port: 25 } } },
    { source: 'site', scopeId: 'site-1', settings: { mail: { port: 587 } } },
    { source: 'zone', scopeId: 'zone-1', settings: { ntp: { servers: [{ address: '10.1.0.1', port: 123 }] }, subnets: [{ cidr: '10.1.0.0/16', name: 'line' }] } },
    { source: 'sensor', scopeId: 'sensor-1', settings: { timeRegion: { timeZone: 'Europe/Paris' } } },
  ]);
  assert.deepEqual(merged.settings, {
    ntp: { enabled: true, servers: [{ address: '10.1.0.1', port: 123 }] },
    timeRegion: { timeZone: 'Europe/Paris', dateFormat: 'dd/MM/yyyy HH:mm:ss' },
    mail: { host: 'smtp.hq', port: 587 },
    subnets: [{ cidr: '10.1.0.0/16', name: 'line' }],
  });
  assert.deepEqual(merged.origins['ntp.enabled'], { source: 'global', scopeId: null });
  assert.deepEqual(merged.origins['ntp.servers'], { source: 'zone', scopeId: 'zone-1' });
  assert.deepEqual(merged.origins['mail.port'], { source: 'site', scopeId: 'site-1' });
  assert.deepEqual(merged.origins['timeRegion.dateFormat'], { source: 'default', scopeId: null });
  assert.deepEqual(merged.origins.subnets, { source: 'zone', scopeId: 'zone-1' });
});

test('lists are replaced by a narrower scope, never concatenated', () => {
  const merged = mergeLayers([
    { source: 'global', scopeId: null, settings: { subnets: [{ cidr: '10.0.0.0/8', name: 'a' }], dns: { servers: ['10.0.0.53'] } } },
    { source: 'zone', scopeId: 'z', settings: { subnets: [{ cidr: '192.168.0.0/16', name: 'b' }], dns: { servers: ['192.168.0.53'] } } },
  ]);
  assert.deepEqual(merged.settings.subnets, [{ cidr: '192.168.0.0/16', name: 'b' }]);
  assert.deepEqual(merged.settings.dns, { servers: ['192.168.0.53'] });
});

test('changed fields are named by path, whatever the key order', () => {
  const before = { ntp: { enabled: true, servers: [{ address: 'a', port: 123 }] }, uploadBandwidthLimit: { text: '1mbit', bitsPerSecond: 1_000_000 } };
  const after = { ntp: { servers: [{ port: 123, address: 'a' }], enabled: false }, mail: { host: 'smtp' } };
  assert.deepEqual(changedFields(before, after), ['mail.host', 'ntp.enabled', 'uploadBandwidthLimit']);
  assert.deepEqual([...fieldsOf(after).keys()].sort(), ['mail.host', 'ntp.enabled', 'ntp.servers']);
});
