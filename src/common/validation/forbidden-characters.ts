/**
 * Characters no text field accepts. C0 control characters: PostgreSQL refuses U+0000 in text columns (a NUL in any
 * stored field was a 500), and the others have no business in a name, a note or a reference: they hide text from the
 * person reading it. Tab, CR and LF stay allowed (notes have lines). Unpaired surrogates ("\ud800" in JSON): they are
 * not Unicode at all, validators that encode them throw (IsEmail answered 500), and the database would silently get
 * U+FFFD instead.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const hasForbiddenCharacters = (text: string): boolean => CONTROL.test(text) || LONE_SURROGATE.test(text);

const isContainer = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';

/**
 * The path of the first string in `value` (a member name or a value, at any depth) that holds such a character, or
 * undefined. Paths read like the validation errors' fields: `identityDocuments.0.number`; `root` prefixes them (the
 * query parameter, say) and stands for the whole value when it is itself such a string. A member name with such a
 * character is reported by its parent's path, so the offending text is never echoed back.
 * Iterative, so a deep value cannot overflow the stack; JSON values have no cycles, and a visited set covers the rest.
 */
export function findForbiddenCharacters(value: unknown, root = ''): string | undefined {
  const stack: Array<[unknown, string]> = [[value, root]];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (hasForbiddenCharacters(v)) return path;
      continue;
    }
    if (!isContainer(v) || seen.has(v)) continue;
    seen.add(v);
    const keys = Object.keys(v);
    if (keys.some(hasForbiddenCharacters)) return path;
    // Pushed in reverse so that members are looked at in document order.
    for (let i = keys.length - 1; i >= 0; i--) stack.push([v[keys[i]], path ? `${path}.${keys[i]}` : keys[i]]);
  }
  return undefined;
}
