import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './load-config.js';

const base = { HOME: '/home/garrison', GARRISON_PUBLIC_HOSTS: 'console.example,10.0.0.5' };

function problemsFor(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, 'a bad value throws ConfigError');
    return error.problems.map((problem) => `${problem.variable}: ${problem.message}`);
  }
  assert.fail(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('gives the documented defaults', () => {
    const config = loadConfig({ ...base });
    assert.equal(config.httpsPort, 8443);
    assert.equal(config.linkPort, 8444);
    assert.equal(config.sshPort, 2222);
    assert.equal(config.snmpPort, 1161);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.mongodbUri, undefined);
    assert.deepEqual(config.publicHosts, ['console.example', '10.0.0.5']);
    assert.ok(config.dataDir.endsWith('/data'));
    assert.equal(config.masterKeyFile, '/home/garrison/.config/garrison/master.key');
    assert.equal(config.sessionIdleMinutes, 30);
    assert.equal(config.sessionAbsoluteHours, 12);
  });

  it('takes session timeouts with decimals', () => {
    const config = loadConfig({ ...base, GARRISON_SESSION_IDLE_MINUTES: '0.5', GARRISON_SESSION_ABSOLUTE_HOURS: '8' });
    assert.equal(config.sessionIdleMinutes, 0.5);
    assert.equal(config.sessionAbsoluteHours, 8);
  });

  it('treats an empty variable as unset', () => {
    assert.equal(loadConfig({ ...base, GARRISON_HTTPS_PORT: '' }).httpsPort, 8443);
  });

  const cases: Array<[string, string, RegExp]> = [
    ['GARRISON_HTTPS_PORT', 'eighty', /GARRISON_HTTPS_PORT: must be a whole number/],
    ['GARRISON_LINK_PORT', '70000', /GARRISON_LINK_PORT: must be a whole number from 0 to 65535; got "70000"/],
    ['GARRISON_SSH_PORT', '22.5', /GARRISON_SSH_PORT: must be a whole number/],
    ['GARRISON_SNMP_PORT', '-1', /GARRISON_SNMP_PORT: must be a whole number/],
    ['GARRISON_PUBLIC_HOSTS', 'good.example,bad host', /GARRISON_PUBLIC_HOSTS: is not an IP address or host name \(item 1\)/],
    ['GARRISON_PUBLIC_HOSTS', ',,', /GARRISON_PUBLIC_HOSTS: must list at least one address/],
    ['GARRISON_LOG_LEVEL', 'loud', /GARRISON_LOG_LEVEL: must be one of fatal, error/],
    ['GARRISON_BIND_ADDRESS', 'everywhere', /GARRISON_BIND_ADDRESS: must be an IP address/],
    ['MONGODB_URI', 'postgres://db', /MONGODB_URI: must be a mongodb:\/\/ or mongodb\+srv:\/\/ URI$/],
    ['GARRISON_ADMIN_PASSWORD', 'short', /GARRISON_ADMIN_PASSWORD: must be at least 12 characters$/],
    ['GARRISON_MASTER_KEY', 'c2hvcnQ=', /GARRISON_MASTER_KEY: must be 32 bytes, base64-encoded$/],
    ['GARRISON_SHUTDOWN_TIMEOUT_MS', '5', /GARRISON_SHUTDOWN_TIMEOUT_MS: must be at least 1000/],
    ['GARRISON_SESSION_IDLE_MINUTES', 'half an hour', /GARRISON_SESSION_IDLE_MINUTES: must be a number of minutes from 0.05 to 1440; got "half an hour"/],
    ['GARRISON_SESSION_IDLE_MINUTES', '0', /GARRISON_SESSION_IDLE_MINUTES: must be a number of minutes from 0.05 to 1440/],
    ['GARRISON_SESSION_ABSOLUTE_HOURS', '1000', /GARRISON_SESSION_ABSOLUTE_HOURS: must be a number of hours from 0.01 to 720/],
    ['GARRISON_SESSION_ABSOLUTE_HOURS', '0.25', /GARRISON_SESSION_ABSOLUTE_HOURS: must not be shorter than GARRISON_SESSION_IDLE_MINUTES \(30 minutes\)/],
  ];
  for (const [variable, value, expected] of cases) {
    it(`refuses ${variable}=${JSON.stringify(value)} naming the variable`, () => {
      const problems = problemsFor({ [variable]: value });
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0] ?? '', expected);
    });
  }

  it('never echoes a secret value back', () => {
    const problems = problemsFor({ GARRISON_ADMIN_PASSWORD: 'tiny-secret', MONGODB_URI: 'http://user:hunter2@db' });
    assert.ok(problems.every((problem) => !problem.includes('tiny-secret') && !problem.includes('hunter2')), problems.join('\n'));
  });

  it('lists every problem at once, one line each', () => {
    try {
      loadConfig({ ...base, GARRISON_HTTPS_PORT: 'x', GARRISON_LOG_LEVEL: 'y', GARRISON_LINK_PORT: '99999' });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 3);
      assert.match(error.message, /3 problems/);
      assert.match(error.message, /\n {2}- GARRISON_HTTPS_PORT: /);
      assert.match(error.message, /\n {2}- GARRISON_LOG_LEVEL: /);
    }
  });

  it('refuses two listeners on one TCP port', () => {
    const problems = problemsFor({ GARRISON_HTTPS_PORT: '9000', GARRISON_LINK_PORT: '9000' });
    assert.deepEqual(problems, ['GARRISON_LINK_PORT: port 9000 is already used by GARRISON_HTTPS_PORT']);
  });
});
