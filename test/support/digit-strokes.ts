// Handwritten digits as pen strokes, the way a person draws them on the demo's pad: several
// styles per digit (a 7 with and without a crossbar, a 1 with a flag and a base, an open and a
// closed 4, ...), each drawn at a random size, place, width-to-height ratio, slant and rotation.
// Strokes are polylines in pad pixels. fast-check generates the variations (seeded: a failure
// names the same drawings again).
import fc from 'fast-check';

type Pt = [number, number];
/** Strokes in a unit box, y down. */
type Glyph = Pt[][];

const line = (...pts: Pt[]): Pt[] => {
  // Points every ~0.04 along each segment, so the pen moves as a hand does.
  const out: Pt[] = [pts[0]!];
  for (let i = 1; i < pts.length; i++) {
    const [a, b] = [pts[i - 1]!, pts[i]!];
    const n = Math.max(1, Math.ceil(Math.hypot(b[0] - a[0], b[1] - a[1]) / 0.04));
    for (let k = 1; k <= n; k++) out.push([a[0] + ((b[0] - a[0]) * k) / n, a[1] + ((b[1] - a[1]) * k) / n]);
  }
  return out;
};
/** Elliptic arc centred (cx, cy), radii (rx, ry), from angle a0 to a1 in degrees (0 = right, 90 = down). */
const arc = (cx: number, cy: number, rx: number, ry: number, a0: number, a1: number): Pt[] => {
  const n = Math.max(4, Math.ceil(Math.abs(a1 - a0) / 12));
  return Array.from({ length: n + 1 }, (_, k) => {
    const a = ((a0 + ((a1 - a0) * k) / n) * Math.PI) / 180;
    return [cx + rx * Math.cos(a), cy + ry * Math.sin(a)] as Pt;
  });
};
/** Quadratic Bézier from p0 to p1 pulled towards c. */
const curve = (p0: Pt, c: Pt, p1: Pt): Pt[] => Array.from({ length: 13 }, (_, k) => {
  const t = k / 12, u = 1 - t;
  return [u * u * p0[0] + 2 * u * t * c[0] + t * t * p1[0], u * u * p0[1] + 2 * u * t * c[1] + t * t * p1[1]] as Pt;
});
const join = (...parts: Pt[][]): Pt[] => parts.flat();

/** Styles per digit, as people write them. */
export const GLYPHS: Record<string, Record<string, Glyph>> = {
  0: {
    oval: [arc(0.5, 0.5, 0.3, 0.45, -90, 275)],
    round: [arc(0.5, 0.5, 0.4, 0.42, -100, 265)],
  },
  1: {
    stick: [line([0.52, 0.02], [0.48, 0.98])],
    flag: [line([0.3, 0.22], [0.55, 0.02], [0.55, 0.98])],
    based: [line([0.3, 0.2], [0.55, 0.02], [0.55, 0.98]), line([0.3, 0.98], [0.8, 0.98])],
  },
  2: {
    curved: [join(arc(0.5, 0.3, 0.32, 0.27, 200, 360), arc(0.5, 0.3, 0.32, 0.27, 0, 40), line([0.75, 0.47], [0.15, 0.97], [0.88, 0.97]))],
    angular: [line([0.18, 0.22], [0.45, 0.03], [0.78, 0.12], [0.8, 0.35], [0.15, 0.97], [0.88, 0.97])],
  },
  3: {
    round: [join(arc(0.48, 0.27, 0.3, 0.24, 200, 450), arc(0.48, 0.73, 0.34, 0.26, -90, 160))],
    flat: [join(line([0.15, 0.03], [0.85, 0.03], [0.45, 0.42]), arc(0.47, 0.7, 0.36, 0.28, -90, 160))],
  },
  4: {
    open: [line([0.6, 0.02], [0.08, 0.66], [0.95, 0.66]), line([0.7, 0.3], [0.7, 0.98])],
    closed: [line([0.18, 0.02], [0.14, 0.56], [0.9, 0.56]), line([0.72, 0.02], [0.72, 0.98])],
  },
  5: {
    one: [join(line([0.85, 0.03], [0.25, 0.03], [0.2, 0.45]), arc(0.45, 0.68, 0.38, 0.3, -120, 150))],
    two: [join(line([0.25, 0.03], [0.2, 0.45]), arc(0.45, 0.68, 0.38, 0.3, -120, 150)), line([0.25, 0.03], [0.85, 0.03])],
  },
  6: {
    loop: [join(arc(0.75, 0.45, 0.5, 0.45, -100, -180), arc(0.5, 0.72, 0.3, 0.26, 180, 540))],
    lean: [join(line([0.7, 0.02], [0.3, 0.45]), arc(0.48, 0.72, 0.3, 0.26, 200, 560))],
  },
  7: {
    plain: [line([0.1, 0.05], [0.9, 0.05], [0.38, 0.98])],
    crossed: [line([0.1, 0.05], [0.9, 0.05], [0.38, 0.98]), line([0.3, 0.5], [0.78, 0.5])],
    hooked: [line([0.08, 0.2], [0.1, 0.05], [0.9, 0.05], [0.5, 0.55], [0.42, 0.98])],
    curved: [join(line([0.1, 0.06], [0.88, 0.04]), curve([0.88, 0.04], [0.72, 0.5], [0.4, 0.98]))],
  },
  8: {
    figure: [join(arc(0.5, 0.26, 0.27, 0.23, 20, -250), arc(0.5, 0.72, 0.33, 0.26, -90, 270), arc(0.5, 0.26, 0.27, 0.23, 110, 20))],
    rings: [arc(0.5, 0.26, 0.26, 0.23, 0, 365), arc(0.5, 0.72, 0.33, 0.26, -90, 275)],
  },
  9: {
    straight: [join(arc(0.48, 0.3, 0.3, 0.26, 0, -365), line([0.78, 0.3], [0.74, 0.98]))],
    curved: [join(arc(0.48, 0.3, 0.3, 0.26, 0, -365), arc(0.2, 0.3, 0.58, 0.68, 0, 75))],
  },
};

export interface Drawing { digit: string; style: string; strokes: Pt[][] }

/** How one person happens to write: size on the pad, place, aspect, slant, rotation. */
const hand = fc.record({
  size: fc.double({ min: 0.45, max: 0.8, noNaN: true }),
  aspect: fc.double({ min: 0.75, max: 1.1, noNaN: true }),
  slant: fc.double({ min: -0.15, max: 0.3, noNaN: true }),
  rotate: fc.double({ min: -8, max: 8, noNaN: true }),
  cx: fc.double({ min: 0.3, max: 0.7, noNaN: true }),
  cy: fc.double({ min: 0.3, max: 0.7, noNaN: true }),
});

/** `perStyle` drawings of every style of every digit on a pad of `size` pixels. */
export function drawings({ size = 280, perStyle = 2, seed = 13 }: { size?: number; perStyle?: number; seed?: number } = {}): Drawing[] {
  const out: Drawing[] = [];
  let s = seed;
  for (const [digit, styles] of Object.entries(GLYPHS)) {
    for (const [style, glyph] of Object.entries(styles)) {
      for (const h of fc.sample(hand, { seed: s++, numRuns: perStyle })) {
        const side = h.size * size, rot = (h.rotate * Math.PI) / 180;
        const place = ([x, y]: Pt): Pt => {
          // Unit box -> centred, slanted (shear), squeezed, rotated, scaled, moved onto the pad.
          let u = (x - 0.5 + h.slant * (0.5 - y)) * h.aspect, v = y - 0.5;
          [u, v] = [u * Math.cos(rot) - v * Math.sin(rot), u * Math.sin(rot) + v * Math.cos(rot)];
          return [h.cx * size + u * side, h.cy * size + v * side];
        };
        const strokes = glyph.map((st) => st.map(place));
        // Moved back onto the pad where it ran over an edge (a person starts again further in).
        const xs = strokes.flat().map((p) => p[0]), ys = strokes.flat().map((p) => p[1]);
        const m = 16;
        const dx = Math.max(0, m - Math.min(...xs)) - Math.max(0, Math.max(...xs) - (size - m));
        const dy = Math.max(0, m - Math.min(...ys)) - Math.max(0, Math.max(...ys) - (size - m));
        out.push({ digit, style, strokes: strokes.map((st) => st.map(([x, y]) => [x + dx, y + dy] as Pt)) });
      }
    }
  }
  return out;
}
