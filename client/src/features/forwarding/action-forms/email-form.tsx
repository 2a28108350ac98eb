/** Email action: recipients and a subject prefix; the mail server is the console's SMTP settings. */
import { Anchor, Stack, TagsInput, Text, TextInput } from '@mantine/core';
import { Link } from 'react-router';
import { textOf, type ActionFormProps } from './action-form-props';

export function EmailForm({ config, set, problem, disabled }: ActionFormProps) {
  const recipients = Array.isArray(config.recipients) ? (config.recipients as string[]) : [];
  // A problem with one address is named `recipients.N`.
  const recipientProblem = problem('recipients') ?? recipients.map((_, index) => problem(`recipients.${index}`)).find((message) => message !== undefined);
  return (
    <Stack gap="sm">
      <TagsInput
        label="Recipients"
        description="Type an address and press Enter. Up to 50."
        value={recipients}
        onChange={(value) => set('recipients', value)}
        error={recipientProblem}
        disabled={disabled}
        splitChars={[',', ' ', ';']}
        acceptValueOnBlur
        w={560}
      />
      <TextInput label="Subject prefix" value={textOf(config, 'subjectPrefix') || '[Garrison]'} onChange={(event) => set('subjectPrefix', event.currentTarget.value)} error={problem('subjectPrefix')} disabled={disabled} w={240} />
      <Text size="xs" c="dimmed">
        Mail goes through the console's mail server:{' '}
        <Anchor component={Link} to="/forwarding/mail-server" size="xs">
          Mail server settings
        </Anchor>
        .
      </Text>
    </Stack>
  );
}
