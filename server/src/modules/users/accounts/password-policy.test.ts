import { test } from 'node:test';
import assert from 'node:assert/strict';
import { passwordProblem } from './password-policy.js';

test('a long uncommon password is accepted', () => {
  assert.equal(passwordProblem('copper kettle on the hill', 'alice'), null);
  assert.equal(passwordProblem('Zx9!qLm2#rT4', 'alice'), null);
});

test('fewer than 12 characters is refused with the rule in the sentence', () => {
  assert.match(passwordProblem('short-pass1', 'alice') ?? '', /at least 12 characters/);
});

test('the user name, or the user name with a little added, is refused', () => {
  assert.match(passwordProblem('operator.one', 'operator.one') ?? '', /user name/);
  assert.match(passwordProblem('Operator.One!', 'operator.one') ?? '', /user name/);
  assert.match(passwordProblem('admin1234567', 'admin') ?? '', /user name/);
});

test('common passwords and their decorated forms are refused', () => {
  for (const candidate of ['password1234', 'Password1234!', '123456789012', 'qwertyuiop12', 'Garrison2025!!', 'aaaaaaaaaaaa', 'abababababab']) {
    assert.match(passwordProblem(candidate, 'alice') ?? '', /attackers try/, candidate);
  }
});

test('very long passwords are refused before anything hashes them', () => {
  assert.match(passwordProblem('x'.repeat(300), 'alice') ?? '', /at most 256/);
});
