// What the page says when a model switch fails: which model could not load, why in a person's
// words, what to do, and which model still runs. The SDK's own message follows as the detail
// (it names the file); "Failed to fetch" alone tells nobody anything (#13.5). Branches on the
// error's code, never on its message text.

/** Why, and what to do, per SDK error code. `online`: navigator.onLine when the load failed. */
function reasonOf(code: string | undefined, online: boolean): { verb: string; why: string; todo: string } {
  if (!online && (code === 'NETWORK' || code === 'MANIFEST_FETCH' || code === undefined)) {
    return { verb: 'download', why: 'the network is offline', todo: 'Reconnect and pick it again' };
  }
  switch (code) {
    case 'NETWORK':
    case 'MANIFEST_FETCH':
      return { verb: 'download', why: 'the server did not answer', todo: 'Check the connection (or that npm start still runs) and pick it again' };
    case 'MODEL_NOT_FOUND':
      return { verb: 'download', why: 'the server has no such file (404)', todo: 'Publish the version\'s files where the manifest points (models/manifest.json), then pick it again' };
    case 'INTEGRITY':
      return { verb: 'verify', why: 'a downloaded file is not the one the manifest lists (damaged, cut short, or a web page served in its place); nothing of it was kept or run', todo: 'Republish the files or fix the server, then pick it again' };
    case 'MANIFEST_INVALID':
    case 'MODEL_INVALID':
      return { verb: 'read', why: 'its files are not a valid TF.js model', todo: 'Check the model.json and shards the manifest names' };
    case 'BACKEND_UNAVAILABLE':
    case 'ASSET_INVALID':
      return { verb: 'run', why: 'none of the ticked backends could run it', todo: 'Tick another backend and press Load again' };
    case 'QUOTA_EXCEEDED':
    case 'CACHE_UNAVAILABLE':
      return { verb: 'store', why: 'the browser has no room to cache it', todo: 'Evict cached versions below, then pick it again' };
    default:
      return { verb: 'load', why: 'loading failed', todo: 'Pick it again; if it fails again, the detail below says where' };
  }
}

/**
 * "Could not download digits 1.1.0: the network is offline. Reconnect and pick it again;
 * digits 1.0.0 is still loaded." plus the SDK's detail. `kept`: "id version" of the model that
 * still runs, or null when none does; `instead`: the SDK ran that older cached version in place
 * of the one asked for (fallbackToCached on a first load).
 */
export function switchErrorText(err: unknown, wanted: string, kept: string | null, online: boolean, instead = false): { text: string; detail: string } {
  const e = err as { code?: string; message?: string } | null;
  // A bare TypeError is what fetch() throws when no answer came (a chunk import, a raw fetch).
  const code = typeof e?.code === 'string' ? e.code : err instanceof TypeError ? 'NETWORK' : undefined;
  const { verb, why, todo } = reasonOf(code, online);
  const still = !kept ? 'No model is loaded yet.' : instead ? `${kept}, the last version that worked here, runs instead (from the cache).` : `${kept} is still loaded.`;
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err ?? 'no detail');
  return { text: `Could not ${verb} ${wanted}: ${why}. ${todo}; ${still}`, detail: typeof e?.code === 'string' ? `${code}: ${message}` : message };
}
