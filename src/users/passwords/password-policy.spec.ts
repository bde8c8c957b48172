import fc from 'fast-check';
import { DomainError } from '../../common/errors/domain-error';
import { assertPasswordAcceptable, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordProblem } from './password-policy';

describe('password policy (ASVS 5.0 V6)', () => {
  describe('length', () => {
    it('refuses 14 characters and accepts 15', () => {
      expect(passwordProblem('tangerine dusk')).toMatch(/at least 15/); // 14
      expect(passwordProblem('tangerine dusks')).toBeNull(); // 15
    });

    it('counts characters, not bytes or UTF-16 units', () => {
      expect(passwordProblem('ကျေးဇူးတင်ပါတယ်')).toBeNull(); // 15 Burmese code points, 45 bytes
      expect(passwordProblem('🐘🦜🌾🐅🦋🐃🐊🦚🐒🌺🐍🦀🐟🌴')).toMatch(/at least 15/); // 14 code points, 28 UTF-16 units
      expect(passwordProblem('🐘🦜🌾🐅🦋🐃🐊🦚🐒🌺🐍🦀🐟🌴🐢')).toBeNull();
    });

    it('refuses more than the maximum', () => {
      expect(passwordProblem('abcd'.repeat(PASSWORD_MAX_LENGTH / 4))).toBeNull();
      expect(passwordProblem(`${'abcd'.repeat(PASSWORD_MAX_LENGTH / 4)}e`)).toMatch(/at most/);
    });
  });

  it('sets no composition rules: lower-case words with spaces are fine', () => {
    for (const p of ['correct stapler orchid lantern', 'mango sticky rice at noon', 'samlor ride to the old market']) {
      expect(passwordProblem(p)).toBeNull();
    }
  });

  describe('common passwords', () => {
    it('refuses one on the bundled list, whatever its case or surrounding spaces', () => {
      expect(passwordProblem('123456789012345')).toMatch(/common/);
      expect(passwordProblem('  123456789012345  ')).toMatch(/common/);
    });

    it('refuses a run of one or two repeated characters', () => {
      expect(passwordProblem('aaaaaaaaaaaaaaa')).toBeTruthy();
      expect(passwordProblem('abababababababab')).toBeTruthy();
      expect(passwordProblem('abcabcabcabcabcabc')).toBeNull();
    });
  });

  describe('the email inside the password', () => {
    const email = 'somchai.k@shelter.example';

    it('refuses the whole email or its local part, in any case', () => {
      expect(passwordProblem(`my address ${email}`, { email })).toMatch(/email/);
      expect(passwordProblem('SOMCHAI.K forever and ever', { email })).toMatch(/email/);
      expect(passwordProblem('somchai.k forever and ever', { email: email.toUpperCase() })).toMatch(/email/);
    });

    it('does not refuse a short local part that would match half the dictionary', () => {
      expect(passwordProblem('the harbour at dawn, quietly', { email: 'at@shelter.example' })).toBeNull();
    });

    it('ignores the email when none is given', () => {
      expect(passwordProblem('somchai.k forever and ever')).toBeNull();
    });
  });

  describe('assertPasswordAcceptable', () => {
    it('throws PASSWORD_POLICY with a detail on the password field, never quoting the password', () => {
      const password = 'somchai.k secret 99';
      let error: unknown;
      try {
        assertPasswordAcceptable(password, { email: 'somchai.k@shelter.example' });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({
        code: 'PASSWORD_POLICY',
        details: [{ field: 'password', errors: ['must not contain the email address'] }],
      });
      expect(JSON.stringify({ message: (error as Error).message, details: (error as DomainError).details })).not.toContain('secret 99');
    });

    it('passes an acceptable password', () => {
      expect(() => assertPasswordAcceptable('correct stapler orchid lantern', { email: 'k@shelter.example' })).not.toThrow();
    });
  });

  describe('properties', () => {
    it('never accepts fewer than the minimum characters', () => {
      fc.assert(
        fc.property(
          fc.string({ unit: 'grapheme', maxLength: PASSWORD_MIN_LENGTH - 1 }),
          (p) => [...p].length >= PASSWORD_MIN_LENGTH || passwordProblem(p) !== null,
        ),
      );
    });

    it('never quotes the password in its answer', () => {
      fc.assert(
        fc.property(
          fc.string({ minLength: 4, maxLength: 200 }).filter((p) => p.trim().length >= 4 && !/^[a-z ]+$/.test(p)),
          (p) => {
            const problem = passwordProblem(p, { email: 'someone@shelter.example' });
            return problem === null || !problem.includes(p);
          },
        ),
      );
    });
  });
});
