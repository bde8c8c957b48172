/**
 * JSON request bodies: Fastify's own parser (prototype-poisoning checks on), with two additions.
 *
 * Shape limits first (src/common/validation/json-limits.ts): a body nested deeper than 32 levels, or with an object or
 * array too large, is refused with 400 before it is parsed, so nothing after the parser recurses into it.
 *
 * JSON.parse turns 5e6 and 5000000.0 into the number 5000000, so after parsing nobody can tell that a client wrote an
 * amount with an exponent or a fraction. Before parsing, a number with a fraction or an exponent written as the value of
 * an `amountMinor` key is turned into the string it was written as; validation then refuses it (MONEY_INVALID) exactly as
 * it refuses "5e6". Plain integers are left alone, so a well-formed body parses as it always did.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../errors/domain-error';
import { describeBreach, jsonLimitBreach } from '../validation/json-limits';

/** Keys whose value must be an exact integer as written. */
export const EXACT_INTEGER_KEYS: ReadonlySet<string> = new Set(['amountMinor']);

const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isNumberChar = (c: string | undefined) => c !== undefined && '+-.0123456789eE'.includes(c);

/**
 * Quotes every number written with a fraction or an exponent that is the value of one of `keys`. Text that is not
 * valid JSON is returned so that it still is not (the parser reports it as before).
 */
export function quoteInexactIntegers(text: string, keys: ReadonlySet<string> = EXACT_INTEGER_KEYS): string {
  if (![...keys].some((k) => text.includes(`"${k}"`))) return text;
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '"') {
      i++;
      continue;
    }
    const start = ++i;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    const name = text.slice(start, i);
    i++;
    if (!keys.has(name)) continue;
    let j = i;
    while (isSpace(text[j])) j++;
    if (text[j] !== ':') continue; // a string value, not a key
    j++;
    while (isSpace(text[j])) j++;
    let k = j;
    while (isNumberChar(text[k])) k++;
    const lexeme = text.slice(j, k);
    const m = JSON_NUMBER.exec(lexeme);
    if (m && (m[1] !== undefined || m[2] !== undefined)) {
      out += `${text.slice(copied, j)}"${lexeme}"`;
      copied = k;
    }
    i = Math.max(k, i);
  }
  return copied === 0 ? text : out + text.slice(copied);
}

type CallbackBodyParser = (request: FastifyRequest, rawBody: string, done: (err: Error | null, body?: unknown) => void) => void;

/**
 * Replaces the JSON parser of the Fastify instance. Nest must be created with `bodyParser: false` so it does not install
 * its own; that also leaves form bodies without a parser, so they answer 415 like every other non-JSON body.
 */
export function registerJsonBodyParser(fastify: FastifyInstance, bodyLimit: number): void {
  // Fastify types the default parser as either a callback or a promise parser; its implementation is the callback one
  // (fastify/lib/content-type-parser.js, defaultJsonParser), which reports through `done` and returns nothing.
  const parse = fastify.getDefaultJsonParser('error', 'error') as CallbackBodyParser;
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (request, body, done) => {
    const breach = jsonLimitBreach(body as string);
    if (breach) {
      done(
        new DomainError('MALFORMED_REQUEST', `Request body refused: ${describeBreach(breach)}`, { limit: breach.limit, max: breach.max }),
        undefined,
      );
      return;
    }
    parse(request, quoteInexactIntegers(body as string), done);
  });
}
