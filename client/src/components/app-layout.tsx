/** The signed-in frame: header (who am I, role, live status, sign out) and the navigation. */
import { Badge, Button, Group, NavLink, Stack, Text, Title, Tooltip } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link, useLocation } from 'react-router';
import { useLiveStatus } from '../api/live';
import type { Me } from '../api/payloads';
import { can, useSignOut } from '../api/session';

const ROLE_WORDS: Record<Me['role'], string> = {
  admin: 'Admin',
  'security-analyst': 'Security Analyst',
  'read-only': 'Read Only',
};

const LIVE_WORDS = {
  live: { color: 'teal', label: 'Live', hint: 'Views update as sensors change.' },
  connecting: { color: 'gray', label: 'Connecting', hint: 'Opening the live-update connection…' },
  offline: { color: 'orange', label: 'Not live', hint: 'Live updates are paused; the console retries by itself. Reload a view to see the latest.' },
} as const;

export function AppLayout({ me, children }: { me: Me; children: ReactNode }) {
  const location = useLocation();
  const signOut = useSignOut();
  const live = LIVE_WORDS[useLiveStatus()];
  const groups: Array<{ title: string | null; links: Array<{ to: string; label: string; show: boolean }> }> = [
    {
      title: null,
      links: [
        { to: '/', label: 'Overview', show: true },
        { to: '/sensors', label: 'Sensors', show: true },
        { to: '/sites', label: 'Sites and zones', show: true },
        { to: '/backups', label: 'Backups', show: can(me, 'backups:read') },
        { to: '/events', label: 'System events', show: can(me, 'notifications:read') },
      ],
    },
    {
      title: 'Forwarding',
      links: [
        { to: '/forwarding', label: 'Forwarding rules', show: can(me, 'notifications:read') },
        { to: '/forwarding/deliveries', label: 'Deliveries', show: can(me, 'notifications:read') },
        { to: '/forwarding/mail-server', label: 'Mail server', show: can(me, 'notifications:read') },
      ],
    },
    {
      title: 'System settings',
      links: [
        { to: '/settings/sensor-setup', label: 'Sensor setup', show: can(me, 'enrollment:manage') },
        { to: '/settings/time', label: 'NTP and time', show: can(me, 'settings:read') },
        { to: '/settings/sensors', label: 'Sensor settings', show: can(me, 'settings:read') },
        { to: '/settings/certificates', label: 'Certificates', show: can(me, 'console:read') },
      ],
    },
    {
      title: 'Administration',
      links: [
        { to: '/users', label: 'Users and API tokens', show: can(me, 'users:manage') },
        { to: '/audit', label: 'Audit log', show: can(me, 'audit:read') },
      ],
    },
  ];
  // The longest matching link is the active one ('/forwarding/deliveries' is not also 'Forwarding rules').
  const allLinks = groups.flatMap((group) => group.links).filter((link) => link.show);
  const activeTo = allLinks
    .filter((link) => (link.to === '/' ? location.pathname === '/' : location.pathname === link.to || location.pathname.startsWith(`${link.to}/`)))
    .sort((a, b) => b.to.length - a.to.length)[0]?.to;

  return (
    <div className="layout">
      <header className="layout-header">
        <Group gap="sm">
          <Title order={3}>Garrison</Title>
          <Text c="dimmed" size="sm">
            OT sensor console
          </Text>
        </Group>
        <Group gap="md">
          <Tooltip label={live.hint}>
            <Badge color={live.color} variant="light" data-testid="live-status">
              {live.label}
            </Badge>
          </Tooltip>
          <Text size="sm" data-testid="who-am-i">
            {me.user.displayName || me.user.username}{' '}
            <Text span c="dimmed" size="sm">
              ({ROLE_WORDS[me.role]})
            </Text>
          </Text>
          <Button variant="default" size="xs" loading={signOut.isPending} onClick={() => signOut.mutate()}>
            Sign out
          </Button>
        </Group>
      </header>
      <nav className="layout-nav" aria-label="Main">
        <Stack gap={2}>
          {groups.map((group) => {
            const shown = group.links.filter((link) => link.show);
            if (shown.length === 0) return null;
            return (
              <Stack gap={2} key={group.title ?? 'main'} mt={group.title ? 'sm' : 0}>
                {group.title ? (
                  <Text size="xs" c="dimmed" tt="uppercase" fw={700} px="sm">
                    {group.title}
                  </Text>
                ) : null}
                {shown.map((link) => (
                  <NavLink key={link.to} component={Link} to={link.to} label={link.label} active={link.to === activeTo} />
                ))}
              </Stack>
            );
          })}
        </Stack>
      </nav>
      <main className="layout-main">{children}</main>
    </div>
  );
}
