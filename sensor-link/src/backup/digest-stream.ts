/**
 * A pass-through stream that measures what flows through it: byte count and
 * SHA-256. Put it in a pipeline in front of the file being written (or after
 * the socket being read) so the digest is known when the last byte lands,
 * without reading the file again.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export class DigestStream extends Transform {
  sizeBytes = 0;
  private readonly hash: Hash = createHash('sha256');

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.sizeBytes += chunk.length;
    callback(null, chunk);
  }

  /** Hex SHA-256 of everything that passed; call once, after the pipeline finished. */
  sha256(): string {
    return this.hash.digest('hex');
  }
}
