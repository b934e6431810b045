// Privacy helpers applied on the device before anything leaves it. Isomorphic:
// only globalThis.crypto (browsers, workers, Node >= 20) is used.
import type { ClientInfo, DeviceClass } from './wire-types.js';
// Its own module so the SDK's eager code (rollout install id) does not pull in the rest of this file.
export { randomHex } from './random-hex.js';

/**
 * Reduce a user-agent string to browser family + major version, OS family and
 * device class. Everything else (minor versions, device model, build ids) is dropped.
 * @example reduceUserAgent(navigator.userAgent) // { browser: 'chrome', browserMajor: 126, os: 'linux', device: 'desktop' }
 */
export function reduceUserAgent(ua: string | undefined): Omit<ClientInfo, 'installHash'> {
  const s = ua ?? '';
  const major = (re: RegExp) => {
    const m = re.exec(s);
    return m ? Math.min(999, parseInt(m[1]!, 10)) : 0;
  };
  let browser = 'other';
  let browserMajor = 0;
  // Order matters: Edge and Opera also say Chrome; Chrome also says Safari.
  if (/Edg(e|A|iOS)?\//.test(s)) { browser = 'edge'; browserMajor = major(/Edg(?:e|A|iOS)?\/(\d+)/); }
  else if (/(Firefox|FxiOS)\//.test(s)) { browser = 'firefox'; browserMajor = major(/(?:Firefox|FxiOS)\/(\d+)/); }
  else if (/(Chrome|Chromium|CriOS)\//.test(s) && !/OPR\//.test(s)) { browser = 'chrome'; browserMajor = major(/(?:Chrome|Chromium|CriOS)\/(\d+)/); }
  else if (/Version\/\d+.*Safari\//.test(s)) { browser = 'safari'; browserMajor = major(/Version\/(\d+)/); }
  else if (/^Node\.js\/|^node\//i.test(s)) { browser = 'node'; browserMajor = major(/\/v?(\d+)/); }

  let os = 'other';
  if (/Android/.test(s)) os = 'android';
  else if (/iPhone|iPad|iPod/.test(s)) os = 'ios';
  else if (/CrOS/.test(s)) os = 'chromeos';
  else if (/Windows/.test(s)) os = 'windows';
  else if (/Mac OS X|Macintosh/.test(s)) os = 'macos';
  else if (/Linux|X11/.test(s)) os = 'linux';

  let device: DeviceClass = 'unknown';
  if (/iPad|Tablet/.test(s) || (os === 'android' && !/Mobile/.test(s))) device = 'tablet';
  else if (/Mobi|iPhone|iPod/.test(s)) device = 'mobile';
  else if (browser === 'node') device = 'server';
  else if (os === 'windows' || os === 'macos' || os === 'linux' || os === 'chromeos') device = 'desktop';
  return { browser, browserMajor, os, device };
}

/** UTC day number (days since 1970-01-01): the salt period of the install hash. */
export function utcDay(nowMs: number): number {
  return Math.floor(nowMs / 86_400_000);
}

/**
 * Hash of a random install id, salted with the UTC day so that the same device's
 * batches can be deduplicated within a day but not linked across days. 16 hex chars.
 */
export async function hashInstallId(installId: string, day: number): Promise<string> {
  const data = new TextEncoder().encode(`inferscope-install:${day}:${installId}`);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  let hex = '';
  for (let i = 0; i < 8; i++) hex += digest[i]!.toString(16).padStart(2, '0');
  return hex;
}

/** Uniform in (0, 1) from crypto, never 0 (log-safe). */
function uniform(): number {
  const u = crypto.getRandomValues(new Uint32Array(1))[0]!;
  return (u + 0.5) / 4294967296;
}

/** One draw of Laplace(0, scale) noise (inverse CDF). */
export function laplace(scale: number, random: () => number = uniform): number {
  const u = random() - 0.5;
  return -scale * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
}

/**
 * Local differential privacy for one count: add Laplace(0, 1/epsilon) noise (a count
 * has sensitivity 1), round, and clamp at 0 so the collector never sees a negative
 * count. The clamp biases small counts upwards; sums over many batches stay close.
 */
export function noisyCount(n: number, epsilon: number, random?: () => number): number {
  return Math.max(0, Math.round(n + laplace(1 / epsilon, random)));
}
