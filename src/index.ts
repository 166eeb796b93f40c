/** In-process use: `const h = await startHerald({ apps: [...] }); h.url; await h.close()`. */
export { startHerald, type Herald, type HeraldOptions } from './server.ts';
export { issueUserSig, decodeUserSig } from './auth/usersig.ts';
export { ERRORS, CATALOG, ApiError, type ErrorCode, type ErrorName } from './errors.ts';
export type { AppRecord } from './store/records.ts';
export type { Seed } from './seed/schema.ts';
export type { SeedSummary } from './seed/apply.ts';
export type { ResetResult } from './services/reset.ts';
