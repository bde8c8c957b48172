import fc from 'fast-check';
import { MicroBatcher } from './micro-batcher';

describe('MicroBatcher', () => {
  it('answers every call with its own result, in one run per turn of the event loop', async () => {
    const runs: number[][] = [];
    const batcher = new MicroBatcher<number, number>((items) => {
      runs.push(items);
      return Promise.resolve(items.map((x) => x * 2));
    });
    const answers = await Promise.all([1, 2, 3].map((x) => batcher.submit(x)));
    expect(answers).toEqual([2, 4, 6]);
    expect(runs).toEqual([[1, 2, 3]]);
    // A call in a later turn makes a batch of its own.
    await expect(batcher.submit(7)).resolves.toBe(14);
    expect(runs).toEqual([[1, 2, 3], [7]]);
  });

  it('sends a full batch at once without waiting for the turn to end', async () => {
    const runs: number[][] = [];
    const batcher = new MicroBatcher<number, number>((items) => (runs.push(items), Promise.resolve(items)), { maxBatch: 2 });
    const answers = await Promise.all([1, 2, 3, 4, 5].map((x) => batcher.submit(x)));
    expect(answers).toEqual([1, 2, 3, 4, 5]);
    expect(runs).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('fails every call of a failed batch when items are not retried', async () => {
    const batcher = new MicroBatcher<number, number>(() => Promise.reject(new Error('down')));
    const settled = await Promise.allSettled([1, 2].map((x) => batcher.submit(x)));
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
  });

  it('refuses a run that answers a different number of results than it was given', async () => {
    const batcher = new MicroBatcher<number, number>(() => Promise.resolve([1]));
    await expect(Promise.all([1, 2].map((x) => batcher.submit(x)))).rejects.toThrow(/2 items/);
  });

  it('with retrySingly, fails only the calls whose own item fails (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 30 }), async (xs) => {
        const batcher = new MicroBatcher<number, number>(
          (items) => (items.some((x) => x < 0) ? Promise.reject(new Error('negative')) : Promise.resolve(items.map((x) => x + 1))),
          { retrySingly: true, maxBatch: 7 },
        );
        const settled = await Promise.allSettled(xs.map((x) => batcher.submit(x)));
        settled.forEach((s, i) => {
          if (xs[i] < 0) expect(s.status).toBe('rejected');
          else expect(s).toEqual({ status: 'fulfilled', value: xs[i] + 1 });
        });
      }),
      { numRuns: 100 },
    );
  });
});
