// The client `fetch` that answers URLs under /dropped/<hash>/ from a dropped folder's files,
// and everything else from the network. The files live on the page; `lookup` finds one by path:
// a Map read on the page (direct mode), a question to the page from the worker (worker mode,
// demo/src/demo-worker.ts), since a function cannot be sent to a worker but a File can.

export type FileLookup = (path: string) => File | undefined | Promise<File | undefined>;

export const DROPPED_PREFIX = '/dropped/';

export function droppedFetchVia(lookup: FileLookup): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input), location.href);
    const path = decodeURIComponent(url.pathname);
    const file = url.origin === location.origin && path.startsWith(DROPPED_PREFIX) ? await lookup(path) : undefined;
    if (!file) return fetch(input, init);
    const type = file.name.endsWith('.json') ? 'application/json' : 'application/octet-stream';
    return new Response(file, { status: 200, headers: { 'content-type': type, 'content-length': String(file.size) } });
  };
}
