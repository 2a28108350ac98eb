/** An error in words with the next step: the server's own sentence, and a retry when it may help. */
import { Alert, Button, Stack, Text } from '@mantine/core';
import { ApiError } from '../api/http';

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return `${error.message} Ask an admin if you need this.`;
    return error.message;
  }
  return error instanceof Error ? error.message : 'Something went wrong.';
}

export function ErrorNotice({ error, onRetry, title = 'This could not be loaded' }: { error: unknown; onRetry?: () => void; title?: string }) {
  return (
    <Alert color="red" title={title} role="alert">
      <Stack gap="xs">
        <Text size="sm">{errorMessage(error)}</Text>
        {onRetry ? (
          <Button size="xs" variant="light" color="red" onClick={onRetry} w="fit-content">
            Try again
          </Button>
        ) : null}
      </Stack>
    </Alert>
  );
}
