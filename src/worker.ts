// Entry of the worker script (dist/worker.js for npm, dist/inferscope.worker.js beside the CDN
// bundle): tfjs and the whole direct-mode SDK, answering the page proxy through Comlink.
// Self-contained (tfjs bundled in) so it runs from any URL without a bundler.
import { serve } from './sdk/worker/serve.js';

serve();
