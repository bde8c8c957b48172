export * from './countries';
export * from './organisation';
export * from './roles';
