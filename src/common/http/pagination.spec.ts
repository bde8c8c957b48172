import fc from 'fast-check';
import { MAX_PAGE_LIMIT, pageWindow } from './pagination';

describe('pageWindow', () => {
  it('defaults to page 1 of 20', () => {
    expect(pageWindow({} as never, 100)).toEqual({ page: 1, limit: 20, skip: 0 });
  });

  it('caps the limit at the configured maximum and at the hard ceiling', () => {
    expect(pageWindow({ page: 1, limit: 1000 }, 50).limit).toBe(50);
    expect(pageWindow({ page: 1, limit: 1000 }, 1000).limit).toBe(MAX_PAGE_LIMIT);
  });

  it('skips whole pages', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 1000 }),
        (page, limit, max) => {
          const w = pageWindow({ page, limit }, max);
          return w.limit <= Math.min(max, MAX_PAGE_LIMIT) && w.limit >= 1 && w.skip === (page - 1) * w.limit;
        },
      ),
    );
  });
});
