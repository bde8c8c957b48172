import * as argon2 from 'argon2';
import { PasswordHasher } from './password-hasher';

// The real argon2, with its calls counted.
jest.mock('argon2', () => {
  const actual = jest.requireActual<typeof argon2>('argon2');
  return { ...actual, hash: jest.fn(actual.hash), verify: jest.fn(actual.verify) };
});

describe('PasswordHasher', () => {
  beforeEach(() => jest.clearAllMocks());

  it('hashes with argon2id at the ASVS minimum cost (19 MiB, t=2, p=1) and verifies', async () => {
    const hasher = new PasswordHasher();
    const hash = await hasher.hash('a long enough passphrase');
    const [, type, , params] = hash.split('$');
    expect(type).toBe('argon2id');
    expect(Object.fromEntries(params.split(',').map((kv) => kv.split('=')))).toEqual({ m: '19456', t: '2', p: '1' });
    await expect(hasher.verify(hash, 'a long enough passphrase')).resolves.toBe(true);
    await expect(hasher.verify(hash, 'a long enough passphrasE')).resolves.toBe(false);
  });

  it('does one verification and no hashing for an unknown email once booted, so the first such login is not slower', async () => {
    const hasher = new PasswordHasher();
    await hasher.onModuleInit();
    jest.clearAllMocks();
    await expect(hasher.verify(null, 'whatever was typed')).resolves.toBe(false);
    expect(argon2.hash).not.toHaveBeenCalled();
    expect(argon2.verify).toHaveBeenCalledTimes(1);
  });

  it('answers false, not an error, for a stored value that is not an argon2 hash', async () => {
    await expect(new PasswordHasher().verify('not-a-hash', 'whatever was typed')).resolves.toBe(false);
  });
});
