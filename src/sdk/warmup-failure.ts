// A warm-up with generated inputs failed on a backend that passed its self-test. Rare, so a lazy
// chunk (choose-backend.ts tryBackend imports it only then).
import type { BackendName } from '../protocol/wire-types.js';
import type { Fallback } from './choose-backend.js';

// Failures that say the backend cannot run this model at all (a kernel it lacks, a lost or
// exhausted GPU), as opposed to an input the generated warm-up got wrong for this model.
const CANNOT_RUN = /not registered|not (yet )?(implemented|supported)|unsupported|context lost|device.*lost|out of memory|OOM/i;

/**
 * The failure demotes the backend (rethrown) only when the model cannot run there. Otherwise the
 * generated input was wrong for this model: the backend is kept (predict still fails over if a
 * real input breaks it) and a note in `notes` (when the caller keeps them) says so.
 */
export function keepAfterWarmupFailure(backend: BackendName, err: unknown, notes?: Fallback[]): void {
  const reason = err instanceof Error ? err.message : String(err);
  if (CANNOT_RUN.test(reason)) throw err;
  notes?.push({ backend, reason: `warm-up with generated inputs failed (${reason.slice(0, 120)}); kept ${backend}: nothing says the model cannot run here` });
}
