// Why a worker did not start, for WORKER_UNAVAILABLE. Loaded only when one failed: the browser's
// `error` event for a module worker script that cannot load carries no reason
// (https://github.com/whatwg/html/issues/5232), so fetch the script once and say what came back.

/** A module script that loads but imports a file that does not (e.g. the CDN worker copied
 *  without the worker-chunks/ folder beside it): the error event says nothing about which. */
async function missingImport(url: string, code: string): Promise<string | undefined> {
  for (const [, rel] of code.matchAll(/(?:from|import\()\s*["'`](\.{1,2}\/[^"'`]+)["'`]/g)) {
    const dep = new URL(rel!, url).href;
    const r = await fetch(dep).catch(() => null);
    if (!r?.ok) return `it imports ${dep}, which ${r ? `answered HTTP ${r.status}` : 'could not be fetched'}; serve the files beside it`;
  }
  return undefined;
}

/** `csp`: directives of Content-Security-Policy violations that named the URL while it started. */
export async function diagnose(url: string, event: Event, csp: string[]): Promise<string> {
  const message = (event as ErrorEvent).message;
  let found = message ? `the worker script threw: ${message}` : '';
  if (!found) {
    try {
      const r = await fetch(url);
      const type = r.headers.get('content-type') ?? '';
      found = !r.ok ? `HTTP ${r.status} for the worker script`
        : !/javascript|ecmascript/i.test(type) ? `it is served as '${type || 'no content type'}'; a module worker needs a JavaScript MIME type`
        : await missingImport(url, await r.text()) ?? 'the browser refused to run it and gave no reason';
    } catch (err) {
      found = `the worker script could not be fetched (${(err as Error).message})`;
    }
  }
  // The violation event may arrive after the worker's error event: read it last.
  return csp.length ? `blocked by the page's Content-Security-Policy (${csp[0]}); allow the URL in worker-src, or pass a Worker you create` : found;
}
