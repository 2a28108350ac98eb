/** SNMP trap action: v2c with a community, or v3 with a user and its authentication/privacy keys. */
import { useId } from 'react';
import { Group, NumberInput, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core';
import { SecretInput } from '../../../components/secret-input';
import { numberOf, textOf, toNumber, type ActionFormProps } from './action-form-props';

const AUTH = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'].map((value) => ({ value, label: value.toUpperCase() }));
const PRIV = [
  { value: 'des', label: 'DES' },
  { value: 'aes', label: 'AES-128' },
  { value: 'aes256b', label: 'AES-256 (Blumenthal)' },
  { value: 'aes256r', label: 'AES-256 (Reeder)' },
];
const LEVELS = [
  { value: 'noAuthNoPriv', label: 'No authentication, no privacy' },
  { value: 'authNoPriv', label: 'Authentication only' },
  { value: 'authPriv', label: 'Authentication and privacy' },
];

export function SnmpTrapForm({ config, set, problem, storedSecrets, disabled }: ActionFormProps) {
  const labelId = useId();
  const version = textOf(config, 'version') || 'v2c';
  const level = textOf(config, 'securityLevel') || 'authPriv';
  return (
    <Stack gap="sm">
      <Group align="flex-start">
        <TextInput label="Trap receiver host" placeholder="IP address or host name" value={textOf(config, 'host')} onChange={(event) => set('host', event.currentTarget.value)} error={problem('host')} disabled={disabled} w={280} required />
        <NumberInput label="Port" value={numberOf(config, 'port', 162)} onChange={(value) => set('port', toNumber(value))} min={1} max={65535} error={problem('port')} disabled={disabled} w={110} />
        <div>
          <Text size="sm" fw={500} mb={4} id={labelId}>
            Version
          </Text>
          <SegmentedControl aria-labelledby={labelId} data={[{ value: 'v2c', label: 'v2c' }, { value: 'v3', label: 'v3' }]} value={version} onChange={(value) => set('version', value)} disabled={disabled} />
        </div>
      </Group>
      {version === 'v2c' ? (
        <SecretInput label="Community" value={config.community} stored={storedSecrets.has('community')} onChange={(value) => set('community', value)} error={problem('community')} disabled={disabled} w={280} />
      ) : (
        <Stack gap="sm">
          <Group align="flex-start">
            <TextInput label="User" value={textOf(config, 'user')} onChange={(event) => set('user', event.currentTarget.value || null)} error={problem('user')} disabled={disabled} w={220} />
            <Select label="Security level" data={LEVELS} value={level} onChange={(value) => set('securityLevel', value ?? 'authPriv')} allowDeselect={false} error={problem('securityLevel')} disabled={disabled} w={300} />
            <TextInput label="Engine id (hex)" description="Leave as is unless the receiver expects another" value={textOf(config, 'engineId')} placeholder="Console default" onChange={(event) => set('engineId', event.currentTarget.value || undefined)} error={problem('engineId')} disabled={disabled} w={300} />
          </Group>
          {level !== 'noAuthNoPriv' ? (
            <Group align="flex-start">
              <Select label="Authentication protocol" data={AUTH} value={textOf(config, 'authProtocol') || 'sha256'} onChange={(value) => set('authProtocol', value ?? 'sha256')} allowDeselect={false} disabled={disabled} w={220} />
              <SecretInput label="Authentication key" value={config.authKey} stored={storedSecrets.has('authKey')} onChange={(value) => set('authKey', value)} error={problem('authKey')} disabled={disabled} w={300} />
            </Group>
          ) : null}
          {level === 'authPriv' ? (
            <Group align="flex-start">
              <Select label="Privacy protocol" data={PRIV} value={textOf(config, 'privProtocol') || 'aes'} onChange={(value) => set('privProtocol', value ?? 'aes')} allowDeselect={false} disabled={disabled} w={220} />
              <SecretInput label="Privacy key" value={config.privKey} stored={storedSecrets.has('privKey')} onChange={(value) => set('privKey', value)} error={problem('privKey')} disabled={disabled} w={300} />
            </Group>
          ) : null}
        </Stack>
      )}
    </Stack>
  );
}
