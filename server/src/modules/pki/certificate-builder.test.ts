import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { derChildren, ipAddressBytes, positiveIntegerBytes, randomSerialNumber, readDerElement } from './certificate-builder.js';

describe('certificate-builder', () => {
  it('makes 128-bit positive serials with a minimal DER encoding', () => {
    const serials = new Set<string>();
    for (let i = 0; i < 2000; i += 1) {
      const hex = randomSerialNumber();
      serials.add(hex);
      const bytes = Buffer.from(hex, 'hex');
      if (bytes.length === 17) assert.ok(bytes[0] === 0 && (bytes[1] ?? 0) >= 0x80, 'pad only a high bit');
      else assert.ok(bytes.length === 16 && (bytes[0] ?? 0) > 0 && (bytes[0] ?? 0) < 0x80);
    }
    assert.equal(serials.size, 2000);
  });

  it('encodes non-negative integers minimally', () => {
    assert.equal(positiveIntegerBytes('0').toString('hex'), '00');
    assert.equal(positiveIntegerBytes('7f').toString('hex'), '7f');
    assert.equal(positiveIntegerBytes('80').toString('hex'), '0080');
    assert.equal(positiveIntegerBytes('000001ff').toString('hex'), '01ff');
    assert.equal(positiveIntegerBytes('ABCDEF').toString('hex'), '00abcdef');
  });

  it('reads IPv4 and any IPv6 spelling into address bytes', () => {
    assert.equal(ipAddressBytes('10.0.0.5')?.toString('hex'), '0a000005');
    assert.equal(ipAddressBytes('::1')?.toString('hex'), `${'00'.repeat(15)}01`);
    assert.equal(ipAddressBytes('FD00:0:0:0:0:0:0:5')?.toString('hex'), ipAddressBytes('fd00::5')?.toString('hex'));
    assert.equal(ipAddressBytes('::ffff:1.2.3.4')?.toString('hex'), `${'00'.repeat(10)}ffff01020304`);
    assert.equal(ipAddressBytes('fe80::1:2')?.toString('hex'), 'fe800000000000000000000000010002');
    assert.equal(ipAddressBytes('console.example'), null);
    assert.equal(ipAddressBytes('fe80::1%eth0'), null);
  });

  it('reads DER strictly', () => {
    const sequence = Buffer.from('3006020101020102', 'hex');
    const element = readDerElement(sequence);
    assert.equal(element.end, 8);
    assert.deepEqual(derChildren(element).map((child) => child.content.toString('hex')), ['01', '02']);
    assert.throws(() => readDerElement(Buffer.from('3010020101', 'hex')), /truncated/);
    assert.throws(() => readDerElement(Buffer.from('3080', 'hex')), /length form/);
    assert.throws(() => derChildren(readDerElement(Buffer.from('020101', 'hex'))), /not constructed/);
  });
});
