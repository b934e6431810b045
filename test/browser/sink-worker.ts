// Worker mode's worker for the browser tests: the SDK's worker side with a telemetry fetch that
// writes each batch down by posting it to the page (the collector's side of the wire, as the
// direct-mode tests keep it in an array), since a page's fetch function cannot cross.
import { serve } from '../../src/sdk/worker/serve.js';

serve(self as never, {
  telemetry: {
    fetch: async (_url, init) => {
      const body = init?.body;
      self.postMessage({ sinkBody: typeof body === 'string' ? body : new TextDecoder().decode(body as ArrayBuffer) }); // no Comlink id: the page's Comlink ignores it
      return new Response(null, { status: 204 });
    },
  },
});
