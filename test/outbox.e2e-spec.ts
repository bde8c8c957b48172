/**
 * The queue foundation end to end: a state change writes an outbox row in its transaction; the worker's relay moves it
 * into BullMQ (job id = outbox id, ids-only data, default retry options); the processor runs it once and marks it.
 */
import { INestApplicationContext } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { OutboxInlineHandlers } from '../src/outbox/outbox-inline';
import { OutboxEventEntity } from '../src/outbox/outbox-event.entity';
import { processOnce } from '../src/outbox/outbox-job';
import { OutboxService } from '../src/outbox/outbox.service';
import { DEFAULT_JOB_OPTIONS, QUEUES } from '../src/queue/queues';
import { eventually, startApi, startWorker, TestApi } from './support/app';
import { platformAdmin, TestUser } from './support/factories';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('outbox → queue → worker (e2e)', () => {
  let api: TestApi;
  let admin: TestUser;
  let queue: Queue;

  beforeAll(async () => {
    api = await startApi();
    admin = await platformAdmin(api);
    queue = new Queue(QUEUES.system, { connection: { url: api.config.redis.url }, prefix: api.config.redis.queuePrefix });
  });
  afterAll(async () => {
    await queue.close();
    await api.close();
  });

  const row = async (id: string) => (await api.dataSource.getRepository(OutboxEventEntity).findOneBy({ id }))!;
  /** An outbox row the relay leaves alone for an hour, so only the test touches it. */
  const laterRow = () =>
    api.dataSource.transaction((em) =>
      api.app
        .get(OutboxService)
        .add(em, { type: 'system.ping', payload: { requestedBy: admin.id }, availableAt: new Date(Date.now() + 3600_000) }),
    );

  describe('with the worker running', () => {
    let worker: INestApplicationContext;
    beforeAll(async () => {
      worker = await startWorker();
    });
    afterAll(() => worker?.close());

    it('runs a ping from the API through outbox, relay, BullMQ and the processor', async () => {
      const correlationId = `ping-${Date.now()}`;
      const res = await api.http.post('/api/v1/system/ping', {}, admin.token, { 'x-correlation-id': correlationId });
      expect(res.status).toBe(202);
      expect(Object.keys(res.body)).toEqual(['outboxId']);
      const { outboxId } = res.body;
      expect(outboxId).toMatch(UUID);

      const written = await row(outboxId);
      expect(written).toMatchObject({ type: 'system.ping', payload: { requestedBy: admin.id }, correlationId });

      const done = await eventually(async () => {
        const r = await row(outboxId);
        return r.dispatchedAt && r.processedAt ? r : undefined;
      });
      expect(done.processedAt!.getTime()).toBeGreaterThanOrEqual(done.dispatchedAt!.getTime());

      const job = (await queue.getJob(outboxId)) as Job;
      expect(job).toBeTruthy();
      expect(job.id).toBe(outboxId);
      expect(job.name).toBe('system.ping');
      expect(await eventually(async () => ((await job.getState()) === 'completed' ? 'completed' : undefined))).toBe('completed');
      expect((await queue.getJob(outboxId))!.returnvalue).toBe('processed');
      // Ids only: BullMQ keeps job data in Redis in clear text.
      expect(job.data).toEqual({ outboxId, requestedBy: admin.id, correlationId });
      for (const [key, value] of Object.entries(job.data)) {
        if (key !== 'correlationId') expect(value).toMatch(UUID);
      }
      expect(job.opts).toMatchObject({ attempts: DEFAULT_JOB_OPTIONS.attempts, backoff: DEFAULT_JOB_OPTIONS.backoff });
    });

    it('does not run a row twice when the relay sends it again (job id = outbox id)', async () => {
      const res = await api.http.post('/api/v1/system/ping', {}, admin.token);
      const { outboxId } = res.body;
      const first = await eventually(async () => ((await row(outboxId)).processedAt ? row(outboxId) : undefined));
      // As if the relay had lost its mark after enqueueing (a crash between the two): it sends the row again.
      await api.dataSource.query(`UPDATE outbox_events SET dispatched_at = NULL WHERE id = $1`, [outboxId]);
      await eventually(async () => ((await row(outboxId)).dispatchedAt ? true : undefined));
      const again = await row(outboxId);
      expect(again.processedAt!.toISOString()).toBe(first.processedAt!.toISOString());
      const job = (await queue.getJob(outboxId))!;
      expect(job.attemptsMade).toBeLessThanOrEqual(1);
      expect(job.finishedOn).toBeTruthy();
    });
  });

  describe("inline handlers (outbox-inline.ts: a batch run in the relay's transaction)", () => {
    let worker: INestApplicationContext;
    let handlers: OutboxInlineHandlers;
    beforeAll(async () => {
      worker = await startWorker();
      handlers = worker.get(OutboxInlineHandlers);
    });
    afterEach(() => handlers.remove('system.ping'));
    afterAll(() => worker?.close());

    it("runs due rows in the relay's batch and marks them processed, with no queued job", async () => {
      const seen: string[] = [];
      handlers.register('system.ping', {
        handle: async (em, rows) => {
          seen.push(...rows.map((r) => r.id));
          expect(em.queryRunner?.isTransactionActive).toBe(true);
        },
      });
      const { outboxId } = (await api.http.post('/api/v1/system/ping', {}, admin.token)).body;
      const done = await eventually(async () => ((await row(outboxId)).processedAt ? row(outboxId) : undefined));
      expect(done.dispatchedAt).toBeInstanceOf(Date);
      expect(seen.filter((id) => id === outboxId)).toHaveLength(1);
      expect(await queue.getJob(outboxId)).toBeUndefined();
    });

    it('neither runs nor queues a row a job already processed when the relay sends it again', async () => {
      const seen: string[] = [];
      handlers.register('system.ping', { handle: async (_em, rows) => void seen.push(...rows.map((r) => r.id)) });
      // As if a job had processed the row while the relay's own commit (its dispatched mark) was lost.
      const outboxId = await api.dataSource.transaction(async (em) => {
        const id = await api.app.get(OutboxService).add(em, { type: 'system.ping', payload: { requestedBy: admin.id } });
        await em.query(`UPDATE outbox_events SET processed_at = now() WHERE id = $1`, [id]);
        return id;
      });
      const done = await eventually(async () => ((await row(outboxId)).dispatchedAt ? row(outboxId) : undefined));
      expect(done.processedAt).toBeInstanceOf(Date);
      expect(seen).not.toContain(outboxId);
      expect(await queue.getJob(outboxId)).toBeUndefined();
    });

    it('rolls a failing batch back alone and queues its rows for the processor', async () => {
      let written = '';
      handlers.register('system.ping', {
        handle: async (em) => {
          // A write the failure must take back with it (the savepoint), while the relay's own batch still commits.
          written = await api.app
            .get(OutboxService)
            .add(em, { type: 'system.ping', payload: {}, availableAt: new Date(Date.now() + 3600_000) });
          throw new Error('handler failed');
        },
      });
      const { outboxId } = (await api.http.post('/api/v1/system/ping', {}, admin.token)).body;
      const done = await eventually(async () => ((await row(outboxId)).processedAt ? row(outboxId) : undefined));
      expect(done.dispatchedAt).toBeInstanceOf(Date);
      const job = (await queue.getJob(outboxId))!;
      expect(job).toBeTruthy();
      expect(await eventually(async () => ((await job.getState()) === 'completed' ? 'completed' : undefined))).toBe('completed');
      expect(written).toMatch(UUID);
      expect(await api.dataSource.getRepository(OutboxEventEntity).findOneBy({ id: written })).toBeNull();
    });
  });

  describe('processOnce', () => {
    it('applies the effect once however often the job runs', async () => {
      const outboxId = await laterRow();
      let effects = 0;
      const effect = async () => {
        effects++;
      };
      expect(await processOnce(api.dataSource, outboxId, effect)).toBe('processed');
      expect(await processOnce(api.dataSource, outboxId, effect)).toBe('already-processed');
      expect(effects).toBe(1);
      expect((await row(outboxId)).processedAt).toBeInstanceOf(Date);
    });

    it('applies the effect once when two workers run the same job at the same time', async () => {
      const outboxId = await laterRow();
      let effects = 0;
      const effect = async () => {
        effects++;
        await new Promise((r) => setTimeout(r, 50));
      };
      const outcomes = await Promise.all([processOnce(api.dataSource, outboxId, effect), processOnce(api.dataSource, outboxId, effect)]);
      expect(outcomes.sort()).toEqual(['already-processed', 'processed']);
      expect(effects).toBe(1);
    });

    it('leaves the row unprocessed when the effect fails, so a retry runs it', async () => {
      const outboxId = await laterRow();
      await expect(processOnce(api.dataSource, outboxId, async () => Promise.reject(new Error('partner down')))).rejects.toThrow(
        'partner down',
      );
      expect((await row(outboxId)).processedAt).toBeNull();
      expect(await processOnce(api.dataSource, outboxId, async () => undefined)).toBe('processed');
    });
  });

  describe('the outbox row rides in the transaction of the change', () => {
    it('is gone when the transaction rolls back', async () => {
      let id = '';
      await expect(
        api.dataSource.transaction(async (em) => {
          id = await api.app.get(OutboxService).add(em, { type: 'system.ping', payload: { requestedBy: admin.id } });
          throw new Error('the state change failed');
        }),
      ).rejects.toThrow('the state change failed');
      expect(id).toMatch(UUID);
      expect(await api.dataSource.getRepository(OutboxEventEntity).findOneBy({ id })).toBeNull();
    });

    it('writes several messages in one statement, each with its own payload and time, and none when the list is empty', async () => {
      const marker = `addMany-${Date.now()}`;
      const later = new Date(Date.now() + 3600_000);
      const outbox = api.app.get(OutboxService);
      await api.dataSource.transaction(async (em) => {
        await outbox.addMany(em, []);
        await outbox.addMany(em, [
          { type: 'system.ping', payload: { requestedBy: admin.id, marker, n: 1 }, availableAt: later },
          { type: 'system.ping', payload: { requestedBy: admin.id, marker, n: 2 }, availableAt: later, correlationId: marker },
        ]);
      });
      const rows = await api.dataSource.query<Array<{ n: number; correlation_id: string | null; available_at: Date }>>(
        `SELECT (payload->>'n')::int AS n, correlation_id, available_at FROM outbox_events WHERE payload->>'marker' = $1 ORDER BY 1`,
        [marker],
      );
      expect(rows.map((r) => [r.n, r.correlation_id])).toEqual([
        [1, null],
        [2, marker],
      ]);
      for (const r of rows) expect(new Date(r.available_at).getTime()).toBe(later.getTime());
      await expect(
        api.dataSource.transaction(async (em) => {
          await outbox.addMany(em, [
            { type: 'system.ping', payload: { marker: `${marker}-rolled-back` } },
            { type: 'system.ping', payload: { marker: `${marker}-rolled-back` } },
          ]);
          throw new Error('the state change failed');
        }),
      ).rejects.toThrow('the state change failed');
      const gone = await api.dataSource.query<unknown[]>(`SELECT 1 FROM outbox_events WHERE payload->>'marker' = $1`, [
        `${marker}-rolled-back`,
      ]);
      expect(gone).toHaveLength(0);
      await expect(
        outbox.addMany(api.dataSource.manager, [
          { type: 'system.ping', payload: {} },
          { type: 'system.ping', payload: {} },
        ]),
      ).rejects.toThrow(/inside a transaction/);
    });

    it('cannot be written outside a transaction', async () => {
      await expect(api.app.get(OutboxService).add(api.dataSource.manager, { type: 'system.ping', payload: {} })).rejects.toThrow(
        /inside a transaction/,
      );
    });
  });
});
