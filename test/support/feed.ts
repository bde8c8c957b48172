/** A client of the change feed for end-to-end specs: a device's store of (type, id) → version, kept by applying pages. */
import { eventually, TestApi } from './app';
import { TestUser } from './factories';

export interface FeedItem {
  type: string;
  id: string;
  parentId: string | null;
  op: 'upsert' | 'gone';
  version: number;
  changedAt: string;
}

export class FeedClient {
  readonly store = new Map<string, number>();
  cursor: string | undefined;
  /** Every item received, in order (for checks on repeats). */
  readonly received: FeedItem[] = [];

  /** 410s met (each followed by a sync from scratch, as docs/sync.md tells a client to do). */
  resyncs = 0;

  constructor(
    private readonly api: TestApi,
    private readonly user: TestUser,
    private readonly opts: { resyncOn410?: boolean } = {},
  ) {}

  /** One page; throws on anything but 200. */
  async page(limit: number): Promise<{ items: FeedItem[]; hasMore: boolean }> {
    const query = new URLSearchParams({ limit: String(limit), ...(this.cursor ? { since: this.cursor } : {}) });
    const res = await this.api.http.get(`/api/v1/changes?${query.toString()}`, this.user.token);
    if (res.status === 410 && this.opts.resyncOn410 && res.body.code === 'CHANGES_RESYNC_REQUIRED') {
      this.resyncs++;
      this.store.clear();
      this.cursor = undefined;
      return { items: [], hasMore: true };
    }
    if (res.status !== 200) throw new Error(`feed answered ${res.status} ${res.text}`);
    const body = res.body as { items: FeedItem[]; cursor: string; hasMore: boolean };
    for (const item of body.items) {
      const key = `${item.type}:${item.id}`;
      if (item.op === 'upsert') this.store.set(key, item.version);
      else this.store.delete(key);
    }
    this.received.push(...body.items);
    this.cursor = body.cursor;
    return body;
  }

  /** Pages until hasMore is false; `size` chooses each page's limit. */
  async sync(size: () => number = () => 100): Promise<void> {
    for (let i = 0; i < 10_000; i++) {
      if (!(await this.page(size())).hasMore) return;
    }
    throw new Error('the feed never ended');
  }

  keys(): string[] {
    return [...this.store.keys()].sort();
  }
}

/**
 * Waits until every transaction that started before now has ended (the feed serves a change once no older transaction
 * is still running; a worker's short transaction may be open at any moment): a positive signal that a sync taken now
 * sees every change already committed.
 */
export async function settled(api: TestApi): Promise<void> {
  const [{ x }] = await api.dataSource.query<Array<{ x: string }>>(`SELECT pg_current_xact_id()::text AS x`);
  await eventually(async () => {
    const [{ xmin }] = await api.dataSource.query<Array<{ xmin: string }>>(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`);
    return BigInt(xmin) > BigInt(x);
  });
}
