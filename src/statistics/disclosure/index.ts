export * from './attack';
export * from './k-anonymity';
export * from './period';
export * from './protect';
export * from './rules';
export * from './secondary';
export * from './serialise';
export * from './table';
