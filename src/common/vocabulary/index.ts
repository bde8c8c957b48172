export * from './countries';
export * from './organisation';
export * from './roles';
export * from './referral';
