import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DomainError } from '../common/errors/domain-error';
import { REDIS, RedisClient } from '../queue/redis';

/**
 * Failed logins per account, counted in Redis under a keyed hash of the submitted email (so an unknown email is
 * throttled exactly like a known one, and no email is stored in Redis).
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly config: AppConfig,
  ) {}

  private key(email: string): string {
    const mac = createHmac('sha256', this.config.crypto.blindIndexKey).update(`login:${email}`).digest('base64url');
    return `${this.config.redis.queuePrefix}:login-failures:${mac}`;
  }

  async assertNotLocked(email: string): Promise<void> {
    const count = Number(await this.redis.get(this.key(email)));
    if (count >= this.config.auth.loginMaxFailures) {
      throw new DomainError('LOGIN_TEMPORARILY_LOCKED', 'Too many failed sign-in attempts for this account; try again later');
    }
  }

  async recordFailure(email: string): Promise<void> {
    const key = this.key(email);
    await this.redis.multi().incr(key).expire(key, this.config.auth.loginLockSeconds).exec();
  }

  async reset(email: string): Promise<void> {
    await this.redis.del(this.key(email));
  }
}
