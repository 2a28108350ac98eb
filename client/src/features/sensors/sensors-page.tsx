/**
 * The sensors list: server-side filtering, sorting and paging (100 a page), so
 * 5,000 sensors cost the browser no more than 100. State changes arrive live:
 * a push for the 'sensors' room re-reads the page on screen.
 */
import { Group, Loader, Pagination, Stack, Text, Title } from '@mantine/core';
import { SENSORS_KEY, useSensorList } from '../../api/fleet';
import { useLiveRefresh } from '../../api/live';
import { QueryState } from '../../components/query-state';
import { SensorFilters } from './sensor-filters';
import { SensorTable } from './sensor-table';
import { PAGE_SIZE, useSensorFilter } from './use-sensor-filter';

export function SensorsPage() {
  const [filter, update] = useSensorFilter();
  const list = useSensorList(filter);
  useLiveRefresh('sensors', SENSORS_KEY);
  const total = list.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const page = filter.offset / PAGE_SIZE + 1;
  const filtered = Boolean(filter.state || filter.siteId || filter.zoneId || filter.version || filter.q);

  return (
    <Stack>
      <Group justify="space-between" align="baseline">
        <Title order={2}>Sensors</Title>
        <Group gap="xs">
          {list.isFetching ? <Loader size="xs" aria-label="Refreshing" /> : null}
          <Text c="dimmed" size="sm" data-testid="sensor-total">
            {list.data ? `${total.toLocaleString()} sensor${total === 1 ? '' : 's'}${filtered ? ' match' : ''}` : ''}
          </Text>
        </Group>
      </Group>
      <SensorFilters filter={filter} onChange={update} />
      <QueryState query={list} loading="Loading sensors" />
      {list.data && list.data.items.length === 0 ? (
        <Text c="dimmed" data-testid="sensors-empty">
          {filtered
            ? 'No sensor matches these filters. Clear a filter to see more.'
            : 'No sensors yet. Copy a connection string from Sensor setup and paste it into a sensor (or run sensor-link connect with it).'}
        </Text>
      ) : null}
      {list.data && list.data.items.length > 0 ? (
        <>
          <SensorTable items={list.data.items} filter={filter} onSort={(sort, order) => update({ sort, order })} />
          {pages > 1 ? (
            <Group justify="space-between">
              <Text size="sm" c="dimmed">
                {filter.offset + 1}–{filter.offset + list.data.items.length} of {total.toLocaleString()}
              </Text>
              <Pagination total={pages} value={page} onChange={(next) => update({ offset: (next - 1) * PAGE_SIZE })} getItemProps={(item) => ({ 'aria-label': `Page ${item}` })} getControlProps={(control) => ({ 'aria-label': `${control} page` })} />
            </Group>
          ) : null}
        </>
      ) : null}
    </Stack>
  );
}
