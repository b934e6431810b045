// What a client-chosen name may look like before the collector stores it. Telemetry is
// aggregates, so a name (model id, version, class label, feature, error code) is the only
// place free text could ride along: an e-mail, a URL with a token, an IP, an account or
// card number. Names the collector's manifest lists are stored as they are; any other
// name must pass these rules, which refuse those shapes (no '@', '/', ':', '?', '=', no
// long digit runs, no dotted quads, short). Isomorphic: the wire validator and the
// collector's name policy share it.

/** Longest model id, at ingest and in the report URL alike. */
export const MODEL_ID_MAX = 64;
/** Longest version, label, feature or importance name that is stored. */
export const NAME_MAX = 64;

/** Model ids: letters, digits, '.', '_', '-'. */
export const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Versions also allow '+': semver build metadata, e.g. the manifest's '1.0.0+uint8'. */
export const VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
/** Labels and feature names: letters of any script, digits, space and . _ + - , ' ( ). */
const LABEL_RE = /^[\p{L}0-9][\p{L}\p{M}0-9 ._+,'()-]{0,63}$/u;
/** Error and reason codes: UPPER_SNAKE_CASE. */
export const CODE_RE = /^[A-Z][A-Z0-9_]{0,47}$/;

const DIGIT_RUN = /[0-9]{7}/;
// Dots or dashes (hostnames like ip-10-0-0-1 carry an address too).
const DOTTED_QUAD = /[0-9]{1,3}[.-][0-9]{1,3}[.-][0-9]{1,3}[.-][0-9]{1,3}/;
/** More digits than this in one name reads as a number that identifies someone. */
const MAX_DIGITS = 10;

/** Why `name` could identify a person (a long digit run, an IPv4-like quad, many digits), or null. */
export function personalShape(name: string): string | null {
  if (DIGIT_RUN.test(name)) return 'a run of 7 or more digits';
  if (DOTTED_QUAD.test(name)) return 'four dot-separated numbers (an IP address)';
  let digits = 0;
  for (let i = 0; i < name.length; i++) { const c = name.charCodeAt(i); if (c >= 48 && c <= 57) digits++; }
  return digits > MAX_DIGITS ? `more than ${MAX_DIGITS} digits` : null;
}

export type NameKind = 'id' | 'version' | 'label' | 'code';
const RE: Record<NameKind, RegExp> = { id: ID_RE, version: VERSION_RE, label: LABEL_RE, code: CODE_RE };

/** True when `name` may be stored although no manifest lists it. */
export function isStorableName(name: string, kind: NameKind): boolean {
  return RE[kind].test(name) && personalShape(name) === null;
}
