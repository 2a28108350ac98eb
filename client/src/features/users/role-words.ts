/** Roles in words, and what each may do (the server's permission table decides; this only explains). */
import type { Role } from '../../api/payloads';

export const ROLE_OPTIONS: Array<{ value: Role; label: string; description: string }> = [
  { value: 'admin', label: 'Admin', description: 'Everything, including users, certificates and restores.' },
  { value: 'security-analyst', label: 'Security Analyst', description: 'Reads everything, manages sensors and forwarding, reads the audit log.' },
  { value: 'read-only', label: 'Read Only', description: 'Reads sensors, settings, backups and events.' },
];

export function roleLabel(role: string): string {
  return ROLE_OPTIONS.find((option) => option.value === role)?.label ?? role;
}
