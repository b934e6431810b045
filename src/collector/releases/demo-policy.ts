// The release policy `npm start` gives its collector, so the demo page can publish the digits
// candidate of models/manifest.json without a config file (the README's quick start stays two
// commands). Nothing starts by itself ("start": "admin"): the candidate is served at 0 % until a
// signed-in person presses Publish. Windows are short and minimums small, so one person drawing
// digits sees the release wait on its checks, then move, within minutes rather than hours.
// A real deployment writes its own "releases" section (README: Release a model).

/** The "releases" section of the demo collector's config (validated by validateReleases). */
export const DEMO_RELEASES = {
  intervalSeconds: 5,
  manifestMaxAgeSeconds: 5,
  defaults: {
    start: 'admin',
    steps: [10, 50, 100],
    minPredictions: 30,
    minStepSeconds: 30,
    checks: {
      errors: { minSamples: 30 },
      loads: { minSamples: 5 },
      latency: { minSamples: 20 },
      accuracy: { minLabels: 30 },
      shift: { minSamples: 30 },
    },
  },
  policies: { 'digits/stable': {} },
} as const;
