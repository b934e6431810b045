// Section 8: publish the digits candidate of models/manifest.json and watch its release. The
// collector npm start runs has a policy for it (src/collector/releases/demo-policy.ts) that waits
// for an admin start. Starting a rollout is an admin action, so the page holds no admin token of
// its own: the person signs in with the token npm start prints, as on the dashboard; it stays in
// this tab's sessionStorage and goes only to the same-origin /collector/ proxy.
import type { App } from './app.js';
import { collectorGet } from './config.js';
import { action, byId, h, show } from './dom.js';
import { timelineEntry, type ReleaseDecisionView } from './release-timeline.js';

const MODEL = 'digits';
const CHANNEL = 'stable';
const TOKEN_KEY = 'inferscope-admin-token';
const REFRESH_MS = 5000;

interface ReleaseView {
  configured: boolean;
  unstarted: { channel: string; candidate: string; percent: number; steps: number[] }[];
  releases: { channel: string; candidate: string; status: string; percent: number; current: boolean; steps?: number[] }[];
  decisions: ReleaseDecisionView[];
}

const percent = (d: ReleaseDecisionView) => (d.fromPercent === d.toPercent ? `${d.toPercent} %` : `${d.fromPercent} → ${d.toPercent} %`);

function timeline(decisions: ReleaseDecisionView[]): HTMLElement {
  if (!decisions.length) return h('p', { class: 'muted' }, 'no decisions yet');
  return h('table', { id: 'release-decisions' },
    h('thead', {}, h('tr', {}, ...['when', 'decision', 'percent', 'decided by', 'reason'].map((c) => h('th', {}, c)))),
    h('tbody', {}, ...decisions.map((d) => {
      const e = timelineEntry(d);
      const when = new Date(d.at).toLocaleTimeString() + (d.repeats > 1 ? ` (×${d.repeats} since ${new Date(d.firstAt).toLocaleTimeString()})` : '');
      return h('tr', { class: 'release-entry', 'data-kind': e.kind },
        h('td', {}, when), h('td', { class: e.kind === 'rollback' ? 'level-significant' : e.kind === 'advance' || e.kind === 'promote' ? 'level-stable' : '' }, e.kind),
        h('td', {}, percent(d)), h('td', { class: 'release-check' }, e.check), h('td', {}, d.reason));
    })));
}

export function initReleasePanel(app: App): void {
  const status = byId('release-status');
  const tokenInput = byId<HTMLInputElement>('release-token');
  const signin = byId('release-signin');
  const actions = byId('release-actions');
  const publish = byId<HTMLButtonElement>('release-publish');
  let token = sessionStorage.getItem(TOKEN_KEY) ?? '';
  let timer: ReturnType<typeof setInterval> | null = null;

  const signedIn = (yes: boolean) => {
    signin.hidden = yes;
    actions.hidden = !yes;
    if (!yes && timer) { clearInterval(timer); timer = null; }
    if (yes && !timer) timer = setInterval(() => { if (document.visibilityState === 'visible') void refresh().catch(() => {}); }, REFRESH_MS);
  };

  const render = (v: ReleaseView) => {
    const waiting = v.unstarted.find((u) => u.channel === CHANNEL);
    const current = v.releases.find((r) => r.channel === CHANNEL && r.current);
    publish.hidden = !waiting;
    if (!v.configured) show(byId('release-state'), 'releases are not configured in this collector (npm start configures them)');
    else if (waiting) {
      publish.textContent = `Publish ${waiting.candidate}`;
      show(byId('release-state'), `${MODEL} / ${CHANNEL}: candidate ${waiting.candidate} is not published (`, h('b', { id: 'release-percent' }, `${waiting.percent} %`), ` of installs); steps ${waiting.steps.join(' → ')} %`);
    } else if (current) {
      show(byId('release-state'), `${MODEL} / ${CHANNEL}: candidate ${current.candidate} ${current.status.replace('_', ' ')} at `, h('b', { id: 'release-percent' }, `${current.percent} %`),
        current.steps ? ` (steps ${current.steps.join(' → ')} %)` : '');
    } else show(byId('release-state'), `${MODEL} / ${CHANNEL} has no candidate in the manifest`);
    show(byId('release-timeline'), timeline(v.decisions.filter((d) => d.channel === CHANNEL)));
  };

  const refresh = async () => {
    try {
      render(await collectorGet<ReleaseView>(app.config, `/v1/releases/${MODEL}?limit=50`, { token }));
    } catch (err) {
      if ((err as { status?: number }).status === 401) {
        token = '';
        sessionStorage.removeItem(TOKEN_KEY);
        signedIn(false);
        throw new Error('that is not the admin token: copy it from what npm start printed (after #token=)');
      }
      throw err;
    }
  };

  if (!app.config.collectorUrl) { show(status, 'no collector: start the page with `npm start`'); signin.hidden = true; return; }
  action(byId<HTMLButtonElement>('release-signin-button'), status, async () => {
    token = tokenInput.value.trim();
    tokenInput.value = '';
    await refresh();
    sessionStorage.setItem(TOKEN_KEY, token);
    signedIn(true);
    show(status, 'signed in (this tab only)');
  });
  byId('release-signin').addEventListener('submit', (e) => e.preventDefault());
  action(publish, status, async () => {
    const r = await collectorGet<{ state: { percent: number; candidate: string } }>(app.config, `/v1/releases/${MODEL}/${CHANNEL}/start`, { method: 'POST', token });
    show(status, `published ${r.state.candidate}: ${r.state.percent} % of installs get it at their next manifest revalidation`);
    await refresh();
  });
  action(byId<HTMLButtonElement>('release-refresh'), status, refresh);
  byId('release-signout').addEventListener('click', () => { token = ''; sessionStorage.removeItem(TOKEN_KEY); signedIn(false); show(status, 'signed out'); });
  signedIn(false);
  if (token) void refresh().then(() => signedIn(true), (err: Error) => show(status, err.message));
}
