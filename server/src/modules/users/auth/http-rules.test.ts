import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPublicRoute, PASSWORD_CHANGE_ROUTES, publicRouteMismatches, routeKey } from './access-rules.js';
import { csrfTokenMatches, originProblem } from './csrf.js';
import { readSessionCookie, sessionCookieHeader, sessionIdOf, newSessionSecret } from './session-cookie.js';

test('route keys follow express matching: case-insensitive, trailing slash ignored, HEAD as GET', () => {
  assert.equal(routeKey('post', '/Auth/Sign-In/'), 'POST /auth/sign-in');
  assert.equal(routeKey('HEAD', '/health'), 'GET /health');
  assert.equal(routeKey('GET', '/'), 'GET /');
});

test('only the listed routes are public', () => {
  assert.equal(isPublicRoute('POST', '/auth/sign-in'), true);
  assert.equal(isPublicRoute('GET', '/health/'), true);
  assert.equal(isPublicRoute('GET', '/pki/crl'), true);
  assert.equal(isPublicRoute('GET', '/auth/sign-in'), false);
  assert.equal(isPublicRoute('POST', '/health'), false);
  assert.equal(isPublicRoute('GET', '/users'), false);
  assert.equal(PASSWORD_CHANGE_ROUTES.has('GET /users'), false);
});

test('Origin must be absent or the console itself over HTTPS', () => {
  assert.equal(originProblem(undefined, 'console.local:8443'), null);
  assert.equal(originProblem('https://console.local:8443', 'console.local:8443'), null);
  assert.equal(originProblem('https://Console.Local:8443', 'console.local:8443'), null);
  assert.equal(originProblem('https://console.local', 'console.local:443'), null);
  assert.match(originProblem('https://evil.example', 'console.local:8443') ?? '', /another site/);
  assert.match(originProblem('http://console.local:8443', 'console.local:8443') ?? '', /another site/);
  assert.match(originProblem('https://console.local:9443', 'console.local:8443') ?? '', /another site/);
  assert.match(originProblem('null', 'console.local:8443') ?? '', /another site/);
  assert.match(originProblem('https://console.local:8443', undefined) ?? '', /another site/);
});

test('the CSRF token must be present and equal', () => {
  assert.equal(csrfTokenMatches('abc', 'abc'), true);
  assert.equal(csrfTokenMatches('abd', 'abc'), false);
  assert.equal(csrfTokenMatches('ab', 'abc'), false);
  assert.equal(csrfTokenMatches(undefined, 'abc'), false);
  assert.equal(csrfTokenMatches(['abc'], 'abc'), false);
});

test('the session cookie is HttpOnly, Secure, SameSite=Strict, Path=/ and stored only as a hash', () => {
  const value = newSessionSecret();
  assert.equal(Buffer.from(value, 'base64url').length, 32);
  const header = sessionCookieHeader(value, 3600);
  assert.equal(header, `garrison_session=${value}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=3600`);
  assert.match(sessionIdOf(value), /^[a-f0-9]{64}$/);
  assert.notEqual(sessionIdOf(value), value);
});

test('the session cookie is read from a Cookie header and malformed values are ignored', () => {
  const value = newSessionSecret();
  assert.equal(readSessionCookie(`theme=dark; garrison_session=${value}; other=1`), value);
  assert.equal(readSessionCookie('garrison_session=short'), null);
  assert.equal(readSessionCookie('garrison_sessionx=abc'), null);
  assert.equal(readSessionCookie(undefined), null);
});

test('the allow-list and the route catalogue must agree on what is public', () => {
  assert.deepEqual(
    publicRouteMismatches([
      { method: 'get', path: '/health', permission: 'public' },
      { method: 'post', path: '/auth/sign-in', permission: 'public' },
      { method: 'get', path: '/users', permission: 'users:manage' },
    ]),
    [],
  );
  assert.deepEqual(publicRouteMismatches([{ method: 'get', path: '/secrets', permission: 'public' }]), [
    'GET /secrets is described as public but is not in PUBLIC_ROUTES (modules/users/auth/access-rules.ts)',
  ]);
  assert.deepEqual(publicRouteMismatches([{ method: 'get', path: '/health', permission: 'console:read' }]), [
    "GET /health is in PUBLIC_ROUTES but requires 'console:read'",
  ]);
});
