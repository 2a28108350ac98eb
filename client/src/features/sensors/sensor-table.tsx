/** One page of sensors: sortable columns (keyboard: Tab to a header, Enter), each name a link to its page. */
import { Anchor, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { SensorFilter } from '../../api/fleet';
import type { SensorListItem, SensorSort } from '../../api/payloads';
import { StateBadge } from '../../components/state-badge';
import { formatDrift, formatRelative } from './sensor-format';

interface SensorTableProps {
  items: SensorListItem[];
  filter: SensorFilter;
  onSort: (sort: SensorSort, order: 'asc' | 'desc') => void;
}

function SortHeader({ column, label, filter, onSort }: { column: SensorSort; label: string; filter: SensorFilter; onSort: SensorTableProps['onSort'] }) {
  const active = filter.sort === column;
  const nextOrder = active && filter.order === 'asc' ? 'desc' : 'asc';
  return (
    <Table.Th aria-sort={active ? (filter.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => onSort(column, nextOrder)}>
        {label} {active ? (filter.order === 'asc' ? '▲' : '▼') : ''}
      </button>
    </Table.Th>
  );
}

export function SensorTable({ items, filter, onSort }: SensorTableProps) {
  return (
    <div className="table-wrap">
      <Table striped highlightOnHover verticalSpacing="xs" data-testid="sensor-table">
        <Table.Thead>
          <Table.Tr>
            <SortHeader column="name" label="Name" filter={filter} onSort={onSort} />
            <SortHeader column="state" label="State" filter={filter} onSort={onSort} />
            <Table.Th>Site / zone</Table.Th>
            <SortHeader column="version" label="Version" filter={filter} onSort={onSort} />
            <SortHeader column="lastSeenAt" label="Last seen" filter={filter} onSort={onSort} />
            <Table.Th>Clock drift</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((sensor) => (
            <Table.Tr key={sensor.id} data-sensor-id={sensor.id} data-sensor-name={sensor.name}>
              <Table.Td>
                <Anchor component={Link} to={`/sensors/${sensor.id}`} fw={600}>
                  {sensor.name}
                </Anchor>
                <Text size="xs" c="dimmed">
                  {sensor.hostname}
                </Text>
              </Table.Td>
              <Table.Td>
                <StateBadge state={sensor.state} />
              </Table.Td>
              <Table.Td>{sensor.zone ? `${sensor.site?.name ?? '?'} / ${sensor.zone.name}` : <Text c="dimmed" size="sm">Unassigned</Text>}</Table.Td>
              <Table.Td className="mono">{sensor.version}</Table.Td>
              <Table.Td>{sensor.lastSeenAt ? formatRelative(sensor.lastSeenAt) : 'never'}</Table.Td>
              <Table.Td>{formatDrift(sensor.clockDriftMs)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}
