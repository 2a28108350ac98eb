import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_POLICY, type BackupScheduleDocument } from './backup-documents.js';
import { dueSlot, effectiveSchedule, latestSlot, spreadOffsetSeconds } from './backup-schedules.js';

const policy = { _id: 'policy' as const, ...DEFAULT_POLICY };
const at = new Date(2026, 0, 1);
const schedule = (scope: BackupScheduleDocument['scope'], scopeId: string, time: string, enabled = true): BackupScheduleDocument => ({ _id: `${scope}-${scopeId}`, scope, scopeId, time, enabled, targetId: null, createdAt: at, updatedAt: at });

describe('backup schedules', () => {
  it('takes the most specific override: sensor, then zone, then site, then the default', () => {
    const sensor = { _id: 's1', siteId: 'site', zoneId: 'zone' };
    assert.equal(effectiveSchedule(sensor, [], policy).time, '03:00');
    assert.equal(effectiveSchedule(sensor, [schedule('site', 'site', '01:00')], policy).time, '01:00');
    assert.equal(effectiveSchedule(sensor, [schedule('site', 'site', '01:00'), schedule('zone', 'zone', '02:00')], policy).time, '02:00');
    assert.equal(effectiveSchedule(sensor, [schedule('zone', 'zone', '02:00', false), schedule('sensor', 's1', '05:00')], policy).time, '05:00');
    assert.equal(effectiveSchedule(sensor, [schedule('zone', 'zone', '02:00', false)], policy).enabled, false);
  });

  it('spreads a thousand sensors over the window, the same way every day', () => {
    const offsets = Array.from({ length: 1000 }, (_unused, index) => spreadOffsetSeconds(`sensor-${index}`, 60));
    assert.ok(offsets.every((offset) => offset >= 0 && offset < 3600));
    const perTenMinutes = new Array(6).fill(0) as number[];
    for (const offset of offsets) perTenMinutes[Math.floor(offset / 600)] = (perTenMinutes[Math.floor(offset / 600)] ?? 0) + 1;
    assert.ok(perTenMinutes.every((count) => count > 100 && count < 240), perTenMinutes.join(','));
    assert.equal(spreadOffsetSeconds('sensor-7', 60), offsets[7]);
  });

  it('finds the slot due now, not one from before enrolment or beyond the catch-up', () => {
    const now = new Date(2026, 5, 10, 3, 30);
    assert.deepEqual(latestSlot(now, '03:00', 60), new Date(2026, 5, 10, 3, 1));
    assert.deepEqual(latestSlot(now, '04:00', 0), new Date(2026, 5, 9, 4, 0));
    const effective = effectiveSchedule({ _id: 'x', siteId: null, zoneId: null }, [], { ...policy, spreadWindowMinutes: 0 });
    assert.deepEqual(dueSlot(now, effective, 'x', new Date(2026, 0, 1), { ...policy, spreadWindowMinutes: 0 }), new Date(2026, 5, 10, 3, 0));
    assert.equal(dueSlot(now, effective, 'x', new Date(2026, 5, 10, 3, 10), { ...policy, spreadWindowMinutes: 0 }), null);
    assert.equal(dueSlot(new Date(2026, 5, 10, 9, 0), effective, 'x', new Date(2026, 0, 1), { ...policy, spreadWindowMinutes: 0 }), null);
  });
});
