// Entry of the worker script (dist/worker.js for npm, dist/inferscope.worker.js beside the CDN
// bundle): tfjs and the whole direct-mode SDK, answering the page proxy through Comlink.
// Self-contained (tfjs bundled in) so it runs from any URL without a bundler.
import { expose, transferHandlers, type TransferHandler } from 'comlink';
import { createHost } from './sdk/worker/host.js';
import { toWireError } from './sdk/worker/wire.js';

// Comlink sends a thrown Error as { name, message, stack } only; send code (and a cause's
// message) too, so the page can rebuild InferScopeError. The registry is module-global, but this
// module runs only in its own worker, so nothing else on the page sees the change.
const thrown = transferHandlers.get('throw') as TransferHandler<{ value: unknown }, unknown>;
transferHandlers.set('throw', { ...thrown, serialize: ({ value }) => [{ isError: true, value: toWireError(value) }, []] });

expose(createHost());
