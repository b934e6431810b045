import type { Client } from '../client.js';

export function lazyClient(ready: Promise<Client>): Client {
  ready.catch(() => {});
  const c = {} as Record<string, unknown>;
  for (const key of ['load', 'cached', 'evict', 'feedback', 'flush', 'dispose']) c[key] = (...args: unknown[]) => ready.then((x) => (x as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>)[key]!(...args));
  return c as unknown as Client;
}
