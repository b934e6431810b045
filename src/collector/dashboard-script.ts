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
  function api(path) {
    return fetch(path, { headers: { authorization: 'Bearer ' + $('token').value } }).then(function (r) {
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
  function timeChart(id, series, t, cols) {
    var n = 0; cols.forEach(function (c) { c.forEach(function (v) { if (v !== null) n++; }); });
    var y = { range: function (u, lo, hi) { return [0, (hi || 1) * 1.1]; } }; // counts and latencies read best from zero
    // uPlot auto-ranges a single timestamp to years; pad short spans to +-5 minutes instead.
    var x = { time: true, range: function (u, lo, hi) { return hi - lo < 600 ? [lo - 300, hi + 300] : [lo, hi]; } };
    draw(id, { series: [{}].concat(series), axes: [{}, {}], scales: { x: x, y: y } }, [t.map(function (x) { return x / 1000; })].concat(cols), n);
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
    timeChart('c-latency', [{ label: 'p50', stroke: '#2f7ed8' }, { label: 'p90', stroke: '#f28f43' }, { label: 'p99', stroke: '#c42525' }], s.t, [s.p50, s.p90, s.p99]);
    timeChart('c-predictions', [{ label: 'predictions', stroke: '#1e7b34', fill: '#1e7b3422' }], s.t, [s.predictions]);
    timeChart('c-errors', [{ label: 'errors', stroke: '#c42525', fill: '#c4252522' }], s.t, [s.errors]);
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
  function load() {
    var m = $('model').value;
    if (!m) { status('no models have reported yet'); document.body.dataset.ready = '1'; return; }
    var to = Date.now(), from = to - Number($('range').value);
    status('loading ' + m + '…');
    api('/v1/models/' + encodeURIComponent(m) + '/report?from=' + from + '&to=' + to).then(function (r) {
      status(m + ': ' + new Date(from).toLocaleString() + ' – ' + new Date(to).toLocaleString()); render(r);
    }).catch(function (e) { status(String(e.message || e), true); document.body.dataset.ready = 'error'; });
  }
  function start() {
    sessionStorage.setItem('inferscope-token', $('token').value);
    api('/v1/models').then(function (j) {
      var names = Array.from(new Set(j.models.map(function (x) { return x.model; })));
      var cur = $('model').value || new URLSearchParams(location.search).get('model');
      $('model').innerHTML = names.map(function (n) { return '<option' + (n === cur ? ' selected' : '') + '>' + n.replace(/[<&"]/g, '') + '</option>'; }).join('');
      load();
    }).catch(function (e) { status(String(e.message || e), true); document.body.dataset.ready = 'error'; });
  }
  $('go').onclick = start; $('model').onchange = load; $('range').onchange = load;
  if ($('token').value) start(); else status('enter the admin token');
})();
`;
