/** The console's mail server (SMTP) for email forwarding, and "send test mail". The password is write-only. */
import { Alert, Button, Card, Group, NumberInput, Select, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { useSaveSmtp, useSendTestMail, useSmtpSettings } from '../../api/notifications';
import type { Me, SmtpSettingsView } from '../../api/payloads';
import { can } from '../../api/session';
import { errorMessage } from '../../components/error-notice';
import { fieldErrorsOf } from '../../components/form-errors';
import { QueryState } from '../../components/query-state';
import { MASKED_SECRET, SecretInput } from '../../components/secret-input';
import { toNumber } from './action-forms/action-form-props';

const SECURITY = [
  { value: 'starttls', label: 'STARTTLS (port 587)' },
  { value: 'tls', label: 'TLS from the start (port 465)' },
  { value: 'none', label: 'None: plain text, trusted network only' },
];

export function MailServerPage({ me }: { me: Me }) {
  const smtp = useSmtpSettings();
  // Kept here: a save re-reads the settings, which re-keys (re-mounts) the form.
  const [saved, setSaved] = useState(false);
  return (
    <Stack>
      <Title order={2}>Mail server</Title>
      <Text c="dimmed" size="sm">
        The SMTP server the console sends forwarding emails and test mails through.
      </Text>
      <QueryState query={smtp} loading="Loading mail server settings" />
      {saved ? (
        <Text c="teal" size="sm" role="status">
          Saved. Send a test mail to check it.
        </Text>
      ) : null}
      {smtp.data ? <SmtpForm key={'updatedAt' in smtp.data ? smtp.data.updatedAt : 'new'} loaded={'host' in smtp.data ? smtp.data : null} canManage={can(me, 'notifications:manage')} onSaved={() => setSaved(true)} onEdit={() => setSaved(false)} /> : null}
      {smtp.data && can(me, 'notifications:manage') ? <TestMail configured={'host' in smtp.data} /> : null}
    </Stack>
  );
}

function SmtpForm({ loaded, canManage, onSaved, onEdit }: { loaded: SmtpSettingsView | null; canManage: boolean; onSaved: () => void; onEdit: () => void }) {
  const save = useSaveSmtp();
  const [host, setHost] = useState(loaded?.host ?? '');
  const [port, setPort] = useState<number | string>(loaded?.port ?? 587);
  const [security, setSecurity] = useState<string>(loaded?.security ?? 'starttls');
  const [username, setUsername] = useState(loaded?.username ?? '');
  const [password, setPassword] = useState<string | null>(loaded?.password === MASKED_SECRET ? MASKED_SECRET : null);
  const [sender, setSender] = useState(loaded?.sender ?? '');
  const [trustedCaPem, setTrustedCaPem] = useState(loaded?.trustedCaPem ?? '');
  const errors = fieldErrorsOf(save.error);
  const disabled = !canManage;
  return (
    <Card withBorder>
      <form
        onChange={onEdit}
        onSubmit={(event) => {
          event.preventDefault();
          // A promise, not mutate's onSuccess: the re-read after saving re-keys (unmounts) this form.
          save.mutateAsync({
            host: host.trim(),
            port: toNumber(port) as number,
            security: security as SmtpSettingsView['security'],
            username: username.trim() || null,
            password,
            sender: sender.trim(),
            trustedCaPem: trustedCaPem.trim() || null,
          }).then(onSaved, () => undefined);
        }}
      >
        <Stack gap="sm">
          {!loaded ? <Text size="sm">No mail server is set yet: email actions cannot send until you save one.</Text> : null}
          <Group align="flex-start">
            <TextInput label="SMTP host" value={host} onChange={(event) => setHost(event.currentTarget.value)} error={errors.at('host')} disabled={disabled} w={280} required />
            <NumberInput label="Port" value={port} onChange={setPort} min={1} max={65535} error={errors.at('port')} disabled={disabled} w={110} />
            <Select label="Security" data={SECURITY} value={security} onChange={(value) => setSecurity(value ?? 'starttls')} allowDeselect={false} error={errors.at('security')} disabled={disabled} w={320} />
          </Group>
          <Group align="flex-start">
            <TextInput label="Sender address" placeholder="garrison@example.org" value={sender} onChange={(event) => setSender(event.currentTarget.value)} error={errors.at('sender')} disabled={disabled} w={280} required />
            <TextInput label="User name (optional)" value={username} onChange={(event) => setUsername(event.currentTarget.value)} error={errors.at('username')} disabled={disabled} w={220} autoComplete="off" />
            <SecretInput label="Password" value={password} stored={loaded?.password === MASKED_SECRET} onChange={setPassword} error={errors.at('password')} disabled={disabled} w={240} />
          </Group>
          <Textarea label="Mail server's CA (PEM, optional)" description="Leave empty to trust the system's CAs." value={trustedCaPem} onChange={(event) => setTrustedCaPem(event.currentTarget.value)} error={errors.at('trustedCaPem')} disabled={disabled} autosize minRows={1} maxRows={6} classNames={{ input: 'mono' }} />
          {save.error ? (
            <Alert color="red" role="alert" title="Not saved">
              {errors.any ? 'Correct the fields marked in red, then save again.' : errorMessage(save.error)}
            </Alert>
          ) : null}
          {canManage ? (
            <Button type="submit" loading={save.isPending} w="fit-content">
              Save
            </Button>
          ) : (
            <Text c="dimmed" size="sm">
              Your role can read the mail server settings but not change them.
            </Text>
          )}
        </Stack>
      </form>
    </Card>
  );
}

function TestMail({ configured }: { configured: boolean }) {
  const send = useSendTestMail();
  const [to, setTo] = useState('');
  const errors = fieldErrorsOf(send.error);
  return (
    <Card withBorder>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          send.mutate(to.trim());
        }}
      >
        <Stack gap="sm">
          <Title order={4}>Send test mail</Title>
          <Group align="flex-start">
            <TextInput label="To" placeholder="you@example.org" value={to} onChange={(event) => setTo(event.currentTarget.value)} error={errors.at('to')} w={320} />
            <Button type="submit" mt={25} loading={send.isPending} disabled={!configured || to.trim() === ''}>
              Send test mail
            </Button>
          </Group>
          {!configured ? <Text size="sm" c="dimmed">Save the mail server first.</Text> : null}
          {send.error && !errors.any ? <Alert color="red" role="alert">{errorMessage(send.error)}</Alert> : null}
          {send.data ? (
            <Alert color={send.data.ok ? 'teal' : 'red'} role="status" title={send.data.ok ? 'Sent' : 'Not sent'}>
              {send.data.result}
            </Alert>
          ) : null}
        </Stack>
      </form>
    </Card>
  );
}
