/**
 * Idempotent POSTs (routes marked `@Idempotent()`, with an `Idempotency-Key` header).
 *
 * The request runs in one database transaction (database/ambient-transaction.ts) that first takes a non-waiting
 * advisory lock on (user, key), then runs the handler (its own transactions become savepoints), then stores the sealed
 * answer, then commits: the effect and the stored answer commit together or not at all. So:
 *  - a crash or lost connection before that commit leaves nothing, and the retry acts afresh;
 *  - a retry after it gets the stored answer (the answer the client lost), with `Idempotency-Replayed: true`;
 *  - a retry while the first still runs finds the lock held and answers 409 at once (no second effect, no waiting);
 *  - the same key with another method, path or body answers 422.
 * An error answer is not stored: the handler's own commits stand as without the header, and the key is free again.
 */
import { CallHandler, ExecutionContext, HttpStatus, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { defer, lastValueFrom, Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import type { Actor } from '../common/auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { IDEMPOTENCY_REPLAYED_HEADER, IDEMPOTENCY_TTL_SECONDS, IDEMPOTENT_KEY } from '../common/http/idempotent';
import { RecordCryptoService } from '../crypto/record-crypto.service';
import { withAmbientTransaction } from '../database/ambient-transaction';
import { runSql } from '../database/sql';
import { keyDigest, parseIdempotencyKey, requestFingerprint } from './idempotency-key';
import { deleteExpired, findAnswer, storeAnswer, tryKeyLock } from './idempotency.queries';

const PURPOSE = 'idempotency-answer';
/** The response headers an answer is replayed with (besides status and body). */
const KEPT_HEADERS = ['location', 'etag'] as const;

interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

type Outcome = { kind: 'fresh'; body: unknown } | { kind: 'replay'; answer: StoredAnswer } | { kind: 'failed'; error: unknown };

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sealer: RecordCryptoService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || !this.reflector.get<boolean>(IDEMPOTENT_KEY, context.getHandler())) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest & { actor?: Actor }>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return defer(() => {
      const key = parseIdempotencyKey(request.headers['idempotency-key']);
      if (key === undefined || !request.actor) return next.handle();
      const status = this.reflector.get<number>(HTTP_CODE_METADATA, context.getHandler()) ?? HttpStatus.CREATED;
      return this.once(request, reply, request.actor.userId, key, status, next);
    });
  }

  private async once(request: FastifyRequest, reply: FastifyReply, userId: string, key: string, status: number, next: CallHandler) {
    const keyHash = keyDigest(key);
    const fingerprint = requestFingerprint(request.method, request.url, request.body);
    const binding = `${userId}|${keyHash.toString('hex')}`;

    const outcome = await withAmbientTransaction<Outcome>(this.dataSource, async (tx) => {
      const [lock] = (await runSql(tx.em, tryKeyLock, [`idempotency|${binding}`])).rows;
      if (!lock.locked) {
        throw new DomainError('IDEMPOTENCY_REQUEST_IN_FLIGHT', 'A request with this Idempotency-Key is still running; retry in a moment');
      }
      const [stored] = (await runSql(tx.em, findAnswer, [userId, keyHash])).rows;
      if (stored) {
        if (!stored.fingerprint.equals(fingerprint)) {
          throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request');
        }
        const answer = this.sealer.open<StoredAnswer>(PURPOSE, binding, { masterKeyId: stored.master_key_id, sealed: stored.answer });
        if (!answer) throw new Error('The master key that sealed a stored answer is no longer configured');
        return { kind: 'replay', answer };
      }
      let body: unknown;
      try {
        body = await tx.run(() => lastValueFrom(next.handle(), { defaultValue: undefined }));
      } catch (error) {
        return { kind: 'failed', error };
      }
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      // What the client will get: the body as JSON (a DTO's getters and Dates as they serialise).
      const answer: StoredAnswer = {
        status,
        headers,
        body: body === undefined ? undefined : (JSON.parse(JSON.stringify(body)) as unknown),
      };
      const sealed = this.sealer.seal(PURPOSE, binding, answer);
      await runSql(tx.em, storeAnswer, [userId, keyHash, fingerprint, sealed.masterKeyId, sealed.sealed, IDEMPOTENCY_TTL_SECONDS]);
      await runSql(tx.em, deleteExpired, [50]);
      return { kind: 'fresh', body };
    });

    if (outcome.kind === 'failed') throw outcome.error;
    if (outcome.kind === 'fresh') return outcome.body;
    for (const [name, value] of Object.entries(outcome.answer.headers)) void reply.header(name, value);
    void reply.header(IDEMPOTENCY_REPLAYED_HEADER, 'true');
    return outcome.answer.body;
  }
}
