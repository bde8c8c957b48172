import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '../../common/errors/domain-error';

/** ASVS 5.0 V6: at least 15 characters, no composition rules, refused when common. */
export const PASSWORD_MIN_LENGTH = 15;
export const PASSWORD_MAX_LENGTH = 128;

let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  if (!common) {
    const text = readFileSync(join(__dirname, 'common-passwords.txt'), 'utf8');
    common = new Set(
      text
        .split('\n')
        .map((l) => l.trim().toLowerCase())
        .filter((l) => l && !l.startsWith('#')),
    );
  }
  return common;
}

/** Returns why a password is refused, or null when it is acceptable. */
export function passwordProblem(password: string, context: { email?: string } = {}): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  const folded = password.trim().toLowerCase();
  if (commonPasswords().has(folded)) return 'is on the list of common passwords';
  if (new Set(folded).size <= 2) return 'repeats too few characters';
  if (context.email) {
    const email = context.email.toLowerCase();
    const local = email.split('@')[0];
    if (folded.includes(email) || (local.length >= 6 && folded.includes(local))) return 'must not contain the email address';
  }
  return null;
}

export function assertPasswordAcceptable(password: string, context: { email?: string } = {}): void {
  const problem = passwordProblem(password, context);
  if (problem) throw new DomainError('PASSWORD_POLICY', `Password ${problem}`, [{ field: 'password', errors: [problem] }]);
}
