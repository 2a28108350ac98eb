/** A form's failure that no field shows (the server's sentence in an alert); field problems show beside their fields instead. */
import { Alert } from '@mantine/core';
import { errorMessage } from './error-notice';
import type { FieldErrors } from './form-errors';

export function FormFailure({ error, errors, title }: { error: unknown; errors: FieldErrors; title?: string }) {
  if (!error || errors.any) return null;
  return (
    <Alert color="red" role="alert" title={title}>
      {errorMessage(error)}
    </Alert>
  );
}
