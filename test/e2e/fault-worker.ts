// The worker side of worker mode (serve(), what src/worker.ts loads) plus one test fault the page
// can ask for by message (serve() ignores messages that are not calls): 'fail-predict' makes the
// worker's cpu backend lose its data reads, as a backend whose device was lost would
// (delivery-page.ts). (serve() is called here rather than importing src/worker.ts for its side
// effect: the package says "sideEffects": false, so esbuild would drop that import.)
import * as tf from '@tensorflow/tfjs-core';
import { serve } from '../../src/sdk/worker/serve.js';

serve();
addEventListener('message', ({ data }) => {
  if (data === 'fail-predict') Object.assign(tf.engine().registry.cpu!, { read: () => Promise.reject(new Error('cpu backend lost (test fault)')) });
});
