/** Backups: targets with storage use and a Test, schedule overrides, and the runs with their result in words. */
import { Stack, Text, Title } from '@mantine/core';
import type { Me } from '../../api/payloads';
import { can } from '../../api/session';
import { RunsCard } from './runs-card';
import { SchedulesCard } from './schedules-card';
import { TargetsCard } from './targets-card';

export function BackupsPage({ me }: { me: Me }) {
  const canManage = can(me, 'backups:manage');
  return (
    <Stack>
      <Title order={2}>Backups</Title>
      <Text c="dimmed" size="sm">
        Sensors send their backups to the console, which stores them on a target. A sensor's files, Back up now and Restore are on the sensor's page.
      </Text>
      <TargetsCard canManage={canManage} />
      <SchedulesCard canManage={canManage} />
      <RunsCard />
    </Stack>
  );
}
