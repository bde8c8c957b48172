import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { CaseCryptoService } from '../crypto/case-crypto.service';
import { CaseKey, CaseKeys } from './case-keys.service';

const CASE = '0b6f3a52-0a43-4c3e-9d8e-1d0f3f4b2a11';
const crypto = new CaseCryptoService({
  crypto: { masterKey: { id: 'k2', key: randomBytes(32) }, previousMasterKeys: [], blindIndexKey: randomBytes(32) },
} as unknown as AppConfig);
const keys = new CaseKeys(crypto, {} as DataSource);

/** An EntityManager whose case_keys holds this one row (or none). */
const withRow = (row: { masterKeyId: string; wrappedKey: Buffer | null } | null) =>
  ({ findOne: (): Promise<unknown> => Promise.resolve(row && { caseId: CASE, ...row }) }) as unknown as EntityManager;

describe('CaseKeys', () => {
  // The ids-only warnings of the refusals below are expected.
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  const { result: sealed, wrapped } = keys.withNewKey(CASE, (key) => key.seal('givenName', 'Aye'));
  const em = withRow(wrapped);

  it('seals with a new case’s key and opens with the stored wrapped key', async () => {
    expect(await keys.withCaseKey(em, CASE, (key) => key.open<string>('givenName', sealed))).toBe('Aye');
    expect(await keys.open<string>(em, CASE, 'givenName', sealed)).toBe('Aye');
    const reason = await keys.seal(em, CASE, 'reason:1', 'because');
    expect(await keys.open<string>(em, CASE, 'reason:1', reason)).toBe('because');
  });

  it('closes the key when the callback ends, also an async one: a key kept past it cannot be used', async () => {
    let kept: CaseKey | undefined;
    await keys.withCaseKey(em, CASE, (key) => (kept = key));
    expect(() => kept!.seal('givenName', 'x')).toThrow(/after it was closed/);
    await keys.withCaseKey(em, CASE, async (key) => {
      await Promise.resolve();
      kept = key;
      expect(key.open<string>('givenName', sealed)).toBe('Aye');
    });
    expect(() => kept!.open('givenName', sealed)).toThrow(/after it was closed/);
    await expect(
      keys.withCaseKey(em, CASE, (key) => {
        kept = key;
        throw new Error('the callback failed');
      }),
    ).rejects.toThrow('the callback failed');
    expect(() => kept!.seal('givenName', 'x')).toThrow(/after it was closed/);
  });

  it('wipes the unwrapped bytes before the callback runs, and the key still opens', async () => {
    const unwrap = crypto.unwrap.bind(crypto);
    let bytes: Buffer | undefined;
    const spy = jest.spyOn(crypto, 'unwrap').mockImplementationOnce((caseId, w) => (bytes = unwrap(caseId, w)));
    const opened = await keys.withCaseKey(em, CASE, (key) => {
      expect(bytes?.equals(Buffer.alloc(32))).toBe(true);
      return key.open<string>('givenName', sealed);
    });
    expect(opened).toBe('Aye');
    spy.mockRestore();
  });

  it('answers null without calling back when the key was destroyed or never existed', async () => {
    const fn = jest.fn();
    expect(await keys.withCaseKey(withRow({ masterKeyId: 'k2', wrappedKey: null }), CASE, fn)).toBeNull();
    expect(await keys.withCaseKey(withRow(null), CASE, fn)).toBeNull();
    expect(await keys.seal(withRow(null), CASE, 'reason:1', 'x')).toBeNull();
    expect(fn).not.toHaveBeenCalled();
  });

  it('throws CASE_KEY_UNAVAILABLE for a master key not configured here, or answers null when asked to', async () => {
    const foreign = withRow({ masterKeyId: 'k-gone', wrappedKey: wrapped.wrappedKey });
    await expect(keys.withCaseKey(foreign, CASE, () => 1)).rejects.toMatchObject({ code: 'CASE_KEY_UNAVAILABLE' });
    expect(await keys.withCaseKey(foreign, CASE, () => 1, { unavailable: 'null' })).toBeNull();
  });

  it('refuses a ciphertext moved to another field; openOrNull answers null instead', async () => {
    await expect(keys.withCaseKey(em, CASE, (key) => key.open('familyName', sealed))).rejects.toBeInstanceOf(DomainError);
    expect(await keys.withCaseKey(em, CASE, (key) => key.openOrNull('familyName', sealed))).toBeNull();
    expect(await keys.open(em, CASE, 'familyName', sealed)).toBeNull();
  });
});
