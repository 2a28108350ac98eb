/** A sensor's presence state as a coloured badge with words (never colour alone). */
import { Badge } from '@mantine/core';
import type { SensorState } from '../api/payloads';

export const STATE_WORDS: Record<SensorState, { label: string; color: string }> = {
  connected: { label: 'Connected', color: 'teal' },
  unreachable: { label: 'Unreachable', color: 'yellow' },
  disconnected: { label: 'Disconnected', color: 'red' },
  'never-connected': { label: 'Never connected', color: 'blue' },
  revoked: { label: 'Revoked', color: 'gray' },
};

/** In the order the overview and the filter list them: what needs attention first. */
export const SENSOR_STATE_ORDER = Object.keys(STATE_WORDS) as SensorState[];

export function StateBadge({ state }: { state: SensorState }) {
  const words = STATE_WORDS[state];
  return (
    <Badge color={words.color} variant="light" data-state={state}>
      {words.label}
    </Badge>
  );
}
