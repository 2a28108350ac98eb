/** How a backup target is stored (`backupTargets`) and shown; the SMB password stays sealed and never leaves the server. */
import { MASKED } from '../../platform/secrets/secret-box.js';
import type { SmbProtocol } from './target-schema.js';

export const TARGETS_COLLECTION = 'backupTargets';
/** secretBox context of SMB passwords. */
export const SMB_PASSWORD_CONTEXT = 'backup-target.smb-password';

export interface SmbTargetSettings {
  host: string;
  port: number;
  share: string;
  directory: string;
  domain: string;
  user: string;
  passwordSealed: string;
  minimumProtocol: SmbProtocol;
  requireEncryption: boolean;
}

export interface TargetDocument {
  _id: string;
  name: string;
  /** Lower-cased name: two targets cannot share a name regardless of case. */
  nameKey: string;
  kind: 'local' | 'smb';
  /** The built-in local target: its directory follows `$GARRISON_DATA_DIR`, it cannot be changed or deleted. */
  builtIn: boolean;
  /** Local targets other than the built-in one. */
  directory: string | null;
  smb: SmbTargetSettings | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface TargetView {
  id: string;
  name: string;
  kind: 'local' | 'smb';
  builtIn: boolean;
  /** Where the files go, without secrets: a directory or `smb://host:port/share/dir`. */
  location: string;
  directory: string | null;
  smb: (Omit<SmbTargetSettings, 'passwordSealed'> & { password: string }) | null;
  createdAt: string;
  updatedAt: string;
}

export function smbLocation(smb: Pick<SmbTargetSettings, 'host' | 'port' | 'share' | 'directory'>): string {
  return `smb://${smb.host}${smb.port === 445 ? '' : `:${smb.port}`}/${smb.share}${smb.directory ? `/${smb.directory}` : ''}`;
}

export function presentTarget(target: TargetDocument, builtInDirectory: string): TargetView {
  const { passwordSealed: _sealed, ...smb } = target.smb ?? ({} as SmbTargetSettings);
  return {
    id: target._id,
    name: target.name,
    kind: target.kind,
    builtIn: target.builtIn,
    location: target.smb ? smbLocation(target.smb) : target.builtIn ? builtInDirectory : (target.directory ?? ''),
    directory: target.kind === 'local' ? (target.builtIn ? builtInDirectory : target.directory) : null,
    smb: target.smb ? { ...smb, password: MASKED } : null,
    createdAt: target.createdAt.toISOString(),
    updatedAt: target.updatedAt.toISOString(),
  };
}
