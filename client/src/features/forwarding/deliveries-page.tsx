/** The delivery log: every planned delivery with its attempts and last reason; failing and dead ones can be retried by hand. */
import { Alert, Badge, Button, Card, Group, SegmentedControl, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { useDeliveries, useRetryDelivery, type DeliveryFilter } from '../../api/notifications';
import type { Delivery, Me } from '../../api/payloads';
import { can } from '../../api/session';
import { errorMessage } from '../../components/error-notice';
import { QueryState } from '../../components/query-state';
import { TableHead } from '../../components/table-head';

const VIEWS: Array<{ value: DeliveryFilter['view']; label: string }> = [
  { value: 'all', label: 'All' },
  { value: 'failing', label: 'Failing' },
  { value: 'dead', label: 'Dead' },
  { value: 'pending', label: 'Pending' },
  { value: 'delivered', label: 'Delivered' },
];

function statusOf(delivery: Delivery): { label: string; color: string } {
  if (delivery.status === 'delivered') return { label: 'Delivered', color: 'teal' };
  if (delivery.status === 'dead') return { label: 'Dead', color: 'red' };
  return delivery.attempts > 0 ? { label: 'Failing, will retry', color: 'orange' } : { label: 'Pending', color: 'blue' };
}

const time = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

export function DeliveriesPage({ me }: { me: Me }) {
  const [params, setParams] = useSearchParams();
  const view = (VIEWS.find((entry) => entry.value === params.get('view'))?.value ?? 'all') as DeliveryFilter['view'];
  const deliveries = useDeliveries({ view, limit: 200 });
  const retry = useRetryDelivery();
  const [retried, setRetried] = useState<string | null>(null);
  const canRetry = can(me, 'notifications:manage');
  return (
    <Stack>
      <Title order={2}>Deliveries</Title>
      <Text c="dimmed" size="sm">
        Each forwarded event per action. The console retries failures with growing pauses until the deadline; then the delivery is dead. Fix the target (see the reason), then Retry.
      </Text>
      <SegmentedControl data={VIEWS} value={view} onChange={(value) => setParams(value === 'all' ? {} : { view: value })} w="fit-content" aria-label="Show deliveries" />
      {retry.isError ? (
        <Alert color="red" role="alert" title="Not retried">
          {errorMessage(retry.error)}
        </Alert>
      ) : null}
      {retried ? (
        <Text c="teal" size="sm" role="status">
          Queued again: the console sends it now.
        </Text>
      ) : null}
      <QueryState query={deliveries} loading="Loading deliveries" />
      {deliveries.data?.length === 0 ? (
        <Card withBorder>
          <Text>{view === 'all' ? 'Nothing has been forwarded yet.' : `No ${VIEWS.find((entry) => entry.value === view)?.label.toLowerCase()} deliveries.`}</Text>
          <Text c="dimmed" size="sm">
            {view === 'all' ? 'Deliveries appear when a forwarding rule matches an event. Create a rule under Forwarding rules.' : 'Nothing to do here.'}
          </Text>
        </Card>
      ) : null}
      {deliveries.data && deliveries.data.length > 0 ? (
        <Card withBorder p={0} className="table-wrap">
          <Table verticalSpacing="xs" striped data-testid="deliveries-table">
            <TableHead columns={['Event', 'Rule → target', 'Status', 'Attempts', 'Last reason', '']} />
            <Table.Tbody>
              {deliveries.data.map((delivery) => {
                const status = statusOf(delivery);
                return (
                  <Table.Tr key={delivery.id} data-status={delivery.status}>
                    <Table.Td>
                      <Text size="sm">{delivery.eventTitle}</Text>
                      <Text size="xs" c="dimmed">
                        {delivery.eventType}, {time(delivery.createdAt)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{delivery.ruleName}</Text>
                      <Text size="xs" c="dimmed" className="break-all">
                        {delivery.target}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Tooltip label={delivery.nextAttemptAt ? `Next attempt ${time(delivery.nextAttemptAt)}, gives up ${time(delivery.deadline)}` : `Finished ${time(delivery.finishedAt)}`}>
                        <Badge color={status.color} variant="light">
                          {status.label}
                        </Badge>
                      </Tooltip>
                    </Table.Td>
                    <Table.Td>{delivery.attempts}</Table.Td>
                    <Table.Td>
                      <Text size="sm" className="break-all">
                        {delivery.lastReason ?? '—'}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {canRetry && delivery.status !== 'delivered' ? (
                        <Button size="xs" variant="light" loading={retry.isPending && retry.variables === delivery.id} onClick={() => retry.mutate(delivery.id, { onSuccess: () => setRetried(delivery.id) })}>
                          Retry
                        </Button>
                      ) : null}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Card>
      ) : null}
    </Stack>
  );
}
