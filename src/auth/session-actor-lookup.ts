import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ActorLookup, ActorRow } from '../common/auth/auth.guard';
import { MicroBatcher } from '../common/batching/micro-batcher';
import { runSql } from '../database/sql';
import { actorsOfSessions } from './auth.queries';

/**
 * The user, role, organisation and session behind each access token, read afresh for every request. The requests that
 * arrive in the same turn of the event loop are looked up in one query (one row per request that is still valid), so
 * a busy API pays one round trip for many of them; every lookup is still made after its request arrived, so a logout,
 * a disabled user or a role change committed before a request is seen by that request.
 */
@Injectable()
export class SessionActorLookup extends ActorLookup {
  private readonly batcher: MicroBatcher<{ userId: string; sessionId: string }, ActorRow | null>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    super();
    this.batcher = new MicroBatcher<{ userId: string; sessionId: string }, ActorRow | null>(async (items) => {
      const { rows } = await runSql(dataSource.manager, actorsOfSessions, [items.map((x) => x.userId), items.map((x) => x.sessionId)]);
      const found = new Map(rows.map(({ i, ...row }) => [Number(i), row]));
      return items.map((_, index) => found.get(index + 1) ?? null);
    });
  }

  find(userId: string, sessionId: string): Promise<ActorRow | null> {
    return this.batcher.submit({ userId, sessionId });
  }
}
