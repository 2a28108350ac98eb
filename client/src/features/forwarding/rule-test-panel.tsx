/** Test a saved rule: one test notification through each action, each result in words. */
import { Alert, Button, Card, Group, List, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { useTestRule } from '../../api/notifications';
import { errorMessage } from '../../components/error-notice';

export function RuleTestPanel({ ruleId, dirty }: { ruleId: string; dirty: boolean }) {
  const test = useTestRule();
  return (
    <Card withBorder data-testid="rule-test">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={4}>Test</Title>
          <Button variant="light" onClick={() => test.mutate(ruleId)} loading={test.isPending}>
            Test
          </Button>
        </Group>
        <Text size="sm" c="dimmed">
          Sends a test notification ("notifications.test") through every action of the saved rule and waits for each answer.
          {dirty ? ' You have unsaved changes: the test uses the rule as last saved.' : ''}
        </Text>
        {test.isError ? (
          <Alert color="red" role="alert" title="The test did not run">
            {errorMessage(test.error)}
          </Alert>
        ) : null}
        {test.data ? (
          <List spacing="xs" aria-label="Test results" listStyleType="none">
            {test.data.results.map((result) => (
              <List.Item
                key={result.actionId}
                data-result={result.ok ? 'ok' : 'failed'}
                icon={
                  <ThemeIcon color={result.ok ? 'teal' : 'red'} size={22} radius="xl" aria-hidden>
                    {result.ok ? '✓' : '✕'}
                  </ThemeIcon>
                }
              >
                <Text size="sm" fw={600}>
                  {result.result}
                </Text>
                {!result.result.includes(result.target) ? (
                  <Text size="xs" c="dimmed">
                    Target: {result.target}
                  </Text>
                ) : null}
              </List.Item>
            ))}
          </List>
        ) : null}
      </Stack>
    </Card>
  );
}
