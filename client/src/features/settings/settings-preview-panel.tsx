/** What a change would do, before saving: the fields that change, the sensors whose settings change, one sensor's result. */
import { Alert, Badge, Card, Group, Loader, Stack, Text, Title } from '@mantine/core';
import type { SettingsPreview } from '../../api/payloads';
import { errorMessage } from '../../components/error-notice';
import { settingValueInWords } from './setting-value-words';

interface PreviewPanelProps {
  preview: SettingsPreview | undefined;
  pending: boolean;
  error: unknown;
  fieldProblems: boolean;
}

const SHOWN_SENSORS = 30;

export function SettingsPreviewPanel({ preview, pending, error, fieldProblems }: PreviewPanelProps) {
  return (
    <Card withBorder data-testid="settings-preview">
      <Group justify="space-between" mb="xs">
        <Title order={4}>Before you save</Title>
        {pending ? <Loader size="xs" aria-label="Working out the effect" /> : null}
      </Group>
      {error ? (
        <Alert color="red" role="alert" title={fieldProblems ? 'The change is not valid' : 'No preview'}>
          {fieldProblems ? 'Correct the fields marked in red; the preview follows your edits.' : errorMessage(error)}
        </Alert>
      ) : null}
      {!error && !preview && !pending ? <Text size="sm" c="dimmed">Change a field to see which sensors it affects.</Text> : null}
      {!error && preview ? (
        preview.changedFields.length === 0 ? (
          <Text size="sm" c="dimmed">
            No change yet: the scope's settings are as saved.
          </Text>
        ) : (
          <Stack gap="xs">
            <Group gap={4}>
              <Text size="sm">Changes:</Text>
              {preview.changedFields.map((field) => (
                <Badge key={field} variant="outline" className="mono" tt="none">
                  {field}
                </Badge>
              ))}
            </Group>
            <Text size="sm" fw={600} data-testid="affected-count">
              {preview.affected.count === 0
                ? `No sensor's settings change (${preview.sensorsInScope} in this scope; narrower scopes override these fields or the scope has no sensors).`
                : `${preview.affected.count} of ${preview.sensorsInScope} sensor${preview.sensorsInScope === 1 ? '' : 's'} in this scope get new settings.`}
            </Text>
            {preview.affected.sensors.length > 0 ? (
              <Text size="sm" c="dimmed" data-testid="affected-sensors">
                {preview.affected.sensors
                  .slice(0, SHOWN_SENSORS)
                  .map((sensor) => sensor.name)
                  .join(', ')}
                {preview.affected.count > SHOWN_SENSORS ? ` and ${preview.affected.count - SHOWN_SENSORS} more` : ''}
              </Text>
            ) : null}
            {preview.sample ? (
              <Text size="sm">
                {preview.sample.sensorName} would run:{' '}
                {preview.changedFields
                  .map((field) => {
                    const [section = '', key] = field.split('.');
                    const sectionValue = (preview.sample?.settings as Record<string, unknown>)[section];
                    const value = key === undefined ? sectionValue : (sectionValue as Record<string, unknown> | undefined)?.[key];
                    return `${field} = ${settingValueInWords(value)}`;
                  })
                  .join('; ')}
              </Text>
            ) : null}
            {preview.sample && preview.sample.problems.length > 0 ? (
              <Text size="sm" c="red">
                {preview.sample.sensorName} could not apply the result: {preview.sample.problems.map((problem) => `${problem.path} ${problem.message}`).join('; ')}
              </Text>
            ) : null}
          </Stack>
        )
      ) : null}
    </Card>
  );
}
