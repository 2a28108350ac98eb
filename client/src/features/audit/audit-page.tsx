/** The audit log: search by action, actor, target, outcome and time; page back through it; verify the hash chain; export NDJSON. */
import { Alert, Anchor, Badge, Button, Card, Code, Group, Loader, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { auditExportUrl, useAuditPage, useVerifyAudit, type AuditFilter } from '../../api/users';
import type { AuditRecordView } from '../../api/payloads';
import { ErrorNotice, errorMessage } from '../../components/error-notice';
import { fieldErrorsOf } from '../../components/form-errors';
import { TableHead } from '../../components/table-head';

const EMPTY: AuditFilter = { action: '', actor: '', target: '', outcome: null, from: '', to: '' };
const PAGE_SIZE = 50;

export function AuditPage() {
  const [draft, setDraft] = useState<AuditFilter>(EMPTY);
  const [filter, setFilter] = useState<AuditFilter>(EMPTY);
  // Cursors of the pages visited, so Newer goes back without a new query shape.
  const [cursors, setCursors] = useState<Array<number | null>>([null]);
  const before = cursors.at(-1) ?? null;
  const page = useAuditPage(filter, before, PAGE_SIZE);
  const errors = fieldErrorsOf(page.error);
  const set = (change: Partial<AuditFilter>) => setDraft((current) => ({ ...current, ...change }));
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Audit log</Title>
        <Group>
          <VerifyChain />
          <Button component="a" href={auditExportUrl(filter)} variant="default" download>
            Export (NDJSON)
          </Button>
        </Group>
      </Group>
      <Text c="dimmed" size="sm">
        Every change and sign-in, newest first. Records are hash-chained: Verify chain proves none was edited or removed. Export downloads the records that match the search.
      </Text>
      <Card withBorder>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            setFilter(draft);
            setCursors([null]);
          }}
        >
          <Group align="flex-start">
            <TextInput label="Action" placeholder="user.* or settings.updated" value={draft.action} onChange={(event) => set({ action: event.currentTarget.value })} error={errors.at('action')} w={220} />
            <TextInput label="Actor" placeholder="User name" value={draft.actor} onChange={(event) => set({ actor: event.currentTarget.value })} error={errors.at('actor')} w={160} />
            <TextInput label="Target" placeholder="Name or id" value={draft.target} onChange={(event) => set({ target: event.currentTarget.value })} error={errors.at('target')} w={160} />
            <Select label="Outcome" placeholder="Any" data={[{ value: 'success', label: 'Success' }, { value: 'failure', label: 'Failure' }]} value={draft.outcome} onChange={(value) => set({ outcome: value as AuditFilter['outcome'] })} clearable w={130} />
            <TextInput label="From" type="datetime-local" value={draft.from} onChange={(event) => set({ from: event.currentTarget.value })} error={errors.at('from')} w={200} />
            <TextInput label="To" type="datetime-local" value={draft.to} onChange={(event) => set({ to: event.currentTarget.value })} error={errors.at('to')} w={200} />
            <Button type="submit" mt={25}>
              Search
            </Button>
            {JSON.stringify(filter) !== JSON.stringify(EMPTY) ? (
              <Button
                variant="default"
                mt={25}
                onClick={() => {
                  setDraft(EMPTY);
                  setFilter(EMPTY);
                  setCursors([null]);
                }}
              >
                Clear
              </Button>
            ) : null}
          </Group>
        </form>
      </Card>
      {page.isError && !errors.any ? <ErrorNotice error={page.error} onRetry={() => void page.refetch()} /> : null}
      {page.isPending ? <Loader aria-label="Loading the audit log" /> : null}
      {page.data?.records.length === 0 ? (
        <Card withBorder>
          <Text>No audit record matches.</Text>
          <Text size="sm" c="dimmed">
            Widen the search: an action area such as "user.*" matches every user action.
          </Text>
        </Card>
      ) : null}
      {page.data && page.data.records.length > 0 ? (
        <Card withBorder p={0} className="table-wrap">
          <Table verticalSpacing="xs" striped data-testid="audit-table">
            <TableHead columns={['#', 'When', 'Actor', 'Action', 'Target', 'Outcome']} />
            <Table.Tbody>
              {page.data.records.map((record) => (
                <AuditRow key={record.sequence} record={record} />
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      ) : null}
      <Group>
        <Button variant="default" disabled={cursors.length <= 1} onClick={() => setCursors((list) => list.slice(0, -1))}>
          Newer
        </Button>
        <Button variant="default" disabled={!page.data?.nextBefore} onClick={() => page.data?.nextBefore && setCursors((list) => [...list, page.data.nextBefore])}>
          Older
        </Button>
        <Text size="sm" c="dimmed">
          Page {cursors.length}
        </Text>
      </Group>
    </Stack>
  );
}

function AuditRow({ record }: { record: AuditRecordView }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Table.Tr data-action={record.action}>
        <Table.Td>{record.sequence}</Table.Td>
        <Table.Td className="nowrap">{new Date(record.at).toLocaleString()}</Table.Td>
        <Table.Td>
          <Text size="sm">{record.actor.name}</Text>
          <Text size="xs" c="dimmed">
            {record.actor.kind}
            {record.sourceAddress ? ` from ${record.sourceAddress}` : ''}
          </Text>
        </Table.Td>
        <Table.Td>
          <Anchor component="button" type="button" size="sm" className="mono" onClick={() => setOpen(!open)} aria-expanded={open}>
            {record.action}
          </Anchor>
          {record.reason ? (
            <Text size="xs" c="dimmed">
              {record.reason}
            </Text>
          ) : null}
        </Table.Td>
        <Table.Td>{record.target ? `${record.target.kind}: ${record.target.name ?? record.target.id ?? ''}` : '—'}</Table.Td>
        <Table.Td className="nowrap">
          <Badge color={record.outcome === 'success' ? 'teal' : 'red'} variant="light" className="badge-full">
            {record.outcome}
          </Badge>
        </Table.Td>
      </Table.Tr>
      {open ? (
        <Table.Tr>
          <Table.Td colSpan={6}>
            <div className="card-grid">
              <Code block>{`before: ${JSON.stringify(record.before, null, 2) ?? 'null'}`}</Code>
              <Code block>{`after: ${JSON.stringify(record.after, null, 2) ?? 'null'}`}</Code>
            </div>
            <Text size="xs" c="dimmed" className="mono break-all" mt={4}>
              hash {record.hash}
            </Text>
          </Table.Td>
        </Table.Tr>
      ) : null}
    </>
  );
}

function VerifyChain() {
  const verify = useVerifyAudit();
  return (
    <Group gap="xs">
      <Button variant="light" loading={verify.isPending} onClick={() => verify.mutate()}>
        Verify chain
      </Button>
      {verify.data ? (
        <Text size="sm" c={verify.data.valid ? 'teal' : 'red'} role="status" data-testid="chain-result">
          {verify.data.valid
            ? `Chain intact: ${verify.data.checked.toLocaleString()} records checked.`
            : `Chain broken at record ${verify.data.firstBrokenSequence ?? '?'} (${verify.data.checked.toLocaleString()} checked): a record was edited or removed. Keep an export and investigate.`}
        </Text>
      ) : null}
      {verify.isError ? (
        <Alert color="red" role="alert" p="xs">
          {errorMessage(verify.error)}
        </Alert>
      ) : null}
    </Group>
  );
}
