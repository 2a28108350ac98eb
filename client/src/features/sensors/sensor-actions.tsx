/** Rename, move to a zone, revoke (asks first). Each form shows the server's reason beside the field. */
import { Button, Group, Modal, Select, Stack, TextInput } from '@mantine/core';
import { useState } from 'react';
import { ApiError } from '../../api/http';
import { useMoveSensors, useRenameSensor, useRevokeSensor, useZones } from '../../api/fleet';
import type { SensorDetail } from '../../api/payloads';
import { ConfirmButton } from '../../components/confirm-button';
import { errorMessage } from '../../components/error-notice';

interface SensorActionsProps {
  sensor: SensorDetail;
  canManage: boolean;
  canRevoke: boolean;
}

export function SensorActions({ sensor, canManage, canRevoke }: SensorActionsProps) {
  const [dialog, setDialog] = useState<'rename' | 'move' | null>(null);
  const revoked = sensor.state === 'revoked';
  const revoke = useRevokeSensor(sensor.id);
  return (
    <Group gap="xs">
      {canManage && !revoked ? (
        <>
          <Button variant="default" onClick={() => setDialog('rename')}>
            Rename
          </Button>
          <Button variant="default" onClick={() => setDialog('move')}>
            Move to zone
          </Button>
        </>
      ) : null}
      {canRevoke && !revoked ? (
        <ConfirmButton
          label="Revoke"
          title={`Revoke ${sensor.name}?`}
          question="Its link closes now and the console refuses its certificate from now on. To bring it back, enrol it again with a new connection string."
          confirmLabel="Revoke sensor"
          onConfirm={() => revoke.mutateAsync()}
        />
      ) : null}
      {revoke.error ? <span role="alert">{errorMessage(revoke.error)}</span> : null}
      <Modal opened={dialog === 'rename'} onClose={() => setDialog(null)} title="Rename sensor" centered>
        {dialog === 'rename' ? <RenameForm sensor={sensor} onDone={() => setDialog(null)} /> : null}
      </Modal>
      <Modal opened={dialog === 'move'} onClose={() => setDialog(null)} title="Move to a zone" centered>
        {dialog === 'move' ? <MoveForm sensor={sensor} onDone={() => setDialog(null)} /> : null}
      </Modal>
    </Group>
  );
}

function RenameForm({ sensor, onDone }: { sensor: SensorDetail; onDone: () => void }) {
  const rename = useRenameSensor(sensor.id);
  const [name, setName] = useState(sensor.name);
  const error = rename.error instanceof ApiError ? (rename.error.problemAt('name') ?? rename.error.message) : rename.error ? errorMessage(rename.error) : undefined;
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        rename.mutate(name.trim(), { onSuccess: onDone });
      }}
    >
      <Stack>
        <TextInput label="Name" description="Letters, digits, '.', '_' or '-'; it appears in backup file names." value={name} onChange={(event) => setName(event.currentTarget.value)} error={error} autoFocus />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={rename.isPending} disabled={name.trim() === '' || name.trim() === sensor.name}>
            Rename
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function MoveForm({ sensor, onDone }: { sensor: SensorDetail; onDone: () => void }) {
  const zones = useZones();
  const move = useMoveSensors();
  const [zoneId, setZoneId] = useState<string | null>(sensor.zone?.id ?? 'unassigned');
  const options = [{ value: 'unassigned', label: 'Unassigned' }, ...(zones.data ?? []).map((zone) => ({ value: zone.id, label: `${zone.siteName ?? '?'} / ${zone.name}` }))];
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        move.mutate({ sensorIds: [sensor.id], zoneId: zoneId === 'unassigned' ? null : zoneId }, { onSuccess: onDone });
      }}
    >
      <Stack>
        <Select label="Zone" data={options} value={zoneId} onChange={setZoneId} searchable error={move.error ? errorMessage(move.error) : undefined} description={zones.data?.length === 0 ? 'No zones yet: create one under Sites and zones.' : undefined} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={move.isPending} disabled={zoneId === null || zoneId === (sensor.zone?.id ?? 'unassigned')}>
            Move
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
