// Entry `inferscope/worker`: serve() for apps that bundle a worker of their own (CSP-strict
// apps, bundlers that must see every file, or a worker that needs its own `fetch`). The page
// passes that worker to createClient({ worker: new Worker(new URL('./my-worker.ts', import.meta.url), { type: 'module' }) }).
export { serve } from './sdk/worker/serve.js';
export type { WorkerLocalOptions } from './sdk/worker/serve.js';
