/**
 * The manifest, the archive's last member (`manifest.json`): what the archive
 * holds and the SHA-256 of every other member, so a restore checks the whole
 * archive before it replaces anything.
 *
 * Members: `collections/<name>.ejson` (one canonical Extended JSON document a
 * line, so ObjectIds, dates and binaries come back as they were) and
 * `pki/<path>` (the data directory's pki/ files). Never the master key: the
 * restored console needs the same master key to open the secrets sealed in
 * the database.
 */
import { z } from 'zod';

export const MANIFEST_MEMBER = 'manifest.json';
export const COLLECTIONS_FOLDER = 'collections/';
export const PKI_FOLDER = 'pki/';
export const MANIFEST_FORMAT = 1;

const member = z.strictObject({ path: z.string().min(1), bytes: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) });

export const manifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  consoleVersion: z.string().min(1),
  createdAt: z.iso.datetime(),
  collections: z.array(z.strictObject({ name: z.string().min(1), documents: z.number().int().min(0), member })),
  files: z.array(member),
});
export type ConsoleBackupManifest = z.output<typeof manifestSchema>;
export type ManifestMember = z.output<typeof member>;

/** Collection names become member paths: keep them plain. */
export const SAFE_COLLECTION_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,119}$/;
