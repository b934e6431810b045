// Isomorphic protocol: wire format, manifest schema, sketch and drift math.
export type * from './manifest-types.js';
export type * from './wire-types.js';
export { Sketch, SKETCH_MIN_VALUE, type SketchOptions } from './sketch.js';
export { validateManifest, ManifestError, resolveUrl, rolloutBucket, pickVersion, modelJsonName } from './manifest.js';
export * from './baseline.js';
