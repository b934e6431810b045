// Public SDK exports only.
export { InferScopeError, isInferScopeError } from './sdk/errors.js';
export type { ErrorCode } from './sdk/errors.js';
export type * from './protocol/manifest-types.js';
