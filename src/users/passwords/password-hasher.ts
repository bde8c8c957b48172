import { Injectable, OnModuleInit } from '@nestjs/common';
import * as argon2 from 'argon2';

/** argon2id with the OWASP/ASVS minimum (19 MiB, t=2, p=1). */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class PasswordHasher implements OnModuleInit {
  /** A hash of a random secret, verified when the email is unknown so both answers cost the same time. */
  private dummy?: Promise<string>;

  /** Made at boot: made lazily, the first unknown email after a restart would pay for an extra hash and stand out. */
  async onModuleInit(): Promise<void> {
    await this.dummyHash();
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, OPTIONS);
  }

  async verify(hash: string | null, password: string): Promise<boolean> {
    if (!hash) {
      await argon2.verify(await this.dummyHash(), password).catch(() => false);
      return false;
    }
    return argon2.verify(hash, password).catch(() => false);
  }

  private dummyHash(): Promise<string> {
    this.dummy ??= argon2.hash(`lintas-dummy-${Math.random()}-${Date.now()}`, OPTIONS);
    return this.dummy;
  }
}
