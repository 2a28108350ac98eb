/**
 * Who may do what. Every route names one permission; roles are sets of them.
 * README's permission matrix is generated from this table, and a test walks
 * every route × role against it.
 */
export const PERMISSIONS = [
  'console:read', // overview, component health details, system events
  'sensors:read',
  'sensors:manage', // rename, assign to a zone, back up now
  'sensors:revoke', // revoke or delete a sensor
  'enrollment:manage', // connection strings
  'sites:manage', // sites and zones
  'settings:read',
  'settings:write', // sensor settings at every scope, NTP
  'backups:read',
  'backups:manage', // targets and schedules
  'backups:download',
  'backups:restore',
  'notifications:read',
  'notifications:manage', // forwarding rules, SMTP, retries
  'users:manage',
  'audit:read',
  'system:manage', // certificates, SNMP agent, console backup and restore, diagnostics
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['admin', 'security-analyst', 'read-only'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Admin',
  'security-analyst': 'Security Analyst',
  'read-only': 'Read Only',
};

const READ: Permission[] = ['console:read', 'sensors:read', 'settings:read', 'backups:read', 'notifications:read'];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set(PERMISSIONS),
  'security-analyst': new Set<Permission>([...READ, 'sensors:manage', 'notifications:manage', 'audit:read']),
  'read-only': new Set<Permission>(READ),
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}
