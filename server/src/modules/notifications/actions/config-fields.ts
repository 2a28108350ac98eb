/** zod pieces shared by action configs, each with a message a person can act on. */
import net from 'node:net';
import { z } from 'zod';

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export const hostField = z
  .string()
  .trim()
  .refine((value) => net.isIP(value) !== 0 || HOST_NAME.test(value), { message: 'Not an IP address or host name' });

export const portField = z.number().int().min(1, 'A port is 1-65535').max(65535, 'A port is 1-65535');

export const pemField = z
  .string()
  .max(64 * 1024, 'At most 64 KiB of PEM')
  .refine((value) => /-----BEGIN [A-Z0-9 ]+-----/.test(value), { message: 'Not a PEM block (-----BEGIN ...-----)' });

export const timeoutField = z.number().int().min(500, 'At least 500 ms').max(120_000, 'At most 120000 ms');
