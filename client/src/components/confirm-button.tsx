/** A button that asks first: for actions that cannot be undone (revoke, delete). */
import { Button, Group, Modal, Stack, Text, type ButtonProps } from '@mantine/core';
import { useState } from 'react';

interface ConfirmButtonProps extends Omit<ButtonProps, 'onClick'> {
  label: string;
  title: string;
  question: string;
  confirmLabel: string;
  onConfirm: () => Promise<unknown>;
}

export function ConfirmButton({ label, title, question, confirmLabel, onConfirm, ...buttonProps }: ConfirmButtonProps) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <Button color="red" variant="light" {...buttonProps} onClick={() => setOpen(true)}>
        {label}
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={title} centered>
        <Stack>
          <Text size="sm">{question}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)} data-autofocus>
              Cancel
            </Button>
            <Button
              color="red"
              loading={busy}
              onClick={() => {
                setBusy(true);
                onConfirm()
                  .then(() => setOpen(false))
                  .catch(() => setOpen(false))
                  .finally(() => setBusy(false));
              }}
            >
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
