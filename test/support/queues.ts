import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { ALL_QUEUES } from '../../src/queue/queues';

/** A queue prefix of a spec's own, so its worker runs only its own jobs (and job schedulers) in the shared Redis. */
export const uniqueQueuePrefix = (): string => `lintas-t-${randomUUID().slice(0, 8)}`;

/** Removes every queue (jobs and job schedulers) under a spec's prefix, so nothing it scheduled keeps firing. */
export async function removeQueues(prefix: string): Promise<void> {
  for (const name of ALL_QUEUES) {
    const queue = new Queue(name, { connection: { url: process.env.REDIS_URL! }, prefix });
    try {
      await queue.obliterate({ force: true });
    } finally {
      await queue.close();
    }
  }
}
