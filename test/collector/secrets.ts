// Generated personal data for the privacy tests: e-mail addresses, URLs with tokens, IP
// addresses (dotted and in host names) and long digit strings. Each carries a unique marker
// (`needle`: its local part, token or digits) that a scan of what was stored looks for.
import fc from 'fast-check';

export type Secret = { text: string; needle: string };

const alnum = fc.stringMatching(/^[a-z][a-z0-9]{5,10}$/);
const digits = (min: number, max: number) => fc.integer({ min, max }).chain((n) => fc.stringMatching(new RegExp(`^[1-9][0-9]{${n - 1}}$`)));
export const secret: fc.Arbitrary<Secret> = fc.oneof(
  fc.tuple(alnum, alnum).map(([u, d]) => ({ text: `${u}@${d}.example`, needle: `${u}@${d}` })),
  fc.tuple(alnum, alnum).map(([h, t]) => ({ text: `https://${h}.example/cb?token=${t}X`, needle: `${t}X` })),
  fc.tuple(alnum, alnum).map(([h, t]) => ({ text: `${h}.example/reset?t=${t}Q`, needle: `${t}Q` })),
  fc.tuple(fc.integer({ min: 11, max: 254 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 11, max: 254 })).map((q) => ({ text: q.join('.'), needle: q.join('.') })),
  fc.tuple(fc.integer({ min: 11, max: 254 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 11, max: 254 })).map((q) => ({ text: `ip-${q.join('-')}`, needle: q.join('-') })),
  digits(9, 19).map((d) => ({ text: d, needle: d })),
  digits(9, 16).map((d) => ({ text: `acct${d}`, needle: d })),
  digits(4, 4).chain((a) => digits(4, 4).map((b) => ({ text: `${a} ${b} ${a} ${b}`, needle: `${a} ${b} ${a}` }))),
);
