/** Create or rename a site or zone; the server's field problems show beside the field. */
import { Button, Group, Stack, TextInput } from '@mantine/core';
import { useState } from 'react';
import { ApiError } from '../../api/http';
import { useSavePlacement } from '../../api/fleet';
import { errorMessage } from '../../components/error-notice';

interface PlacementFormProps {
  kind: 'sites' | 'zones';
  /** Editing when set; creating otherwise. */
  id?: string;
  /** A new zone's site. */
  siteId?: string;
  initialName?: string;
  onDone: () => void;
}

export function PlacementForm({ kind, id, siteId, initialName = '', onDone }: PlacementFormProps) {
  const save = useSavePlacement(kind);
  const [name, setName] = useState(initialName);
  const error = save.error instanceof ApiError ? (save.error.problemAt('name') ?? save.error.message) : save.error ? errorMessage(save.error) : undefined;
  const noun = kind === 'sites' ? 'Site' : 'Zone';
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        const body: Record<string, string> = { name: name.trim() };
        if (!id && siteId) body.siteId = siteId;
        save.mutate(id ? { id, body } : { body }, { onSuccess: onDone });
      }}
    >
      <Stack>
        <TextInput label={`${noun} name`} value={name} onChange={(event) => setName(event.currentTarget.value)} error={error} autoFocus data-autofocus />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending} disabled={name.trim() === '' || name.trim() === initialName}>
            {id ? 'Rename' : `Create ${noun.toLowerCase()}`}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
