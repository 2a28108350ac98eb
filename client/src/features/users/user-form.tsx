/** Create a user: name, role, optional site/zone scope, a first password the user must change. */
import { Button, Checkbox, Group, MultiSelect, PasswordInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useSites, useZones } from '../../api/fleet';
import type { Role } from '../../api/payloads';
import { useCreateUser } from '../../api/users';
import { errorMessage } from '../../components/error-notice';
import { fieldErrorsOf } from '../../components/form-errors';
import { FormFailure } from '../../components/form-failure';
import { ROLE_OPTIONS } from './role-words';

export function CreateUserForm({ onDone }: { onDone: (username: string) => void }) {
  const create = useCreateUser();
  const sites = useSites();
  const zones = useZones();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('read-only');
  const [scoped, setScoped] = useState(false);
  const [siteIds, setSiteIds] = useState<string[]>([]);
  const [zoneIds, setZoneIds] = useState<string[]>([]);
  const [password, setPassword] = useState('');
  const errors = fieldErrorsOf(create.error);
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        create.mutate(
          {
            username: username.trim(),
            ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
            role,
            scope: scoped ? { siteIds, zoneIds } : null,
            password,
            mustChangePassword: true,
          },
          { onSuccess: (user) => onDone(user.username) },
        );
      }}
    >
      <Stack gap="sm">
        <Group align="flex-start" grow>
          <TextInput label="User name" description="3-32 letters, digits, dots, dashes" value={username} onChange={(event) => setUsername(event.currentTarget.value)} error={errors.at('username')} required data-autofocus autoComplete="off" />
          <TextInput label="Display name" description="Optional" value={displayName} onChange={(event) => setDisplayName(event.currentTarget.value)} error={errors.at('displayName')} />
        </Group>
        <Select
          label="Role"
          data={ROLE_OPTIONS.map((option) => ({ value: option.value, label: option.label }))}
          value={role}
          onChange={(value) => setRole((value ?? 'read-only') as Role)}
          description={ROLE_OPTIONS.find((option) => option.value === role)?.description}
          allowDeselect={false}
          error={errors.at('role')}
        />
        <Checkbox label="Limit this user to some sites or zones" checked={scoped} onChange={(event) => setScoped(event.currentTarget.checked)} />
        {scoped ? (
          <Group align="flex-start" grow>
            <MultiSelect label="Sites" data={(sites.data ?? []).map((site) => ({ value: site.id, label: site.name }))} value={siteIds} onChange={setSiteIds} error={errors.at('scope.siteIds')} searchable />
            <MultiSelect label="Zones" data={(zones.data ?? []).map((zone) => ({ value: zone.id, label: `${zone.siteName ?? '?'} / ${zone.name}` }))} value={zoneIds} onChange={setZoneIds} error={errors.at('scope.zoneIds')} searchable />
          </Group>
        ) : null}
        <PasswordInput
          label="First password"
          description="At least 12 characters. The user must choose a new one at first sign-in."
          value={password}
          onChange={(event) => setPassword(event.currentTarget.value)}
          error={errors.at('password')}
          required
          autoComplete="new-password"
        />
        <FormFailure error={create.error} errors={errors} title="Not created" />
        {errors.any ? (
          <Text c="red" size="sm" role="alert">
            Correct the fields marked in red, then try again.
          </Text>
        ) : null}
        <Group justify="flex-end">
          <Button type="submit" loading={create.isPending}>
            Create user
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function ResetPasswordForm({ onSubmit, pending, error }: { onSubmit: (password: string) => void; pending: boolean; error: unknown }) {
  const [password, setPassword] = useState('');
  const errors = fieldErrorsOf(error);
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit(password);
      }}
    >
      <Stack gap="sm">
        <Text size="sm">The user's sessions end now; they sign in with this password and must then choose their own.</Text>
        <PasswordInput label="New password" value={password} onChange={(event) => setPassword(event.currentTarget.value)} error={errors.at('newPassword') ?? (error && !errors.any ? errorMessage(error) : undefined)} required data-autofocus autoComplete="new-password" />
        <Group justify="flex-end">
          <Button type="submit" loading={pending}>
            Set password
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
