import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { findLoginCandidate, findUser } from '../users/user-reads';
import { TokenResponseDto } from './dto/auth.dto';
import { LoginThrottleService } from './login-throttle.service';
import { PasswordHasher } from '../users/passwords/password-hasher';
import { RefreshTokenEntity } from './refresh-token.entity';
import { SessionEntity } from './session.entity';
import { hashRefreshToken, TokenService } from './token.service';

const invalidCredentials = () => new DomainError('INVALID_CREDENTIALS', 'Email or password is incorrect');
const invalidRefresh = () => new DomainError('REFRESH_TOKEN_INVALID', 'Refresh token is invalid, expired or already used');

@Injectable()
export class AuthService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tokens: TokenService,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottleService,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  /**
   * Unknown email, wrong password and disabled account all answer the same, after the same argon2 work.
   * A successful login is audited (actor: the user; record: the new session). Failures are not: with no account
   * behind them there is nothing but the typed email to record, and that is personal data.
   */
  async login(emailInput: string, password: string, correlationId: string | null = null): Promise<TokenResponseDto> {
    const email = emailInput.trim().toLowerCase();
    await this.throttle.assertNotLocked(email);
    const user = await findLoginCandidate(this.dataSource.manager, email);
    const ok = await this.hasher.verify(user?.passwordHash ?? null, password);
    if (!user || !ok || user.disabledAt) {
      await this.throttle.recordFailure(email);
      throw invalidCredentials();
    }
    await this.throttle.reset(email);
    return this.dataSource.transaction(async (em) => {
      const session = await em.save(
        em.create(SessionEntity, { userId: user.id, expiresAt: this.refreshExpiry(), revokedAt: null, revokedReason: null }),
      );
      await this.audit.record(
        em,
        { userId: user.id, organisationId: user.organisationId, role: user.role, correlationId },
        { action: 'auth.login', recordType: 'session', recordId: session.id },
      );
      return this.issue(em, user.id, session.id);
    });
  }

  /** Rotation: each refresh token works once. A second use means it was stolen: the whole session is revoked. */
  async refresh(refreshToken: string, correlationId: string | null = null): Promise<TokenResponseDto> {
    const hash = hashRefreshToken(refreshToken);
    const outcome = await this.dataSource.transaction(async (em) => {
      const row = await em.findOne(RefreshTokenEntity, { where: { tokenHash: hash }, lock: { mode: 'pessimistic_write' } });
      if (!row) return { error: true as const };
      const session = await em.findOne(SessionEntity, { where: { id: row.sessionId }, lock: { mode: 'pessimistic_write' } });
      if (!session || session.revokedAt) return { error: true as const };
      if (row.usedAt) {
        await em.update(SessionEntity, { id: session.id }, { revokedAt: new Date(), revokedReason: 'refresh_token_reuse' });
        // A stolen token was used: auditors see which account's session ended, and when.
        const owner = await findUser(em, session.userId);
        await this.audit.record(
          em,
          owner ? { userId: owner.id, organisationId: owner.organisationId, role: owner.role, correlationId } : null,
          { action: 'auth.refresh_reuse', recordType: 'session', recordId: session.id, details: { revokedReason: 'refresh_token_reuse' } },
        );
        return { error: true as const };
      }
      if (row.expiresAt.getTime() <= Date.now() || session.expiresAt.getTime() <= Date.now()) return { error: true as const };
      const user = await findUser(em, session.userId);
      if (!user || user.disabledAt) {
        await em.update(SessionEntity, { id: session.id }, { revokedAt: new Date(), revokedReason: 'user_disabled' });
        return { error: true as const };
      }
      await em.update(RefreshTokenEntity, { id: row.id }, { usedAt: new Date() });
      return { tokens: await this.issue(em, user.id, session.id) };
    });
    if ('error' in outcome) throw invalidRefresh();
    return outcome.tokens;
  }

  /** Ends the session of the given refresh token (if it is the caller's), or else the session of the access token. */
  async logout(actor: Actor, refreshToken?: string): Promise<void> {
    let sessionId = actor.sessionId;
    if (refreshToken) {
      const row = await this.dataSource.getRepository(RefreshTokenEntity).findOne({ where: { tokenHash: hashRefreshToken(refreshToken) } });
      const session = row && (await this.dataSource.getRepository(SessionEntity).findOne({ where: { id: row.sessionId } }));
      if (session && session.userId === actor.userId) sessionId = session.id;
    }
    await this.dataSource.transaction(async (em) => {
      const ended = await em.update(
        SessionEntity,
        { id: sessionId, userId: actor.userId, revokedAt: IsNull() },
        { revokedAt: new Date(), revokedReason: 'logout' },
      );
      if (ended.affected) await this.audit.record(em, actor, { action: 'auth.logout', recordType: 'session', recordId: sessionId });
    });
  }

  private async issue(em: EntityManager, userId: string, sessionId: string): Promise<TokenResponseDto> {
    const { token, hash } = this.tokens.newRefreshToken();
    await em.insert(RefreshTokenEntity, { sessionId, tokenHash: hash, expiresAt: this.refreshExpiry(), usedAt: null });
    return {
      accessToken: this.tokens.signAccess({ sub: userId, sid: sessionId }),
      refreshToken: token,
      expiresIn: this.config.auth.accessTokenTtlSeconds,
      tokenType: 'Bearer',
    };
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.config.auth.refreshTokenTtlSeconds * 1000);
  }
}
