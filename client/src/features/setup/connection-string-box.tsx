/** A connection string to copy: the text itself (selectable), a copy button and when it expires. */
import { Button, CopyButton, Group, Paper, Stack, Text } from '@mantine/core';
import type { IssuedConnectionString } from '../../api/payloads';
import { formatDateTime, formatRelative } from '../sensors/sensor-format';

export function ConnectionStringBox({ issued, testId }: { issued: IssuedConnectionString; testId: string }) {
  const expired = new Date(issued.expiresAt).getTime() <= Date.now();
  return (
    <Paper withBorder p="sm">
      <Stack gap="xs">
        <Text className="connection-string" data-testid={testId}>
          {issued.connectionString}
        </Text>
        <Group justify="space-between">
          <Text size="sm" c={expired ? 'red' : 'dimmed'}>
            {expired ? 'Expired' : 'Expires'} {formatDateTime(issued.expiresAt)} ({formatRelative(issued.expiresAt)})
          </Text>
          <CopyButton value={issued.connectionString}>
            {({ copied, copy }) => (
              <Button size="xs" color={copied ? 'teal' : 'blue'} onClick={copy}>
                {copied ? 'Copied' : 'Copy'}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Paper>
  );
}
