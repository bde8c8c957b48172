export * from './age-bands';
export * from './countries';
export * from './organisation';
export * from './regions';
export * from './roles';
