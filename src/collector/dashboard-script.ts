// Browser code of the dashboard page (plain ES2019, no build step). Kept as a string so the
// collector ships as one Node program. Each chart records how many points it drew in
// data-points, which the Chromium test reads.
export const DASHBOARD_SCRIPT = String.raw`
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var charts = {};
  var fmt = function (v, d) { return v === null || v === undefined ? '–' : Number(v).toFixed(d === undefined ? 1 : d); };
  var pct = function (v) { return v === null || v === undefined ? '–' : (v * 100).toFixed(1) + '%'; };
  var hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('token')) { sessionStorage.setItem('inferscope-token', hash.get('token')); history.replaceState(null, '', location.pathname + location.search); }
  $('token').value = sessionStorage.getItem('inferscope-token') || '';
  function status(t, bad) { $('status').textContent = t; $('status').className = bad ? 'bad' : ''; }
  function api(path, method) {
    return fetch(path, { method: method || 'GET', headers: { authorization: 'Bearer ' + $('token').value } }).then(function (r) {
      return r.json().then(function (j) { if (!r.ok) throw new Error((j.error && j.error.message) || r.status); return j; });
    });
  }
  function width(el) { return Math.max(300, el.parentElement.clientWidth - 24); }
  function draw(id, opts, data, points) {
    var el = $(id);
    if (charts[id]) { charts[id].destroy(); delete charts[id]; }
    el.innerHTML = '';
    el.dataset.points = String(points);
    if (!points) { el.innerHTML = '<div class="empty">no data in this range</div>'; return; }
    opts.width = width(el); opts.height = 220;
    charts[id] = new uPlot(opts, data, el);
  }
  // Every time chart spans the chosen range [from, to], whatever the data: an empty stretch is
  // information. Buckets come back only where rows exist; they are laid on the full step grid
  // so counts read 0 and latency breaks (null) where nothing was reported.
  function grid(r) {
    var s = r.series, step = s.stepMs, t = [], at = {};
    s.t.forEach(function (x, i) { at[x] = i; });
    for (var x = r.from; x < r.to; x += step) t.push(x);
    return { step: step, t: t, pick: function (col, empty) { return t.map(function (x) { var i = at[x]; return i === undefined ? empty : col[i]; }); } };
  }
  function timeChart(id, r, series, cols, bars) {
    var n = 0; cols.forEach(function (c) { c.forEach(function (v) { if (v !== null && v !== 0) n++; }); });
    var g = grid(r), lo = r.from / 1000, hi = r.to / 1000;
    var y = { range: function (u, a, b) { return [0, (b || 1) * 1.1]; } }; // counts and latencies read best from zero
    var x = { time: true, range: function () { return [lo, hi]; } };
    var style = bars
      ? { paths: uPlot.paths.bars({ size: [0.9, Infinity], align: 1 }), points: { show: false } }
      : { points: { show: true, size: 5 }, spanGaps: false }; // a lone bucket is still a visible dot
    var el = $(id);
    el.dataset.stepMs = String(g.step); delete el.dataset.xMin; delete el.dataset.xMax;
    // The x scale as uPlot set it (read by the Chromium test).
    var scaled = function (u, key) { if (key === 'x') { el.dataset.xMin = String(u.scales.x.min * 1000); el.dataset.xMax = String(u.scales.x.max * 1000); } };
    draw(id, { series: [{}].concat(series.map(function (s) { return Object.assign({}, style, s); })), axes: [{}, {}], scales: { x: x, y: y }, hooks: { setScale: [scaled] } },
      [g.t.map(function (v) { return v / 1000; })].concat(cols.map(function (c) { return g.pick(c, bars ? 0 : null); })), n);
  }
  // Grouped bars: series j of label i sits at x = i * (S + 1) + j, so bars never overlap.
  function barChart(id, labels, series, cols) {
    var n = 0; cols.forEach(function (c) { c.forEach(function (v) { if (v !== null && v !== undefined) n++; }); });
    var S = series.length, x = [], data = series.map(function () { return []; });
    labels.forEach(function (_, i) { for (var j = 0; j < S; j++) { x.push(i * (S + 1) + j); data.forEach(function (d, k) { d.push(k === j ? cols[k][i] : null); }); } });
    var bars = uPlot.paths.bars({ size: [0.9, 80], align: 0 });
    draw(id, {
      scales: { x: { time: false, range: function () { return [-0.7, labels.length * (S + 1) - 1.3]; } }, y: { range: function (u, lo, hi) { return [0, (hi || 1) * 1.1]; } } },
      axes: [{ splits: function () { return labels.map(function (_, i) { return i * (S + 1) + (S - 1) / 2; }); }, values: function (u, ticks) { return ticks.map(function (t) { return labels[Math.round((t - (S - 1) / 2) / (S + 1))] || ''; }); } }, {}],
      series: [{}].concat(series.map(function (s) { return Object.assign({ paths: bars, points: { show: false }, width: 0, spanGaps: false }, s); })),
    }, [x].concat(data), n);
  }
  function kpis(r) {
    var acc = r.classification.accuracy;
    var items = [
      ['predictions', fmt(r.predictions, 0)], ['error rate', pct(r.errorRate)],
      ['latency p50 / p99 (ms)', fmt(r.latencyMs.p50) + ' / ' + fmt(r.latencyMs.p99)],
      ['accuracy (feedback ' + r.classification.n + ')', pct(acc)], ['macro F1', fmt(r.classification.macro.f1, 3)],
      ['load p50 (ms)', fmt(r.load.timeMs.p50, 0)], ['cache hit ratio', pct(r.load.cacheHitRatio)],
      ['sampled / counted', fmt(r.coverage.sampled, 0) + ' / ' + fmt(r.coverage.counted, 0)],
      ['dropped (queue+outbox)', fmt(r.coverage.dropped.queue + r.coverage.dropped.outbox, 0)],
    ];
    $('kpis').innerHTML = items.map(function (i) { return '<div class="kpi"><span>' + i[0] + '</span><b>' + i[1] + '</b></div>'; }).join('');
  }
  function render(r) {
    kpis(r);
    var s = r.series;
    timeChart('c-latency', r, [{ label: 'p50', stroke: '#2f7ed8' }, { label: 'p90', stroke: '#f28f43' }, { label: 'p99', stroke: '#c42525' }], [s.p50, s.p90, s.p99]);
    timeChart('c-predictions', r, [{ label: 'predictions', stroke: '#1e7b34', fill: '#1e7b34' }], [s.predictions], true);
    timeChart('c-errors', r, [{ label: 'errors', stroke: '#c42525', fill: '#c42525' }], [s.errors], true);
    var v = r.versions.filter(function (x) { return x.drift.baseline; })[0];
    var feats = v ? v.drift.features.slice() : [];
    if (v && v.drift.prediction) feats.push({ name: 'prediction', short: v.drift.prediction.short, long: v.drift.prediction.long });
    barChart('c-drift', feats.map(function (f) { return f.name; }),
      [{ label: 'short PSI', fill: '#f28f43', stroke: '#f28f43' }, { label: 'long PSI', fill: '#2f7ed8', stroke: '#2f7ed8' }],
      [feats.map(function (f) { return f.short.psi; }), feats.map(function (f) { return f.long.psi; })]);
    var pc = r.classification.perClass;
    barChart('c-accuracy', pc.map(function (c) { return c.label; }),
      [{ label: 'recall', fill: '#1e7b34', stroke: '#1e7b34' }, { label: 'F1', fill: '#8085e9', stroke: '#8085e9' }],
      [pc.map(function (c) { return c.recall; }), pc.map(function (c) { return c.f1; })]);
    var b = Object.keys(r.backends);
    barChart('c-backends', b, [{ label: 'predictions', fill: '#2f7ed8', stroke: '#2f7ed8' }], [b.map(function (k) { return r.backends[k]; })]);
    // Live global importance (explained predictions), one series per version, so a candidate
    // sits beside stable; a feature whose share moves is attribution drift.
    var iv = r.versions.filter(function (x) { return x.importance && x.importance.features.length; });
    var names = [];
    iv.forEach(function (x) { x.importance.features.forEach(function (f) { if (names.indexOf(f.name) < 0) names.push(f.name); }); });
    var palette = ['#8085e9', '#f28f43', '#1e7b34', '#c42525'];
    barChart('c-importance', names,
      iv.map(function (x, i) { var c = palette[i % palette.length]; return { label: x.version + ' (' + x.variants.join('/') + ')', fill: c, stroke: c }; }),
      iv.map(function (x) { return names.map(function (n) { var f = x.importance.features.filter(function (g) { return g.name === n; })[0]; return f ? f.importance : null; }); }));
    document.body.dataset.ready = '1';
  }
  // Release timeline: each release's state, then its decisions newest first, with runs of
  // "hold" folded into one line (the latest reason says what the release waits for).
  function cell(tr, text, cls) { var td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); }
  // Admin controls: a button only where the collector accepts the action in that state
  // (controller.ts ALLOWED), so a person is never offered a certain 409.
  var ACTIONS = { running: ['pause', 'promote', 'rollback'], paused: ['resume', 'promote', 'rollback'], rolled_back: ['resume'], promoted: ['rollback'] };
  var LABELS = { start: 'Start', pause: 'Pause', resume: 'Resume', promote: 'Promote', rollback: 'Roll back' };
  function controls(tr, m, channel, candidate, actions) {
    var td = document.createElement('td');
    actions.forEach(function (a) {
      var b = document.createElement('button'); b.type = 'button'; b.className = 'release-action'; b.dataset.action = a; b.textContent = LABELS[a];
      b.onclick = function () { act(m, channel, candidate, a); };
      td.appendChild(b);
    });
    tr.appendChild(td);
  }
  // Promote and rollback change what every device runs: they ask first. The result (or the
  // API's refusal) stays above the timeline, which is reloaded to show the admin's own entry.
  function act(m, channel, candidate, a) {
    var what = m + '/' + channel + ' ' + candidate, out = $('release-result');
    if (a === 'promote' && !confirm('Promote ' + what + '? Every device gets it as the stable version.')) return;
    if (a === 'rollback' && !confirm('Roll back ' + what + '? The kill switch sends every device back to stable.')) return;
    Array.prototype.forEach.call(document.querySelectorAll('.release-action'), function (b) { b.disabled = true; });
    out.className = ''; out.textContent = a + ' ' + what + '…';
    api('/v1/releases/' + encodeURIComponent(m) + '/' + encodeURIComponent(channel) + '/' + a, 'POST').then(function (j) {
      out.className = 'ok'; out.textContent = a + ' ' + what + ': the release is ' + j.state.status + ' at ' + j.state.percent + ' %';
    }, function (e) {
      out.className = 'bad'; out.textContent = a + ' ' + what + ' refused: ' + (e.message || e);
      if (/admin token/.test(String(e.message))) throw e; // signs out, the message shown at sign-in
    }).then(function () { return releases(m); }).catch(failed);
  }
  function releases(m) {
    var el = $('releases');
    return api('/v1/releases/' + encodeURIComponent(m) + '?limit=1000').then(function (j) {
      el.innerHTML = '';
      el.dataset.rows = '0';
      var unstarted = j.unstarted || [];
      if (!j.releases.length && !unstarted.length) { el.innerHTML = '<div class="empty">' + (j.configured ? 'no release of this model yet' : 'releases are not configured (see README: Release a model)') + '</div>'; return; }
      var t = document.createElement('table');
      var head = document.createElement('tr');
      ['when', 'channel / candidate', 'decision', 'percent', 'reason', 'admin'].forEach(function (h) { var th = document.createElement('th'); th.textContent = h; head.appendChild(th); });
      t.appendChild(head);
      // A candidate whose policy waits for an admin start ("start": "admin") has no state row yet.
      unstarted.forEach(function (u) {
        var tr = document.createElement('tr'); tr.className = 'release-state release-unstarted';
        cell(tr, 'now'); cell(tr, u.channel + ' / ' + u.candidate); cell(tr, u.start === 'admin' ? 'waits for an admin start' : 'starting'); cell(tr, u.percent + ' %'); cell(tr, 'steps ' + u.steps.join(', ') + ' % (POST /v1/releases/' + m + '/' + u.channel + '/start)');
        controls(tr, m, u.channel, u.candidate, u.start === 'admin' ? ['start'] : []);
        t.appendChild(tr);
      });
      j.releases.forEach(function (s) {
        var tr = document.createElement('tr'); tr.className = 'release-state'; tr.dataset.status = s.status;
        cell(tr, 'now'); cell(tr, s.channel + ' / ' + s.candidate); cell(tr, s.status, s.status === 'rolled_back' ? 'bad' : s.status === 'promoted' ? 'ok' : ''); cell(tr, s.percent + ' %'); cell(tr, (s.steps ? 'steps ' + s.steps.join(', ') + ' %' : ''));
        controls(tr, m, s.channel, s.candidate, s.current ? ACTIONS[s.status] || [] : []); // actions apply to the current candidate only
        t.appendChild(tr);
      });
      var rows = 0, held = null;
      j.decisions.forEach(function (d) {
        // A stored hold already stands for d.repeats evaluations (identical holds fold in the store).
        if (d.decision === 'hold') { if (held) { held.n += d.repeats || 1; held.td.textContent = 'hold ×' + held.n; return; } held = { n: d.repeats || 1 }; } else held = null;
        var tr = document.createElement('tr'); tr.className = 'release-decision'; tr.dataset.decision = d.decision;
        cell(tr, new Date(d.at).toLocaleString()); cell(tr, d.channel + ' / ' + d.candidate);
        cell(tr, d.decision + (d.actor === 'admin' ? ' (admin)' : ''), d.decision === 'rollback' ? 'bad' : d.decision === 'promote' || d.decision === 'advance' ? 'ok' : '');
        cell(tr, d.fromPercent === d.toPercent ? d.toPercent + ' %' : d.fromPercent + ' → ' + d.toPercent + ' %'); cell(tr, d.reason);
        if (held) { held.td = tr.children[2]; if (held.n > 1) held.td.textContent = 'hold ×' + held.n; }
        t.appendChild(tr); rows++;
      });
      el.appendChild(t);
      el.dataset.rows = String(rows);
    });
  }
  function signedIn(yes, why) {
    $('signin').hidden = yes; $('board').hidden = !yes; $('controls').hidden = !yes;
    $('signin-error').textContent = why || '';
    if (!yes) { $('token').focus(); }
  }
  function failed(e) {
    var msg = String(e.message || e);
    if (/admin token/.test(msg)) { sessionStorage.removeItem('inferscope-token'); signedIn(false, msg); }
    status(msg, true); document.body.dataset.ready = 'error';
  }
  function load() {
    var m = $('model').value;
    if (!m) { status('signed in; no models have reported yet'); document.body.dataset.ready = '1'; return; }
    var to = Date.now(), from = to - Number($('range').value);
    status('loading ' + m + '…'); $('release-result').textContent = '';
    delete document.body.dataset.ready;
    api('/v1/models/' + encodeURIComponent(m) + '/report?from=' + from + '&to=' + to).then(function (r) {
      status(m + ': ' + new Date(from).toLocaleString() + ' – ' + new Date(to).toLocaleString());
      return releases(m).then(function () { render(r); });
    }).catch(failed);
  }
  function start() {
    status('signing in…');
    api('/v1/models').then(function (j) {
      sessionStorage.setItem('inferscope-token', $('token').value);
      signedIn(true);
      var names = Array.from(new Set(j.models.map(function (x) { return x.model; })));
      var cur = $('model').value || new URLSearchParams(location.search).get('model');
      $('model').innerHTML = names.map(function (n) { return '<option' + (n === cur ? ' selected' : '') + '>' + n.replace(/[<&"]/g, '') + '</option>'; }).join('');
      load();
    }).catch(failed);
  }
  $('signin-form').onsubmit = function (e) { e.preventDefault(); start(); };
  $('signout').onclick = function () { sessionStorage.removeItem('inferscope-token'); $('token').value = ''; signedIn(false); status(''); document.body.dataset.ready = 'signin'; };
  $('model').onchange = load; $('range').onchange = load;
  if ($('token').value) start(); else { signedIn(false); status(''); document.body.dataset.ready = 'signin'; }
})();
`;
