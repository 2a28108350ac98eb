/** System events (the notifications the console raised), newest first, filtered by type, severity, place and time. */
import { Button, Card, Group, Loader, MultiSelect, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { useSites, useZones } from '../../api/fleet';
import { useCatalogue, useEvents, type EventFilter } from '../../api/notifications';
import type { Severity } from '../../api/payloads';
import { ErrorNotice } from '../../components/error-notice';
import { fieldErrorsOf } from '../../components/form-errors';
import { TableHead } from '../../components/table-head';
import { SEVERITY_WORDS, SeverityBadge } from './severity-badge';

const EMPTY: EventFilter = { types: [], minimumSeverity: null, siteId: null, zoneId: null, from: '', to: '', limit: 100 };

export function EventsPage() {
  const catalogue = useCatalogue();
  const sites = useSites();
  const zones = useZones();
  const [filter, setFilter] = useState<EventFilter>(EMPTY);
  const events = useEvents(filter);
  const set = (change: Partial<EventFilter>) => setFilter((current) => ({ ...current, ...change, limit: 100 }));
  const errors = fieldErrorsOf(events.error);
  const siteName = (id: string | null) => sites.data?.find((site) => site.id === id)?.name;
  const zoneName = (id: string | null) => zones.data?.find((zone) => zone.id === id)?.name;
  const filtered = JSON.stringify({ ...filter, limit: 100 }) !== JSON.stringify(EMPTY);
  return (
    <Stack>
      <Title order={2}>System events</Title>
      <Text c="dimmed" size="sm">
        What the console noticed: disconnections, failed backups, clock drift, expiring certificates, failing forwarding targets. Forwarding rules send them on.
      </Text>
      <Card withBorder>
        <Group align="flex-end">
          <MultiSelect
            label="Event types"
            placeholder={filter.types.length === 0 ? 'Every type' : undefined}
            data={(catalogue.data?.eventTypes ?? []).map((entry) => ({ value: entry.type, label: entry.label }))}
            value={filter.types}
            onChange={(types) => set({ types })}
            error={errors.at('type')}
            searchable
            clearable
            w={300}
          />
          <Select
            label="Minimum severity"
            placeholder="Any"
            data={Object.entries(SEVERITY_WORDS).map(([value, words]) => ({ value, label: words.label }))}
            value={filter.minimumSeverity}
            onChange={(value) => set({ minimumSeverity: value as Severity | null })}
            clearable
            w={160}
          />
          <Select label="Site" placeholder="Every site" data={(sites.data ?? []).map((site) => ({ value: site.id, label: site.name }))} value={filter.siteId} onChange={(siteId) => set({ siteId, zoneId: null })} clearable searchable w={180} />
          <Select
            label="Zone"
            placeholder="Every zone"
            data={(zones.data ?? []).filter((zone) => !filter.siteId || zone.siteId === filter.siteId).map((zone) => ({ value: zone.id, label: `${zone.siteName ?? '?'} / ${zone.name}` }))}
            value={filter.zoneId}
            onChange={(zoneId) => set({ zoneId })}
            clearable
            searchable
            w={220}
          />
          <TextInput label="From" type="datetime-local" value={filter.from} onChange={(event) => set({ from: event.currentTarget.value })} error={errors.at('from')} w={200} />
          <TextInput label="To" type="datetime-local" value={filter.to} onChange={(event) => set({ to: event.currentTarget.value })} error={errors.at('to')} w={200} />
          {filtered ? (
            <Button variant="default" onClick={() => setFilter(EMPTY)}>
              Clear filters
            </Button>
          ) : null}
        </Group>
      </Card>
      {events.isError && !errors.any ? <ErrorNotice error={events.error} onRetry={() => void events.refetch()} /> : null}
      {events.isPending ? <Loader aria-label="Loading events" /> : null}
      {events.data?.length === 0 ? (
        <Card withBorder>
          <Text>{filtered ? 'No event matches these filters.' : 'No system events yet.'}</Text>
          <Text size="sm" c="dimmed">
            {filtered ? 'Widen the filters or clear them.' : 'Events appear when something needs attention, e.g. a sensor disconnects.'}
          </Text>
        </Card>
      ) : null}
      {events.data && events.data.length > 0 ? (
        <Card withBorder p={0} className="table-wrap">
          <Table verticalSpacing="xs" striped data-testid="events-table">
            <TableHead columns={['When', 'Severity', 'Event', 'Sensor', 'Details']} />
            <Table.Tbody>
              {events.data.map((event) => (
                <Table.Tr key={event.id} data-event-type={event.type}>
                  <Table.Td>{new Date(event.occurredAt).toLocaleString()}</Table.Td>
                  <Table.Td>
                    <SeverityBadge severity={event.severity} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{event.title}</Text>
                    <Text size="xs" c="dimmed">
                      {event.type}
                      {event.suppressed ? ` (held down: ${event.suppressed})` : ''}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {event.sensor ? (
                      <Text size="sm" component={Link} to={`/sensors/${event.sensor.id}`} c="blue">
                        {event.sensor.name ?? event.sensor.id}
                      </Text>
                    ) : (
                      <Text size="sm" c="dimmed">
                        Console
                      </Text>
                    )}
                    {event.siteId ? (
                      <Text size="xs" c="dimmed">
                        {[siteName(event.siteId), zoneName(event.zoneId)].filter(Boolean).join(' / ')}
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" className="mono break-all">
                      {Object.entries(event.fields)
                        .map(([name, value]) => `${name}=${String(value)}`)
                        .join('  ') || '—'}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {events.data.length >= filter.limit && filter.limit < 500 ? (
            <Group justify="center" p="sm">
              <Button variant="default" onClick={() => setFilter((current) => ({ ...current, limit: Math.min(500, current.limit + 100) }))}>
                Show more
              </Button>
            </Group>
          ) : null}
        </Card>
      ) : null}
    </Stack>
  );
}
