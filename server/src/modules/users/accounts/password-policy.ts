/**
 * The password rules, in one place for the web, the API and the SSH CLI:
 * at least 12 characters, not the user name, and not a password attackers try
 * first. Length beats composition rules (NIST SP 800-63B), so there are none.
 */
export const MIN_PASSWORD_LENGTH = 12;
/** argon2 takes any length, but a megabyte "password" is a denial-of-service attempt. */
export const MAX_PASSWORD_LENGTH = 256;

/**
 * Passwords of 12+ characters that lead breach lists, plus ones people pick for
 * this kind of product. Compared case-insensitively; a password made of one of
 * these plus digits or punctuation at the end is refused too.
 */
const COMMON_PASSWORDS = new Set([
  '123456789012',
  '1234567890123',
  '12345678901234',
  '123123123123',
  '111111111111',
  '000000000000',
  '123456123456',
  '1q2w3e4r5t6y',
  'qwertyuiop12',
  'qwertyuiopasdf',
  'qwerty123456',
  'qwertyqwerty',
  'asdfghjkl123',
  'zxcvbnm12345',
  'password1234',
  'password12345',
  'passwordpassword',
  'password',
  'passw0rd',
  'p@ssw0rd',
  'p@ssword',
  'letmein',
  'welcome',
  'changeme',
  'administrator',
  'admin',
  'adminadmin',
  'admin@123',
  'iloveyou',
  'trustno1',
  'sunshine',
  'princess',
  'football',
  'baseball',
  'superman',
  'starwars',
  'dragon',
  'monkey',
  'master',
  'secret',
  'garrison',
  'defender',
  'defenderforiot',
  'microsoft',
  'sensor',
  'cyberx',
  'support',
  'security',
  'default',
  'abcdefghijkl',
  'abcd1234abcd',
  'aaaaaaaaaaaa',
]);

/** Returns a sentence saying what is wrong, or null when the password is acceptable. */
export function passwordProblem(password: string, username: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) {
    return `The password must be at least ${MIN_PASSWORD_LENGTH} characters long; a few unrelated words make a strong one.`;
  }
  if (password.length > MAX_PASSWORD_LENGTH) return `The password must be at most ${MAX_PASSWORD_LENGTH} characters long.`;
  const lowered = password.toLowerCase();
  if (username.length > 0 && lowered.includes(username.toLowerCase()) && lowered.length < username.length + 8) {
    return 'The password must not be the user name (or the user name with a few characters added).';
  }
  const stem = lowered.replace(/[\d\W_]+$/, '');
  if (COMMON_PASSWORDS.has(lowered) || COMMON_PASSWORDS.has(stem) || new Set(lowered).size <= 2) {
    return 'This password is one of the first that attackers try; choose a less common one.';
  }
  return null;
}
