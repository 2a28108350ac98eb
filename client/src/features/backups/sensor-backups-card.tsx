/** One sensor's backups on its page: Back up now, the stored files, Restore (admins, after confirmation). */
import { Alert, Button, Card, Group, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useBackUpNow, useRestore, useSensorFiles } from '../../api/backups';
import type { Me } from '../../api/payloads';
import { can } from '../../api/session';
import { ConfirmButton } from '../../components/confirm-button';
import { errorMessage } from '../../components/error-notice';
import { QueryState } from '../../components/query-state';
import { byteSize } from './byte-size';

export function SensorBackupsCard({ me, sensorId, sensorName }: { me: Me; sensorId: string; sensorName: string }) {
  const files = useSensorFiles(sensorId);
  const backUp = useBackUpNow();
  const restore = useRestore();
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <Card withBorder data-testid="sensor-backups">
      <Group justify="space-between" mb="xs">
        <Title order={4}>Backups</Title>
        {can(me, 'sensors:manage') ? (
          <Button size="xs" variant="light" loading={backUp.isPending} onClick={() => backUp.mutate(sensorId, { onSuccess: () => setNotice('Backup queued. It appears here when it is stored; follow it under Backups → Runs.') })}>
            Back up now
          </Button>
        ) : null}
      </Group>
      {notice ? <Text c="teal" size="sm" role="status">{notice}</Text> : null}
      {backUp.isError ? <Alert color="red" role="alert">{errorMessage(backUp.error)}</Alert> : null}
      {restore.isError ? <Alert color="red" role="alert" title="Not restored">{errorMessage(restore.error)}</Alert> : null}
      <QueryState query={files} loading="Loading backups" size="sm" />
      {files.data?.length === 0 ? <Text size="sm" c="dimmed">No stored backup yet.</Text> : null}
      {files.data && files.data.length > 0 ? (
        <Table verticalSpacing={4}>
          <Table.Tbody>
            {files.data.map((file) => (
              <Table.Tr key={file.id} data-backup-file={file.name}>
                <Table.Td className="nowrap">{new Date(file.createdAt).toLocaleString()}</Table.Td>
                <Table.Td className="nowrap">{byteSize(file.sizeBytes)}</Table.Td>
                <Table.Td className="mono">{file.version}</Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    {can(me, 'backups:download') ? (
                      <Button size="xs" variant="default" component="a" href={`/api/v1/backups/${encodeURIComponent(file.id)}/download`} download>
                        Download
                      </Button>
                    ) : null}
                    {can(me, 'backups:restore') ? (
                      <ConfirmButton
                        size="xs"
                        label="Restore"
                        title={`Restore ${sensorName} from this backup?`}
                        question="The sensor's configuration is replaced by this backup's. Only a sensor of the same version accepts it."
                        confirmLabel="Restore"
                        onConfirm={() => restore.mutateAsync({ fileId: file.id, sensorId }).then(() => setNotice('Restored.'))}
                      />
                    ) : null}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
    </Card>
  );
}
