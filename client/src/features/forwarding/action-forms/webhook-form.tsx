/** Webhook action: an https:// URL and the signing secret (write-only). */
import { Stack, Textarea, TextInput } from '@mantine/core';
import { SecretInput } from '../../../components/secret-input';
import { orNull, textOf, type ActionFormProps } from './action-form-props';

export function WebhookForm({ config, set, problem, storedSecrets, disabled }: ActionFormProps) {
  return (
    <Stack gap="sm">
      <TextInput label="URL" placeholder="https://siem.example.org/hooks/garrison" value={textOf(config, 'url')} onChange={(event) => set('url', event.currentTarget.value)} error={problem('url')} disabled={disabled} w={560} required />
      <SecretInput
        label="Signing secret"
        description="At least 16 characters. The receiver checks X-Garrison-Signature (HMAC-SHA256) with it."
        value={config.secret}
        stored={storedSecrets.has('secret')}
        onChange={(value) => set('secret', value)}
        error={problem('secret')}
        disabled={disabled}
        w={420}
      />
      <Textarea
        label="Receiver's CA (PEM, optional)"
        value={textOf(config, 'trustedCaPem')}
        onChange={(event) => set('trustedCaPem', orNull(event.currentTarget.value))}
        error={problem('trustedCaPem')}
        disabled={disabled}
        autosize
        minRows={1}
        maxRows={6}
        classNames={{ input: 'mono' }}
        spellCheck={false}
      />
    </Stack>
  );
}
