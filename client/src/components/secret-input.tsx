/**
 * A write-only secret field. The server shows a stored secret as '••••' and
 * reads '••••' sent back as "keep it", so the field starts empty with a note
 * that a value is stored; typing replaces it, emptying it again keeps it.
 */
import { PasswordInput, Textarea } from '@mantine/core';

// Kept equal to MASKED in server/src/platform/secrets/secret-box.ts (a value, which the client cannot import).
export const MASKED_SECRET = '••••';

interface SecretInputProps {
  label: string;
  /** '••••' when stored, null/'' when not set, otherwise what was typed. */
  value: unknown;
  /** Whether the server had a value when the form opened. */
  stored: boolean;
  onChange: (value: string | null) => void;
  error?: string | undefined;
  description?: string;
  disabled?: boolean;
  w?: number;
  /** PEM keys: a text area (a password input drops line breaks). */
  multiline?: boolean;
}

export function SecretInput({ label, value, stored, onChange, error, description, disabled, w, multiline }: SecretInputProps) {
  const typed = typeof value === 'string' && value !== MASKED_SECRET ? value : '';
  const common = {
    label,
    value: typed,
    placeholder: stored ? 'Stored; type to replace' : 'Not set',
    description,
    error,
    disabled,
    w,
    onChange: (event: { currentTarget: { value: string } }) => {
      const next = event.currentTarget.value;
      onChange(next === '' ? (stored ? MASKED_SECRET : null) : next);
    },
  };
  return multiline ? <Textarea {...common} autosize minRows={2} maxRows={6} classNames={{ input: 'mono' }} spellCheck={false} /> : <PasswordInput {...common} autoComplete="new-password" />;
}
