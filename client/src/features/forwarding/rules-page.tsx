/** Forwarding rules: what each forwards, where to, and whether it is on. */
import { Anchor, Badge, Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useCatalogue, useRules } from '../../api/notifications';
import type { ForwardingRule, Me, NotificationCatalogue } from '../../api/payloads';
import { can } from '../../api/session';
import { QueryState } from '../../components/query-state';
import { TableHead } from '../../components/table-head';
import { SEVERITY_WORDS } from './severity-badge';

function eventsInWords(rule: ForwardingRule, catalogue: NotificationCatalogue | undefined): string {
  const types = rule.conditions.eventTypes as string[];
  const what = types.includes('all')
    ? 'All system notifications'
    : types.map((type) => catalogue?.eventTypes.find((entry) => entry.type === type)?.label ?? type).join(', ');
  return `${what}, ${SEVERITY_WORDS[rule.conditions.minimumSeverity].label.toLowerCase()} and above`;
}

export function RulesPage({ me }: { me: Me }) {
  const rules = useRules();
  const catalogue = useCatalogue();
  const canManage = can(me, 'notifications:manage');
  const labelOf = (type: string) => catalogue.data?.actionTypes.find((entry) => entry.type === type)?.label.split(' (')[0] ?? type;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Forwarding rules</Title>
        {canManage ? (
          <Button component={Link} to="/forwarding/rules/new">
            New rule
          </Button>
        ) : null}
      </Group>
      <Text c="dimmed" size="sm">
        A rule forwards the system notifications it matches to a SIEM, a mail box, an SNMP manager or a webhook. Failed deliveries are retried; see Deliveries.
      </Text>
      <QueryState query={rules} loading="Loading rules" />
      {rules.data?.length === 0 ? (
        <Card withBorder>
          <Text>No forwarding rules yet.</Text>
          <Text c="dimmed" size="sm">
            {canManage ? 'Create one with New rule: choose which events, then add a syslog, email, SNMP trap or webhook action.' : 'An admin or a security analyst creates them.'}
          </Text>
        </Card>
      ) : null}
      {rules.data && rules.data.length > 0 ? (
        <Card withBorder p={0}>
          <Table striped highlightOnHover verticalSpacing="xs" data-testid="rules-table">
            <TableHead columns={['Name', 'State', 'Forwards', 'To']} />
            <Table.Tbody>
              {rules.data.map((rule) => (
                <Table.Tr key={rule.id} data-rule-name={rule.name}>
                  <Table.Td>
                    <Anchor component={Link} to={`/forwarding/rules/${rule.id}`}>
                      {rule.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={rule.enabled ? 'teal' : 'gray'} variant="light">
                      {rule.enabled ? 'Enabled' : 'Disabled'}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{eventsInWords(rule, catalogue.data)}</Table.Td>
                  <Table.Td>{rule.actions.map((action) => labelOf(action.type)).join(', ')}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      ) : null}
    </Stack>
  );
}
