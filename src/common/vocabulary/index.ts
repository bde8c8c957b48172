export * from './alerts';
export * from './case';
export * from './consent';
export * from './countries';
export * from './languages';
export * from './organisation';
export * from './roles';
