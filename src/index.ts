// Public SDK exports only.
export { InferScopeError, isInferScopeError } from './sdk/errors.js';
export type { ErrorCode } from './sdk/errors.js';
export type * from './protocol/manifest-types.js';
export { createClient } from './sdk/client.js';
export type { Client, ClientOptions } from './sdk/client.js';
export type { TelemetryOptions } from './sdk/telemetry/options.js';
export type { Model, Prediction } from './sdk/model.js';
export type { UrlLoadOptions, IdLoadOptions } from './sdk/resolve-target.js';
export type { LoadProgress } from './sdk/fetch-model.js';
export type { DeliveryEvent } from './sdk/delivery/types.js';
export type { Fallback, BackendPolicy } from './sdk/choose-backend.js';
export type { ModelInput, InputValue } from './sdk/inputs.js';
export type { PixelSource } from './sdk/image-input.js';
export type { OutputData } from './sdk/outputs.js';
export type { BackendName } from './protocol/wire-types.js';
