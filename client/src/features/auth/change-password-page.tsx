/**
 * The first sign-in (or an admin's reset) requires a new password before
 * anything else: the API refuses every other call until it is changed.
 */
import { Alert, Button, Card, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/http';
import type { Me } from '../../api/payloads';
import { useChangePassword, useSignOut } from '../../api/session';
import { errorMessage } from '../../components/error-notice';

export function ChangePasswordPage({ me }: { me: Me }) {
  const change = useChangePassword();
  const signOut = useSignOut();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const problem = (path: string) => (change.error instanceof ApiError ? change.error.problemAt(path) : undefined);
  const mismatch = repeat !== '' && repeat !== newPassword ? 'The two new passwords differ.' : undefined;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (mismatch) return;
    change.mutate({ currentPassword, newPassword });
  }

  const formError = change.error && !problem('currentPassword') && !problem('newPassword') ? errorMessage(change.error) : null;
  return (
    <div className="centered-page">
      <Card className="auth-card" withBorder padding="xl" radius="md">
        <form onSubmit={submit} noValidate>
          <Stack>
            <div>
              <Title order={2}>Choose a new password</Title>
              <Text c="dimmed" size="sm">
                {me.user.username}, your password was set by someone else. Choose your own before you go on.
              </Text>
            </div>
            {formError ? (
              <Alert color="red" role="alert" title="Password not changed">
                {formError}
              </Alert>
            ) : null}
            <PasswordInput label="Current password" name="currentPassword" autoComplete="current-password" value={currentPassword} onChange={(event) => setCurrentPassword(event.currentTarget.value)} error={problem('currentPassword')} required autoFocus />
            <PasswordInput label="New password" name="newPassword" autoComplete="new-password" value={newPassword} onChange={(event) => setNewPassword(event.currentTarget.value)} error={problem('newPassword')} required />
            <PasswordInput label="New password again" name="repeatPassword" autoComplete="new-password" value={repeat} onChange={(event) => setRepeat(event.currentTarget.value)} error={mismatch} required />
            <Button type="submit" loading={change.isPending} disabled={currentPassword === '' || newPassword === '' || repeat !== newPassword}>
              Change password
            </Button>
            <Button variant="subtle" onClick={() => signOut.mutate()}>
              Sign out instead
            </Button>
          </Stack>
        </form>
      </Card>
    </div>
  );
}
