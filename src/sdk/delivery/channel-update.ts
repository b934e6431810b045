// The channel moved to another version: load it for real and swap the handle to it. Only pages
// whose channel changes while they run need this, so it is its own chunk (channels.ts).
import type { Model } from '../model.js';
import type { DeliveryEvent } from './types.js';

export interface UpdateDeps {
  /** The channel's handle (swappable) and the model it serves now. */
  entry: { model: Model; current: Model };
  id: string;
  /** The version the channel names now. */
  want: string;
  load(): Promise<Model>;
  /** Candidate versions that failed on this device (`id@version`). */
  failed: Set<string>;
  emit(e: DeliveryEvent): void;
}

/** Swaps the handle to the channel's new version; the running version keeps serving if that fails. */
export async function updateChannel({ entry, id, want, load, failed, emit }: UpdateDeps): Promise<void> {
  let next: Model;
  try {
    next = await load();
  } catch (err) {
    // The running version keeps serving; say so instead of failing silently (retried at the next revalidation).
    emit({ type: 'update-failed', id, version: want, serving: entry.current.version, reason: `${(err as { code?: string })?.code ?? 'ERROR'}: ${(err as Error)?.message ?? err}` });
    throw err;
  }
  if (next.version !== want) failed.add(`${id}@${want}`);
  if (next.version === entry.current.version) { next.dispose(); return; }
  (entry.model as unknown as { swap(m: Model): void }).swap(next);
}
