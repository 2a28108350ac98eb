/**
 * The session cookie: `garrison_session`, HttpOnly (no script reads it), Secure
 * (HTTPS only), SameSite=Strict (never sent on cross-site requests, the first
 * CSRF defence), Path=/ and host-only (no Domain attribute). Its value is 256
 * random bits; the database keeps only their SHA-256, so a database copy holds
 * no usable session.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Response } from 'express';

export const SESSION_COOKIE = 'garrison_session';
const COOKIE_VALUE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newSessionSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The stored id of a session: SHA-256 of the cookie value, hex. */
export function sessionIdOf(cookieValue: string): string {
  return createHash('sha256').update(cookieValue).digest('hex');
}

/** The session cookie's value from a Cookie header, or null when absent or not shaped like one of ours. */
export function readSessionCookie(cookieHeader: string | undefined): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(separator + 1).trim();
    return COOKIE_VALUE_PATTERN.test(value) ? value : null;
  }
  return null;
}

export function sessionCookieHeader(value: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`;
}

export function setSessionCookie(res: Response, value: string, maxAgeSeconds: number): void {
  res.append('set-cookie', sessionCookieHeader(value, maxAgeSeconds));
}

export function clearSessionCookie(res: Response): void {
  res.append('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0`);
}
