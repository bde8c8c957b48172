export * from './alerts';
export * from './consent';
export * from './countries';
export * from './organisation';
export * from './roles';
