/** Upload a web console certificate: PEM certificate, key, optional chain and passphrase; the server names what is wrong. */
import { Button, Group, PasswordInput, Stack, Textarea } from '@mantine/core';
import { useState } from 'react';
import { useUploadWebCertificate } from '../../api/pki';
import { fieldErrorsOf } from '../../components/form-errors';
import { FormFailure } from '../../components/form-failure';

export function WebCertificateUploadForm({ onDone }: { onDone: () => void }) {
  const upload = useUploadWebCertificate();
  const [certificate, setCertificate] = useState('');
  const [privateKey, setPrivateKey] = useState('');
  const [chain, setChain] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const errors = fieldErrorsOf(upload.error);
  const pemProps = { autosize: true, minRows: 3, maxRows: 8, classNames: { input: 'mono' }, spellCheck: false } as const;
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        upload.mutate({ certificate, privateKey, chain: chain.trim() || null, passphrase: passphrase || null }, { onSuccess: onDone });
      }}
    >
      <Stack gap="sm" mt="md">
        <Textarea label="Certificate (PEM)" placeholder="-----BEGIN CERTIFICATE-----" value={certificate} onChange={(event) => setCertificate(event.currentTarget.value)} error={errors.at('certificate')} required {...pemProps} />
        <Textarea label="Private key (PEM)" description="Sent once over this connection and stored encrypted; never shown again." value={privateKey} onChange={(event) => setPrivateKey(event.currentTarget.value)} error={errors.at('privateKey')} required {...pemProps} />
        <Textarea label="Chain (PEM, optional)" description="Intermediate certificates, issuer first." value={chain} onChange={(event) => setChain(event.currentTarget.value)} error={errors.at('chain')} {...pemProps} />
        <PasswordInput label="Key passphrase (if the key is encrypted)" value={passphrase} onChange={(event) => setPassphrase(event.currentTarget.value)} error={errors.at('passphrase')} w={360} autoComplete="off" />
        <FormFailure error={upload.error} errors={errors} title="Not applied" />
        <Group>
          <Button type="submit" loading={upload.isPending}>
            Apply certificate
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
