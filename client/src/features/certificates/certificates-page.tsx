/**
 * Certificates: the web console certificate (issued by the console CA, or an
 * uploaded one), outbound certificate validation, the SSH CLI's host key
 * fingerprint, and the console CA's revocation list.
 */
import { Alert, Anchor, Badge, Button, Card, Code, Group, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { Me, WebCertificateView } from '../../api/payloads';
import { useConsoleCaCertificate, useHostKey, useOutboundValidation, useSetOutboundValidation, useWebCertificate } from '../../api/pki';
import { can } from '../../api/session';
import { ConfirmButton } from '../../components/confirm-button';
import { ErrorNotice, errorMessage } from '../../components/error-notice';
import { QueryState } from '../../components/query-state';
import { WebCertificateUploadForm } from './web-certificate-upload-form';

const DAY_MS = 86_400_000;

function expiryWords(notAfter: string): { text: string; color: string } {
  const days = Math.floor((new Date(notAfter).getTime() - Date.now()) / DAY_MS);
  if (days < 0) return { text: 'Expired', color: 'red' };
  if (days < 30) return { text: `Expires in ${days} days`, color: 'orange' };
  return { text: `Valid for ${days} more days`, color: 'teal' };
}

export function CertificatesPage({ me }: { me: Me }) {
  const admin = can(me, 'system:manage');
  return (
    <Stack>
      <Title order={2}>Certificates</Title>
      <Text c="dimmed" size="sm">
        What browsers, sensors and SSH clients check when they connect to this console.
      </Text>
      {admin ? <WebCertificateCard /> : <Text size="sm" c="dimmed">The web certificate and its settings are shown to admins only.</Text>}
      <ConsoleCaCard />
      <HostKeyCard />
      {admin ? <OutboundValidationCard /> : null}
    </Stack>
  );
}

function CertificateTable({ view }: { view: WebCertificateView }) {
  const expiry = expiryWords(view.notAfter);
  const rows: Array<[string, string]> = [
    ['Subject', view.subject],
    ['Issuer', view.issuer],
    ['Names (SAN)', view.subjectAltNames.join(', ') || '—'],
    ['Valid', `${new Date(view.notBefore).toLocaleString()} to ${new Date(view.notAfter).toLocaleString()}`],
    ['Key', `${view.keyType} ${view.keySize}`],
    ['Serial number', view.serialNumber],
    ['SHA-256 fingerprint', view.fingerprintSha256],
    ['Chain', `${view.chainLength} certificate${view.chainLength === 1 ? '' : 's'} after this one`],
  ];
  return (
    <>
      <Group gap="xs">
        <Badge color={view.source === 'uploaded' ? 'blue' : 'gray'} variant="light">
          {view.source === 'uploaded' ? `Uploaded${view.uploadedBy ? ` by ${view.uploadedBy}` : ''}` : 'Issued by the console CA'}
        </Badge>
        <Badge color={expiry.color} variant="light">
          {expiry.text}
        </Badge>
      </Group>
      <Table verticalSpacing={4} mt="xs">
        <Table.Tbody>
          {rows.map(([label, value]) => (
            <Table.Tr key={label}>
              <Table.Th w={200}>{label}</Table.Th>
              <Table.Td className={label.includes('fingerprint') || label === 'Serial number' ? 'mono break-all' : 'break-all'}>{value}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </>
  );
}

function WebCertificateCard() {
  const certificate = useWebCertificate(true);
  const backToCa = useConsoleCaCertificate();
  const [uploading, setUploading] = useState(false);
  return (
    <Card withBorder data-testid="web-certificate">
      <Group justify="space-between" mb="xs">
        <Title order={4}>Web console certificate</Title>
        <Group gap="xs">
          <Button size="xs" variant="light" onClick={() => setUploading(!uploading)}>
            {uploading ? 'Cancel upload' : 'Upload a certificate'}
          </Button>
          {certificate.data?.source === 'uploaded' ? (
            <ConfirmButton size="xs" label="Use the console CA's certificate" title="Serve the console CA's certificate again?" question="Browsers that do not trust the console CA will warn again. The uploaded certificate is removed." confirmLabel="Switch back" onConfirm={() => backToCa.mutateAsync()} />
          ) : null}
        </Group>
      </Group>
      <QueryState query={certificate} loading="Loading the web certificate" size="sm" />
      {backToCa.isError ? <Alert color="red" role="alert">{errorMessage(backToCa.error)}</Alert> : null}
      {certificate.data ? <CertificateTable view={certificate.data} /> : null}
      {uploading ? <WebCertificateUploadForm onDone={() => setUploading(false)} /> : null}
    </Card>
  );
}

function ConsoleCaCard() {
  return (
    <Card withBorder data-testid="console-ca">
      <Title order={4} mb="xs">
        Console CA
      </Title>
      <Text size="sm">
        The console's own certificate authority signs every sensor's certificate and, unless one is uploaded, the web certificate (its subject is the issuer above).
      </Text>
      <Text size="sm" mt="xs">
        Revoked sensor certificates are published in the{' '}
        <Anchor href="/api/v1/pki/crl" download="garrison-ca.crl">
          certificate revocation list (DER)
        </Anchor>
        .
      </Text>
    </Card>
  );
}

function HostKeyCard() {
  const hostKey = useHostKey();
  return (
    <Card withBorder data-testid="ssh-host-key">
      <Title order={4} mb="xs">
        SSH CLI host key
      </Title>
      <QueryState query={hostKey} loading="Loading the host key" size="sm" />
      {hostKey.data ? (
        <Stack gap={4}>
          <Text size="sm">Compare this with what ssh prints on first connection (port {hostKey.data.port}):</Text>
          <Code className="break-all">
            {hostKey.data.algorithm} key fingerprint is {hostKey.data.fingerprint}
          </Code>
        </Stack>
      ) : null}
    </Card>
  );
}

function OutboundValidationCard() {
  const setting = useOutboundValidation(true);
  const change = useSetOutboundValidation();
  return (
    <Card withBorder>
      <Title order={4} mb="xs">
        Outbound certificate validation
      </Title>
      {setting.isError ? <ErrorNotice error={setting.error} onRetry={() => void setting.refetch()} /> : null}
      {setting.data ? (
        <Stack gap={4}>
          <Switch
            label="Check the certificates of syslog, mail and webhook receivers"
            checked={setting.data.enabled}
            disabled={change.isPending}
            onChange={(event) => change.mutate(event.currentTarget.checked)}
          />
          <Text size="xs" c="dimmed">
            {setting.data.enabled ? 'On: a receiver with an untrusted or wrong certificate is refused.' : 'Off: connections are encrypted but receivers are not verified. Turn it back on once their CAs are set.'}
            {setting.data.updatedAt ? ` Changed ${new Date(setting.data.updatedAt).toLocaleString()} by ${setting.data.updatedBy ?? 'unknown'}.` : ''}
          </Text>
          {change.isError ? <Text c="red" size="sm">{errorMessage(change.error)}</Text> : null}
        </Stack>
      ) : null}
    </Card>
  );
}
