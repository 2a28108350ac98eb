import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandLineError, namedArguments, splitWords } from './command-line.js';

test('words split like a shell: quotes, escapes, runs of spaces', () => {
  assert.deepEqual(splitWords('  users password-reset -u bob   -p "a b\\"c" '), ['users', 'password-reset', '-u', 'bob', '-p', 'a b"c']);
  assert.deepEqual(splitWords("ntp enable '10.0.0.1'"), ['ntp', 'enable', '10.0.0.1']);
  assert.deepEqual(splitWords('a\\ b ""'), ['a b', '']);
  assert.throws(() => splitWords('say "unclosed'), CommandLineError);
});

test('options, aliases, flags and positionals become named arguments', () => {
  const options = { zone: { kind: 'value', alias: 'z' }, 'single-use': { kind: 'flag' } } as const;
  assert.deepEqual(namedArguments(['--zone', 'Line 1', '--single-use'], [], options), { zone: 'Line 1', 'single-use': true });
  assert.deepEqual(namedArguments(['-z', 'A/B'], [], options), { zone: 'A/B' });
  assert.deepEqual(namedArguments(['--zone=X'], [], options), { zone: 'X' });
  assert.deepEqual(namedArguments(['10.0.0.1'], ['address'], {}), { address: '10.0.0.1' });
});

test('unknown options, missing values, repeats and extra words are refused with a sentence', () => {
  const options = { zone: { kind: 'value' }, 'single-use': { kind: 'flag' } } as const;
  assert.throws(() => namedArguments(['--colour', 'red'], [], options), /Unknown option --colour\./);
  assert.throws(() => namedArguments(['-q'], [], options), /Unknown option -q\./);
  assert.throws(() => namedArguments(['--zone'], [], options), /--zone needs a value/);
  assert.throws(() => namedArguments(['--zone', 'a', '--zone', 'b'], [], options), /given twice/);
  assert.throws(() => namedArguments(['--single-use=yes'], [], options), /takes no value/);
  assert.throws(() => namedArguments(['a', 'b'], ['address'], {}), /Unexpected argument: b\./);
});
