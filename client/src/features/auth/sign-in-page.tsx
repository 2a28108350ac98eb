/** Sign in with a user name and password; the server's reasons (wrong password, locked out) show as they are. */
import { Alert, Button, Card, PasswordInput, Stack, TextInput, Title, Text } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/http';
import { useSignIn } from '../../api/session';
import { errorMessage } from '../../components/error-notice';

export function SignInPage() {
  const signIn = useSignIn();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const problem = (path: string) => (signIn.error instanceof ApiError ? signIn.error.problemAt(path) : undefined);

  function submit(event: FormEvent) {
    event.preventDefault();
    signIn.mutate({ username: username.trim(), password });
  }

  const formError = signIn.error && !problem('username') && !problem('password') ? errorMessage(signIn.error) : null;
  return (
    <div className="centered-page">
      <Card className="auth-card" withBorder padding="xl" radius="md">
        <form onSubmit={submit} noValidate>
          <Stack>
            <div>
              <Title order={2}>Garrison</Title>
              <Text c="dimmed" size="sm">
                Sign in to the sensor console.
              </Text>
            </div>
            {formError ? (
              <Alert color="red" role="alert" title="Not signed in">
                {formError}
              </Alert>
            ) : null}
            <TextInput label="User name" name="username" autoComplete="username" value={username} onChange={(event) => setUsername(event.currentTarget.value)} error={problem('username')} required data-autofocus autoFocus />
            <PasswordInput label="Password" name="password" autoComplete="current-password" value={password} onChange={(event) => setPassword(event.currentTarget.value)} error={problem('password')} required />
            <Button type="submit" loading={signIn.isPending} disabled={username.trim() === '' || password === ''}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Card>
    </div>
  );
}
