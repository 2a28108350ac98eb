/**
 * One settings field at one scope. Empty means "not set here": the value is
 * inherited from the wider scope (or the sensor's default at the global scope).
 * Lists are set here only when their box is ticked, so an empty list can be an
 * override of its own.
 */
import { ActionIcon, Button, Checkbox, Group, NumberInput, Select, Stack, TagsInput, Text, TextInput } from '@mantine/core';
import { MASKED_SECRET, SecretInput } from '../../components/secret-input';
import type { ColumnSpec, FieldSpec } from './settings-sections';

export interface SettingsFieldProps {
  spec: FieldSpec;
  /** undefined: not set at this scope. */
  value: unknown;
  onChange: (value: unknown) => void;
  /** The server's message for a path below this field ('' for the field itself, '0.cidr' for a row cell). */
  problem: (subPath: string) => string | undefined;
  /** Whether a secret was stored at this scope when the editor opened. */
  stored: boolean;
  inheritedWord: string;
  disabled: boolean;
}

type Row = Record<string, unknown>;

function numberValue(value: number | string): unknown {
  if (value === '') return undefined;
  return typeof value === 'number' ? value : Number.isFinite(Number(value)) ? Number(value) : value;
}

export function SettingsField({ spec, value, onChange, problem, stored, inheritedWord, disabled }: SettingsFieldProps) {
  const error = problem('');
  switch (spec.kind) {
    case 'text': {
      const text = typeof value === 'string' ? value : value && typeof value === 'object' && 'text' in value ? String((value as { text: unknown }).text) : '';
      return <TextInput label={spec.label} placeholder={spec.placeholder ? `${inheritedWord} (${spec.placeholder})` : inheritedWord} value={text} onChange={(event) => onChange(event.currentTarget.value === '' ? undefined : event.currentTarget.value)} error={error} disabled={disabled} w={260} />;
    }
    case 'number':
      return <NumberInput label={spec.label} placeholder={inheritedWord} value={typeof value === 'number' || typeof value === 'string' ? value : ''} onChange={(next) => onChange(numberValue(next))} min={spec.min} max={spec.max} error={error} disabled={disabled} w={220} />;
    case 'boolean':
      return (
        <Select
          label={spec.label}
          data={[
            { value: 'inherit', label: inheritedWord },
            { value: 'true', label: 'On' },
            { value: 'false', label: 'Off' },
          ]}
          value={value === true ? 'true' : value === false ? 'false' : 'inherit'}
          onChange={(next) => onChange(next === 'true' ? true : next === 'false' ? false : undefined)}
          allowDeselect={false}
          error={error}
          disabled={disabled}
          w={220}
        />
      );
    case 'select':
      return <Select label={spec.label} placeholder={inheritedWord} data={[...spec.options]} value={typeof value === 'string' ? value : null} onChange={(next) => onChange(next ?? undefined)} clearable error={error} disabled={disabled} w={240} />;
    case 'secret':
      return (
        <Group gap={4} align="flex-end">
          <SecretInput label={spec.label} value={value} stored={stored && value === MASKED_SECRET} onChange={(next) => onChange(next ?? undefined)} error={error} disabled={disabled} w={260} />
          {value !== undefined && !disabled ? (
            <Button variant="subtle" size="xs" onClick={() => onChange(undefined)} mb={error ? 24 : 4}>
              Inherit
            </Button>
          ) : null}
        </Group>
      );
    case 'list':
    case 'rows': {
      const set = Array.isArray(value);
      return (
        <Stack gap={4} w="100%">
          <Checkbox label={`${spec.label}: set at this scope`} checked={set} onChange={(event) => onChange(event.currentTarget.checked ? [] : undefined)} disabled={disabled} />
          {!set ? (
            <Text size="xs" c="dimmed" pl={30}>
              {inheritedWord}
            </Text>
          ) : spec.kind === 'list' ? (
            <TagsInput aria-label={spec.label} placeholder={spec.placeholder} value={value as string[]} onChange={onChange} maxTags={spec.max} error={error ?? (value as string[]).map((_, index) => problem(String(index))).find(Boolean)} disabled={disabled} w={520} splitChars={[',', ' ']} acceptValueOnBlur />
          ) : (
            <RowsEditor label={spec.label} item={spec.item} columns={spec.columns} rows={value as Row[]} max={spec.max} onChange={onChange} problem={problem} disabled={disabled} />
          )}
          {set && error && spec.kind === 'rows' ? (
            <Text c="red" size="xs">
              {error}
            </Text>
          ) : null}
        </Stack>
      );
    }
  }
}

function RowsEditor({ label, item, columns, rows, max, onChange, problem, disabled }: { label: string; item: string; columns: ColumnSpec[]; rows: Row[]; max: number; onChange: (rows: Row[]) => void; problem: (subPath: string) => string | undefined; disabled: boolean }) {
  const setCell = (index: number, key: string, cell: unknown) => onChange(rows.map((row, at) => (at === index ? { ...row, [key]: cell } : row)));
  const emptyRow = () => Object.fromEntries(columns.map((column) => [column.key, column.kind === 'select' ? column.options?.[0] : column.kind === 'number' ? undefined : '']));
  return (
    <Stack gap={4} pl={30}>
      {rows.length === 0 ? (
        <Text size="xs" c="dimmed">
          Empty list at this scope.
        </Text>
      ) : null}
      {rows.map((row, index) => (
        <Group key={index} gap="xs" align="flex-start">
          {columns.map((column) => {
            const cellLabel = `${label} ${index + 1} ${column.label}`;
            const cellError = problem(`${index}.${column.key}`) ?? (column === columns[0] ? problem(String(index)) : undefined);
            if (column.kind === 'select') return <Select key={column.key} aria-label={cellLabel} data={[...(column.options ?? [])]} value={typeof row[column.key] === 'string' ? (row[column.key] as string) : null} onChange={(next) => setCell(index, column.key, next)} allowDeselect={false} error={cellError} disabled={disabled} w={column.width} />;
            if (column.kind === 'number') return <NumberInput key={column.key} aria-label={cellLabel} placeholder={column.label} value={typeof row[column.key] === 'number' || typeof row[column.key] === 'string' ? (row[column.key] as number | string) : ''} onChange={(next) => setCell(index, column.key, numberValue(next))} error={cellError} disabled={disabled} w={column.width} />;
            return <TextInput key={column.key} aria-label={cellLabel} placeholder={column.label} value={typeof row[column.key] === 'string' ? (row[column.key] as string) : ''} onChange={(event) => setCell(index, column.key, event.currentTarget.value)} error={cellError} disabled={disabled} w={column.width} />;
          })}
          {!disabled ? (
            <ActionIcon variant="subtle" color="red" size="lg" aria-label={`Remove ${item} ${index + 1}`} onClick={() => onChange(rows.filter((_, at) => at !== index))}>
              ✕
            </ActionIcon>
          ) : null}
        </Group>
      ))}
      {!disabled && rows.length < max ? (
        <Button variant="light" size="xs" w="fit-content" onClick={() => onChange([...rows, emptyRow()])}>
          Add {item}
        </Button>
      ) : null}
    </Stack>
  );
}
