/**
 * Shape limits for JSON text, checked by a linear scan of the text BEFORE it is parsed.
 *
 * JSON.parse itself copes with deep nesting, but much of what runs after it recurses into the value (Nest's
 * ValidationPipe, class-transformer, class-validator, canonical JSON): 5,000 levels of `[` overflow the stack and
 * answer 500, on routes that need no login. Huge arrays and objects cost quadratic time in validators such as
 * ArrayUnique. Refusing such text before parsing means nothing later ever sees a value beyond these limits.
 */

export interface JsonLimits {
  /** Containers open at once: `{}` is depth 1, `{"a":[]}` depth 2. */
  maxDepth: number;
  /** Members of one object. */
  maxMembers: number;
  /** Elements of one array. */
  maxItems: number;
}

/** No request body or packet of Lintas needs more than a handful of levels, or more than a few dozen fields or items. */
export const JSON_LIMITS: JsonLimits = { maxDepth: 32, maxMembers: 1000, maxItems: 1000 };

export interface JsonLimitBreach {
  limit: 'depth' | 'members' | 'items';
  max: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * The first limit the text breaks, or null. Does not validate the JSON (the parser does): text that is not JSON is
 * scanned all the same and any nesting it shows is counted, so a malformed deep text is refused here too.
 */
export function jsonLimitBreach(text: string, limits: JsonLimits = JSON_LIMITS): JsonLimitBreach | null {
  // One entry per open container: its separators so far (items = commas + 1) and whether it is an array.
  const commas: number[] = [];
  const isArray: boolean[] = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Skip the string: a bracket or comma inside it is text, not structure.
      for (i++; i < n; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (commas.length >= limits.maxDepth) return { limit: 'depth', max: limits.maxDepth };
      commas.push(0);
      isArray.push(c === OPEN_ARRAY);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      commas.pop();
      isArray.pop();
    } else if (c === COMMA && commas.length > 0) {
      const top = commas.length - 1;
      const count = ++commas[top] + 1;
      if (isArray[top] && count > limits.maxItems) return { limit: 'items', max: limits.maxItems };
      if (!isArray[top] && count > limits.maxMembers) return { limit: 'members', max: limits.maxMembers };
    }
  }
  return null;
}

/** A sentence for the client; names the limit, never the content. */
export function describeBreach(breach: JsonLimitBreach): string {
  switch (breach.limit) {
    case 'depth':
      return `JSON is nested deeper than ${breach.max} levels`;
    case 'members':
      return `A JSON object has more than ${breach.max} members`;
    case 'items':
      return `A JSON array has more than ${breach.max} items`;
  }
}
