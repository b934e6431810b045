// Versioned model delivery: manifest, content-addressed IndexedDB cache, integrity, rollout.
export { createDelivery } from './delivery.js';
export type { Delivery, DeliveryOptions, Delivered, LoadOptions, LoadTarget } from './delivery.js';
export type { CachedModel, DeliveryEvent, LoadPhase, LoadProgress, VersionRef } from './types.js';
