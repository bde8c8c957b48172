import type { ValueTransformer } from 'typeorm';
import { MAX_AMOUNT_DIGITS } from './money';

/**
 * For the entities that will store amounts: `@Column({ type: 'numeric', precision: 38, scale: 0, transformer: AMOUNT_MINOR_COLUMN })`.
 * pg returns numeric as a string, which becomes a bigint here without ever passing through a JS number; bigint goes back
 * as its decimal string. Pair the column with CHECK (amount_minor >= 0) in the migration.
 */
export const AMOUNT_MINOR_PRECISION = MAX_AMOUNT_DIGITS;

export const AMOUNT_MINOR_COLUMN = {
  to: (value: bigint | null | undefined) => (value === null || value === undefined ? value : value.toString()),
  from: (value: string | null) => {
    if (value === null || value === undefined) return value;
    if (!/^[0-9]+$/.test(value)) throw new Error('A stored amount is not a non-negative integer');
    return BigInt(value);
  },
} satisfies ValueTransformer;
