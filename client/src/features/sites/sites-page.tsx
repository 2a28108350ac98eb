/** Sites and zones as a tree (create, rename, delete), and the Unassigned sensors waiting for a zone. */
import { ActionIcon, Alert, Button, Card, Group, Loader, Modal, Stack, Text, Title, Tooltip } from '@mantine/core';
import { useState } from 'react';
import { PLACEMENT_KEY, SENSORS_KEY, useDeletePlacement, useSites, useZones } from '../../api/fleet';
import { useLiveRefresh } from '../../api/live';
import type { Me, SiteView, ZoneView } from '../../api/payloads';
import { can } from '../../api/session';
import { ConfirmButton } from '../../components/confirm-button';
import { ErrorNotice, errorMessage } from '../../components/error-notice';
import { PlacementForm } from './placement-form';
import { UnassignedSensors } from './unassigned-sensors';

type Dialog = { kind: 'sites' | 'zones'; id?: string; siteId?: string; name?: string } | null;

export function SitesPage({ me }: { me: Me }) {
  const sites = useSites();
  const zones = useZones();
  const deleteSite = useDeletePlacement('sites');
  const deleteZone = useDeletePlacement('zones');
  const [dialog, setDialog] = useState<Dialog>(null);
  const canManage = can(me, 'sites:manage');
  useLiveRefresh('placement', PLACEMENT_KEY, SENSORS_KEY);
  const deleteError = deleteSite.error ?? deleteZone.error;

  const zonesOf = (site: SiteView): ZoneView[] => (zones.data ?? []).filter((zone) => zone.siteId === site.id);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Sites and zones</Title>
        {canManage ? <Button onClick={() => setDialog({ kind: 'sites' })}>New site</Button> : null}
      </Group>
      {sites.isError ? <ErrorNotice error={sites.error} onRetry={() => void sites.refetch()} /> : null}
      {deleteError ? (
        <Alert color="red" role="alert" title="Not deleted">
          {errorMessage(deleteError)}
        </Alert>
      ) : null}
      {sites.isPending ? <Loader aria-label="Loading sites" /> : null}
      {sites.data?.length === 0 ? <Text c="dimmed">No sites yet. {canManage ? 'Create one with New site, then add its zones.' : 'An admin creates sites and zones.'}</Text> : null}
      <div className="card-grid" data-testid="site-tree">
        {(sites.data ?? []).map((site) => (
          <Card withBorder key={site.id} data-site-name={site.name}>
            <Group justify="space-between" mb="xs">
              <div>
                <Text fw={700}>{site.name}</Text>
                <Text size="xs" c="dimmed">
                  {site.zoneCount} zone{site.zoneCount === 1 ? '' : 's'}, {site.sensorCount} sensor{site.sensorCount === 1 ? '' : 's'}
                </Text>
              </div>
              {canManage ? (
                <Group gap={4}>
                  <Button size="xs" variant="light" onClick={() => setDialog({ kind: 'zones', siteId: site.id })}>
                    Add zone
                  </Button>
                  <Button size="xs" variant="default" onClick={() => setDialog({ kind: 'sites', id: site.id, name: site.name })}>
                    Rename
                  </Button>
                  <ConfirmButton size="xs" label="Delete" title={`Delete site ${site.name}?`} question="Only a site without zones can be deleted. This cannot be undone." confirmLabel="Delete site" onConfirm={() => deleteSite.mutateAsync(site.id)} />
                </Group>
              ) : null}
            </Group>
            <Stack gap={4} className="tree-zone">
              {zonesOf(site).length === 0 ? (
                <Text size="sm" c="dimmed">
                  No zones. {canManage ? 'Add one to place sensors here.' : ''}
                </Text>
              ) : null}
              {zonesOf(site).map((zone) => (
                <Group key={zone.id} justify="space-between" data-zone-name={zone.name}>
                  <Text size="sm">
                    {zone.name}{' '}
                    <Text span size="xs" c="dimmed">
                      ({zone.sensorCount} sensor{zone.sensorCount === 1 ? '' : 's'})
                    </Text>
                  </Text>
                  {canManage ? (
                    <Group gap={4}>
                      <Tooltip label={`Rename ${zone.name}`}>
                        <ActionIcon variant="subtle" aria-label={`Rename zone ${zone.name}`} onClick={() => setDialog({ kind: 'zones', id: zone.id, name: zone.name })}>
                          ✎
                        </ActionIcon>
                      </Tooltip>
                      <ConfirmButton size="compact-xs" variant="subtle" label="Delete" title={`Delete zone ${zone.name}?`} question="Only a zone without sensors can be deleted. Move its sensors first." confirmLabel="Delete zone" onConfirm={() => deleteZone.mutateAsync(zone.id)} />
                    </Group>
                  ) : null}
                </Group>
              ))}
            </Stack>
          </Card>
        ))}
      </div>
      <UnassignedSensors canManage={can(me, 'sensors:manage')} />
      <Modal opened={dialog !== null} onClose={() => setDialog(null)} title={dialog ? `${dialog.id ? 'Rename' : 'New'} ${dialog.kind === 'sites' ? 'site' : 'zone'}` : ''} centered>
        {dialog ? <PlacementForm kind={dialog.kind} {...(dialog.id ? { id: dialog.id } : {})} {...(dialog.siteId ? { siteId: dialog.siteId } : {})} initialName={dialog.name ?? ''} onDone={() => setDialog(null)} /> : null}
      </Modal>
    </Stack>
  );
}
