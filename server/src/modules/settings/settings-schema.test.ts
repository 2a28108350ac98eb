/** The shared settings schema (sensor-link/src/protocol/settings-schema.ts): units, ranges, names and messages. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrRange, parseBandwidth, sensorSettingsSchema } from '../../../../sensor-link/src/protocol/settings-schema.js';

function problems(settings: unknown): Array<[string, string]> {
  const result = sensorSettingsSchema.safeParse(settings);
  return result.success ? [] : result.error.issues.map((issue) => [issue.path.join('.'), issue.message]);
}

test('bandwidth limits use the seed CLI units and are normalised to bits per second', () => {
  // kbps/mbps are bytes, kbit/mbit are bits, bps or a bare number are bytes per second.
  assert.equal(parseBandwidth('30kbit'), 30_000);
  assert.equal(parseBandwidth('2mbit'), 2_000_000);
  assert.equal(parseBandwidth('500kbps'), 4_000_000);
  assert.equal(parseBandwidth('1000mbps'), 8_000_000_000);
  assert.equal(parseBandwidth('1000bps'), 8_000);
  assert.equal(parseBandwidth('1000'), 8_000);
  assert.equal(parseBandwidth('1.5MBIT'), 1_500_000);
  for (const bad of ['', '0', 'fast', '10 gbit', '-5kbit', '1e9']) assert.equal(parseBandwidth(bad), null, bad);
  const parsed = sensorSettingsSchema.parse({ uploadBandwidthLimit: ' 30kbit ' });
  assert.deepEqual(parsed.uploadBandwidthLimit, { text: '30kbit', bitsPerSecond: 30_000 });
  // The stored form parses again to itself, with the number recomputed from the text.
  assert.deepEqual(sensorSettingsSchema.parse({ uploadBandwidthLimit: { text: '30kbit', bitsPerSecond: 1 } }).uploadBandwidthLimit, { text: '30kbit', bitsPerSecond: 30_000 });
  assert.equal(problems({ uploadBandwidthLimit: '12 parsecs' })[0]?.[0], 'uploadBandwidthLimit');
});

test('overlapping subnets are refused, in IPv4 and IPv6, and ranges must be network addresses', () => {
  assert.deepEqual(problems({ subnets: [{ cidr: '10.0.0.0/8', name: 'a' }, { cidr: '192.168.0.0/16', name: 'b' }, { cidr: 'fd00::/8', name: 'c' }, { cidr: '10.0.0.0/8', name: 'v6 does not clash with v4' }] }), [
    ['subnets.3.cidr', 'overlaps subnet 0 (10.0.0.0/8)'],
  ]);
  assert.deepEqual(problems({ subnets: [{ cidr: '2001:db8::/32', name: 'a' }, { cidr: '2001:db8:1::/48', name: 'b' }] }), [['subnets.1.cidr', 'overlaps subnet 0 (2001:db8::/32)']]);
  assert.deepEqual(problems({ subnets: [{ cidr: '10.0.0.0/24', name: 'a' }, { cidr: '10.0.1.0/24', name: 'adjacent is fine' }] }), []);
  assert.match(problems({ subnets: [{ cidr: '10.0.0.5/24', name: 'a' }] })[0]?.[1] ?? '', /host bits/);
  assert.match(problems({ subnets: [{ cidr: '10.0.0.0/33', name: 'a' }] })[0]?.[1] ?? '', /IPv4 or IPv6 range/);
  assert.deepEqual(cidrRange('::ffff:10.0.0.0/120'), { family: 6, first: 0xffff0a000000n, last: 0xffff0a0000ffn });
});

test('NTP servers are addresses or host names with port 123 by default; time zones are IANA names', () => {
  const parsed = sensorSettingsSchema.parse({ ntp: { enabled: true, servers: [{ address: 'pool.ntp.org' }, { address: '2001:db8::1', port: 1123 }, { address: '10.0.0.1' }] } });
  assert.deepEqual(parsed.ntp?.servers?.map((server) => server.port), [123, 1123, 123]);
  assert.deepEqual(problems({ ntp: { servers: [{ address: 'bad host' }, { address: '10.0.0.1' }, { address: '10.0.0.1', port: 123 }] } }).map(([path]) => path), ['ntp.servers.0.address', 'ntp.servers.2']);
  assert.deepEqual(problems({ ntp: { enabled: true, servers: [] } }), [['ntp.servers', 'must list at least one server when NTP is enabled']]);
  assert.deepEqual(problems({ timeRegion: { timeZone: 'UTC' } }), []);
  assert.deepEqual(problems({ timeRegion: { timeZone: 'America/New_York', dateFormat: 'MM/dd/yyyy HH:mm:ss' } }), []);
  assert.equal(problems({ timeRegion: { timeZone: 'Europe/Atlantis' } })[0]?.[0], 'timeRegion.timeZone');
});

test('active directory mappings are a list of objects, so group names may hold dots', () => {
  assert.deepEqual(problems({ activeDirectory: { domain: 'corp.example.com', groupRoles: [{ group: 'OT.Admins', role: 'admin' }, { group: 'ot.admins', role: 'read-only' }] } }), [
    ['activeDirectory.groupRoles.1', 'maps the same group twice'],
  ]);
});
