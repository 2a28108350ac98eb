/** Overview: how many sensors are in each state, each a link to the list filtered by it. Live. */
import { Anchor, Card, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { SENSORS_KEY, useSensorCount } from '../../api/fleet';
import { useLiveRefresh } from '../../api/live';
import type { SensorState } from '../../api/payloads';
import { SENSOR_STATE_ORDER, STATE_WORDS } from '../../components/state-badge';

function StateCard({ state }: { state: SensorState }) {
  const count = useSensorCount(state);
  const words = STATE_WORDS[state];
  return (
    <Card withBorder className="stat-card" data-testid={`count-${state}`}>
      <Anchor component={Link} to={`/sensors?state=${state}`} underline="never">
        <Text size="sm" c={words.color}>
          {words.label}
        </Text>
        <Text size="xl" fw={700} c="bright">
          {count.data === undefined ? '…' : count.data.toLocaleString()}
        </Text>
      </Anchor>
    </Card>
  );
}

export function OverviewPage() {
  useLiveRefresh('sensors', [...SENSORS_KEY, 'count']);
  return (
    <Stack>
      <Title order={2}>Overview</Title>
      <Text c="dimmed" size="sm">
        Sensors by state. Select a number to see those sensors.
      </Text>
      <div className="stat-grid">
        {SENSOR_STATE_ORDER.map((state) => (
          <StateCard key={state} state={state} />
        ))}
      </div>
    </Stack>
  );
}
