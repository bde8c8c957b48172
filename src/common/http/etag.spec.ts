import { DomainError } from '../errors/domain-error';
import { ifNoneMatchHits, strongEtag, versionFromIfMatch } from './etag';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof DomainError ? err.code : 'other';
  }
};

describe('ETags', () => {
  it('makes a strong tag from the bytes, with the version in front when there is one', () => {
    const a = strongEtag('{"id":"x","version":3}', 3);
    expect(a).toMatch(/^"3-[A-Za-z0-9_-]{22}"$/);
    expect(strongEtag('{"id":"x","version":3}', 3)).toBe(a);
    expect(strongEtag('{"id":"y","version":3}', 3)).not.toBe(a);
    expect(strongEtag('[]')).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
  });

  it('compares If-None-Match weakly, as a list, with *', () => {
    expect(ifNoneMatchHits('"3-abc"', '"3-abc"')).toBe(true);
    expect(ifNoneMatchHits('W/"3-abc"', '"3-abc"')).toBe(true);
    expect(ifNoneMatchHits('"1", "3-abc"', '"3-abc"')).toBe(true);
    expect(ifNoneMatchHits('*', '"3-abc"')).toBe(true);
    expect(ifNoneMatchHits('"3-abd"', '"3-abc"')).toBe(false);
    expect(ifNoneMatchHits(undefined, '"3-abc"')).toBe(false);
  });

  it('reads If-Match strongly: the bare and the full strong form; a weak tag never matches', () => {
    expect(versionFromIfMatch('"3"')).toBe(3);
    expect(versionFromIfMatch(' "3-Ab_9-x" ')).toBe(3);
    expect(codeOf(() => versionFromIfMatch('W/"3"'))).toBe('PRECONDITION_FAILED');
    expect(codeOf(() => versionFromIfMatch(undefined))).toBe('PRECONDITION_REQUIRED');
    for (const bad of ['3', '"x"', '""', '"-1"', '*', `"${'9'.repeat(20)}"`])
      expect(codeOf(() => versionFromIfMatch(bad))).toBe('PRECONDITION_FAILED');
  });
});
