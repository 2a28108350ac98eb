/** Schedule overrides: a site or zone backed up at its own time or to its own target (the default is daily, per the policy). */
import { Badge, Button, Card, Group, Select, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useCreateSchedule, useDeleteSchedule, useSchedules, useTargets } from '../../api/backups';
import { useSites, useZones } from '../../api/fleet';
import { ConfirmButton } from '../../components/confirm-button';
import { ErrorNotice, errorMessage } from '../../components/error-notice';
import { fieldErrorsOf } from '../../components/form-errors';

export function SchedulesCard({ canManage }: { canManage: boolean }) {
  const schedules = useSchedules();
  const targets = useTargets();
  const sites = useSites();
  const zones = useZones();
  const create = useCreateSchedule();
  const remove = useDeleteSchedule();
  const [scope, setScope] = useState<string | null>(null);
  const [time, setTime] = useState('02:00');
  const [targetId, setTargetId] = useState<string | null>(null);
  const errors = fieldErrorsOf(create.error);
  const scopeName = (kind: string, id: string) =>
    kind === 'site' ? `Site ${sites.data?.find((site) => site.id === id)?.name ?? id}` : kind === 'zone' ? `Zone ${zones.data?.find((zone) => zone.id === id)?.name ?? id}` : `Sensor ${id}`;
  const targetName = (id: string | null) => (id === null ? 'Default target' : (targets.data?.find((target) => target.id === id)?.name ?? id));
  return (
    <Card withBorder data-testid="backup-schedules">
      <Title order={4} mb="xs">
        Schedules
      </Title>
      <Text size="sm" c="dimmed" mb="xs">
        Every sensor is backed up daily by default. Add an override for a site or zone to change its time or target.
      </Text>
      {schedules.isError ? <ErrorNotice error={schedules.error} onRetry={() => void schedules.refetch()} /> : null}
      {schedules.data?.length === 0 ? <Text size="sm">No overrides: the default schedule applies everywhere.</Text> : null}
      {schedules.data && schedules.data.length > 0 ? (
        <Table verticalSpacing={4} mb="sm">
          <Table.Tbody>
            {schedules.data.map((schedule) => (
              <Table.Tr key={schedule.id}>
                <Table.Td>{scopeName(schedule.scope, schedule.scopeId)}</Table.Td>
                <Table.Td>Daily at {schedule.time}</Table.Td>
                <Table.Td>{targetName(schedule.targetId)}</Table.Td>
                <Table.Td>
                  <Badge color={schedule.enabled ? 'teal' : 'gray'} variant="light">
                    {schedule.enabled ? 'On' : 'Off'}
                  </Badge>
                </Table.Td>
                <Table.Td>{canManage ? <ConfirmButton size="xs" label="Remove" title="Remove this override?" question="The scope goes back to the default schedule." confirmLabel="Remove override" onConfirm={() => remove.mutateAsync(schedule.id)} /> : null}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      {canManage ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const [kind, id] = (scope ?? ':').split(':');
            create.mutate({ scope: (kind || 'site') as 'site' | 'zone', scopeId: id ?? '', time: time.trim(), targetId });
          }}
        >
          <Group align="flex-start">
            <Select
              label="Site or zone"
              data={[
                { group: 'Sites', items: (sites.data ?? []).map((site) => ({ value: `site:${site.id}`, label: site.name })) },
                { group: 'Zones', items: (zones.data ?? []).map((zone) => ({ value: `zone:${zone.id}`, label: `${zone.siteName ?? '?'} / ${zone.name}` })) },
              ].filter((group) => group.items.length > 0)}
              value={scope}
              onChange={setScope}
              error={errors.at('scopeId') ?? errors.at('scope')}
              searchable
              w={260}
            />
            <TextInput label="Time (HH:mm)" value={time} onChange={(event) => setTime(event.currentTarget.value)} error={errors.at('time')} w={120} />
            <Select label="Target" placeholder="Default target" data={(targets.data ?? []).map((target) => ({ value: target.id, label: target.name }))} value={targetId} onChange={setTargetId} clearable error={errors.at('targetId')} w={220} />
            <Button type="submit" mt={25} loading={create.isPending} disabled={scope === null}>
              Add override
            </Button>
          </Group>
          {create.error && !errors.any ? <Text c="red" size="sm" role="alert">{errorMessage(create.error)}</Text> : null}
        </form>
      ) : null}
    </Card>
  );
}
