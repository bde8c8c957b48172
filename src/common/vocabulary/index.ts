export * from './case';
export * from './countries';
export * from './languages';
export * from './organisation';
export * from './roles';
