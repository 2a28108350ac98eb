/** An event's severity as a coloured badge with words. */
import { Badge } from '@mantine/core';
import type { Severity } from '../../api/payloads';

export const SEVERITY_WORDS: Record<Severity, { label: string; color: string }> = {
  info: { label: 'Info', color: 'blue' },
  warning: { label: 'Warning', color: 'yellow' },
  minor: { label: 'Minor', color: 'orange' },
  major: { label: 'Major', color: 'red' },
  critical: { label: 'Critical', color: 'grape' },
};

export function SeverityBadge({ severity }: { severity: string }) {
  const words = SEVERITY_WORDS[severity as Severity] ?? { label: severity, color: 'gray' };
  return (
    <Badge color={words.color} variant="light" data-severity={severity}>
      {words.label}
    </Badge>
  );
}
