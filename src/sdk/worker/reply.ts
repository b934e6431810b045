// An answer with more to it than its value, for serve(): the buffers to move to the page instead
// of copying them, and work that can wait until the answer is posted (freeing the input's
// tensors), so the page is not kept waiting for it.
const extras = new WeakMap<object, { moved: Transferable[]; after?: () => void }>();

export function reply<T extends object>(value: T, moved: Transferable[], after?: () => void): T {
  extras.set(value, { moved, after });
  return value;
}

export const replyExtras = (value: unknown) => (value !== null && typeof value === 'object' ? extras.get(value) : undefined);
