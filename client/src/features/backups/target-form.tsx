/** Create a backup target: a local folder on the console, or an SMB share (password write-only). */
import { Button, Group, NumberInput, PasswordInput, SegmentedControl, Stack, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useCreateTarget } from '../../api/backups';
import { fieldErrorsOf } from '../../components/form-errors';
import { FormFailure } from '../../components/form-failure';

export function TargetForm({ onDone }: { onDone: () => void }) {
  const create = useCreateTarget();
  const [kind, setKind] = useState<'local' | 'smb'>('local');
  const [name, setName] = useState('');
  const [directory, setDirectory] = useState('');
  const [host, setHost] = useState('');
  const [port, setPort] = useState<number | string>(445);
  const [share, setShare] = useState('');
  const [domain, setDomain] = useState('');
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const errors = fieldErrorsOf(create.error);
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        const body =
          kind === 'local'
            ? { kind, name: name.trim(), directory: directory.trim() }
            : { kind, name: name.trim(), host: host.trim(), port: Number(port), share: share.trim(), directory: directory.trim(), domain: domain.trim(), user: user.trim(), password };
        create.mutate(body, { onSuccess: onDone });
      }}
    >
      <Stack gap="sm">
        <SegmentedControl data={[{ value: 'local', label: 'Folder on the console' }, { value: 'smb', label: 'SMB share' }]} value={kind} onChange={(value) => setKind(value as 'local' | 'smb')} w="fit-content" aria-label="Target kind" />
        <TextInput label="Target name" value={name} onChange={(event) => setName(event.currentTarget.value)} error={errors.at('name')} required data-autofocus />
        {kind === 'smb' ? (
          <>
            <Group align="flex-start" grow>
              <TextInput label="Server" placeholder="IP address or host name" value={host} onChange={(event) => setHost(event.currentTarget.value)} error={errors.at('host')} required />
              <NumberInput label="Port" value={port} onChange={setPort} min={1} max={65535} error={errors.at('port')} />
            </Group>
            <Group align="flex-start" grow>
              <TextInput label="Share" value={share} onChange={(event) => setShare(event.currentTarget.value)} error={errors.at('share')} required />
              <TextInput label="Folder in the share" placeholder="backups/garrison" value={directory} onChange={(event) => setDirectory(event.currentTarget.value)} error={errors.at('directory')} />
            </Group>
            <Group align="flex-start" grow>
              <TextInput label="Domain (optional)" value={domain} onChange={(event) => setDomain(event.currentTarget.value)} error={errors.at('domain')} />
              <TextInput label="User" value={user} onChange={(event) => setUser(event.currentTarget.value)} error={errors.at('user')} required autoComplete="off" />
              <PasswordInput label="Password" value={password} onChange={(event) => setPassword(event.currentTarget.value)} error={errors.at('password')} required autoComplete="new-password" />
            </Group>
          </>
        ) : (
          <TextInput label="Folder" placeholder="/srv/garrison-backups" description="An absolute path on the console host; the console must be able to write there." value={directory} onChange={(event) => setDirectory(event.currentTarget.value)} error={errors.at('directory')} required />
        )}
        <FormFailure error={create.error} errors={errors} title="Not created" />
        <Group justify="flex-end">
          <Button type="submit" loading={create.isPending}>
            Create target
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
