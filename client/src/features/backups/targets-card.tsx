/** Backup targets: where files go, how full they are, and a Test that writes, reads back and deletes a probe file. */
import { Badge, Button, Card, Group, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useDeleteTarget, useTargets, useTargetUsage, useTestTarget } from '../../api/backups';
import type { TargetView } from '../../api/payloads';
import { ConfirmButton } from '../../components/confirm-button';
import { errorMessage } from '../../components/error-notice';
import { QueryState } from '../../components/query-state';
import { TableHead } from '../../components/table-head';
import { byteSize } from './byte-size';
import { TargetForm } from './target-form';

export function TargetsCard({ canManage }: { canManage: boolean }) {
  const targets = useTargets();
  const remove = useDeleteTarget();
  const [creating, setCreating] = useState(false);
  return (
    <Card withBorder data-testid="backup-targets">
      <Group justify="space-between" mb="xs">
        <Title order={4}>Targets</Title>
        {canManage ? <Button size="xs" onClick={() => setCreating(true)}>New target</Button> : null}
      </Group>
      <QueryState query={targets} loading="Loading targets" size="sm" />
      {remove.isError ? <Text c="red" size="sm" role="alert">{errorMessage(remove.error)}</Text> : null}
      {targets.data ? (
        <Table verticalSpacing="xs">
          <TableHead columns={['Name', 'Location', 'Storage use', 'Test', '']} />
          <Table.Tbody>
            {targets.data.map((target) => (
              <TargetRow key={target.id} target={target} canManage={canManage} onDelete={() => remove.mutateAsync(target.id)} />
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      <Modal opened={creating} onClose={() => setCreating(false)} title="New backup target" size="lg">
        <TargetForm onDone={() => setCreating(false)} />
      </Modal>
    </Card>
  );
}

function TargetRow({ target, canManage, onDelete }: { target: TargetView; canManage: boolean; onDelete: () => Promise<unknown> }) {
  const usage = useTargetUsage(target.id);
  const test = useTestTarget();
  return (
    <Table.Tr data-target-name={target.name}>
      <Table.Td>
        <Text size="sm" fw={600}>
          {target.name}
        </Text>
        <Badge size="xs" variant="light" color={target.kind === 'smb' ? 'blue' : 'gray'}>
          {target.builtIn ? 'built in' : target.kind === 'smb' ? 'SMB' : 'folder'}
        </Badge>
      </Table.Td>
      <Table.Td className="mono break-all">
        <Text size="xs">{target.location}</Text>
      </Table.Td>
      <Table.Td>
        {usage.isError ? <Text size="xs" c="red">{errorMessage(usage.error)}</Text> : null}
        {usage.data ? (
          <Text size="sm">
            {usage.data.files} file{usage.data.files === 1 ? '' : 's'}, {byteSize(usage.data.bytes)}
            {usage.data.freeBytes !== null ? `; ${byteSize(usage.data.freeBytes)} free` : ''}
          </Text>
        ) : null}
      </Table.Td>
      <Table.Td>
        <Stack gap={2}>
          {canManage ? (
            <Button size="xs" variant="light" w="fit-content" loading={test.isPending} onClick={() => test.mutate(target.id)}>
              Test
            </Button>
          ) : null}
          {test.isError ? <Text size="xs" c="red">{errorMessage(test.error)}</Text> : null}
          {test.data ? (
            <Text size="xs" c={test.data.ok ? 'teal' : 'red'} role="status" data-test-result={test.data.ok ? 'ok' : 'failed'}>
              {test.data.ok ? `Works: wrote, read back and deleted a probe file in ${test.data.durationMs} ms${test.data.freeBytes !== null ? `; ${byteSize(test.data.freeBytes)} free` : ''}.` : `Failed (${test.data.code}): ${test.data.message}`}
            </Text>
          ) : null}
        </Stack>
      </Table.Td>
      <Table.Td>
        {canManage && !target.builtIn ? <ConfirmButton size="xs" label="Delete" title={`Delete target ${target.name}?`} question="Files already stored there stay where they are. A target a schedule uses cannot be deleted." confirmLabel="Delete target" onConfirm={onDelete} /> : null}
      </Table.Td>
    </Table.Tr>
  );
}
