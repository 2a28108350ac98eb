/** Syslog action: format, transport, receiver, facility, app name; CA and client certificate for TLS. */
import { useId } from 'react';
import { Group, NumberInput, SegmentedControl, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { SecretInput } from '../../../components/secret-input';
import { numberOf, orNull, textOf, toNumber, type ActionFormProps } from './action-form-props';

const FORMATS = [
  { value: 'rfc5424', label: 'RFC 5424' },
  { value: 'cef', label: 'CEF (ArcSight)' },
  { value: 'leef', label: 'LEEF (QRadar)' },
  { value: 'json', label: 'JSON' },
];

const FACILITIES = Array.from({ length: 24 }, (_, facility) => ({
  value: String(facility),
  label: facility >= 16 ? `local${facility - 16} (${facility})` : `${['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'audit', 'alert', 'clock'][facility] ?? facility} (${facility})`,
}));

const DEFAULT_PORT: Record<string, number> = { udp: 514, tcp: 514, tls: 6514 };

export function SyslogForm({ config, set, problem, storedSecrets, disabled }: ActionFormProps) {
  const labelId = useId();
  const transport = textOf(config, 'transport') || 'udp';
  return (
    <Stack gap="sm">
      <Group align="flex-end">
        <Select label="Format" data={FORMATS} value={textOf(config, 'format') || 'rfc5424'} onChange={(value) => set('format', value ?? 'rfc5424')} allowDeselect={false} error={problem('format')} disabled={disabled} w={180} />
        <div>
          <Text size="sm" fw={500} mb={4} id={labelId}>
            Transport
          </Text>
          <SegmentedControl
            aria-labelledby={labelId}
            data={[
              { value: 'udp', label: 'UDP' },
              { value: 'tcp', label: 'TCP' },
              { value: 'tls', label: 'TLS' },
            ]}
            value={transport}
            disabled={disabled}
            onChange={(value) => {
              set('transport', value);
              if (config.port === undefined || Object.values(DEFAULT_PORT).includes(Number(config.port))) set('port', DEFAULT_PORT[value] ?? 514);
            }}
          />
          {problem('transport') ? (
            <Text c="red" size="xs">
              {problem('transport')}
            </Text>
          ) : null}
        </div>
      </Group>
      <Group align="flex-start">
        <TextInput label="Receiver host" placeholder="IP address or host name" value={textOf(config, 'host')} onChange={(event) => set('host', event.currentTarget.value)} error={problem('host')} disabled={disabled} w={280} required />
        <NumberInput label="Port" value={numberOf(config, 'port', DEFAULT_PORT[transport] ?? 514)} onChange={(value) => set('port', toNumber(value))} min={1} max={65535} error={problem('port')} disabled={disabled} w={110} />
        <Select label="Facility" data={FACILITIES} value={String(numberOf(config, 'facility', 16))} onChange={(value) => set('facility', Number(value ?? 16))} allowDeselect={false} error={problem('facility')} disabled={disabled} w={170} />
        <TextInput label="App name" value={textOf(config, 'appName') || 'garrison'} onChange={(event) => set('appName', event.currentTarget.value)} error={problem('appName')} disabled={disabled} w={160} />
      </Group>
      {transport === 'tls' ? (
        <Stack gap="sm">
          <Textarea
            label="Receiver's CA (PEM)"
            description="The CA that signed the receiver's certificate. Leave empty to trust the system's CAs."
            value={textOf(config, 'trustedCaPem')}
            onChange={(event) => set('trustedCaPem', orNull(event.currentTarget.value))}
            error={problem('trustedCaPem')}
            disabled={disabled}
            autosize
            minRows={2}
            maxRows={6}
            classNames={{ input: 'mono' }}
            spellCheck={false}
          />
          <TextInput label="Server name to check" description="Only when the host is an IP address and the certificate names a host." value={textOf(config, 'serverName')} onChange={(event) => set('serverName', orNull(event.currentTarget.value))} error={problem('serverName')} disabled={disabled} w={360} />
          <Textarea label="Client certificate (PEM, optional)" value={textOf(config, 'clientCertificatePem')} onChange={(event) => set('clientCertificatePem', orNull(event.currentTarget.value))} error={problem('clientCertificatePem')} disabled={disabled} autosize minRows={1} maxRows={6} classNames={{ input: 'mono' }} spellCheck={false} />
          <SecretInput label="Client key (PEM)" multiline value={config.clientKeyPem} stored={storedSecrets.has('clientKeyPem')} onChange={(value) => set('clientKeyPem', value)} error={problem('clientKeyPem')} disabled={disabled} />
          <SecretInput label="Client key passphrase" value={config.clientKeyPassphrase} stored={storedSecrets.has('clientKeyPassphrase')} onChange={(value) => set('clientKeyPassphrase', value)} error={problem('clientKeyPassphrase')} disabled={disabled} w={360} />
        </Stack>
      ) : null}
    </Stack>
  );
}
