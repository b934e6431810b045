// Section 6: every batch the SDK sent, decoded, and a button that sends now (client.flush()).
import type { App } from './app.js';
import { action, byId, bytes, h, show, table } from './dom.js';
import type { SentBatch } from './telemetry-capture.js';

export function telemetryView(): { record(b: SentBatch): void; init(app: App): void } {
  const sent: SentBatch[] = [];
  let selected = -1;
  const render = () => {
    const predictions = (b: SentBatch) => ((b.json.models as { predictions: number }[] | undefined) ?? []).reduce((a, m) => a + m.predictions, 0);
    // A send that got no HTTP answer never reached the collector: its bytes are not "on the wire",
    // and its predictions are not counted here (the SDK keeps them and sends them again). One the
    // collector answered with an error did travel, but its predictions were not accepted: a
    // retried batch would count them twice.
    const arrived = sent.filter((b) => typeof b.status === 'number');
    const accepted = arrived.filter((b) => (b.status as number) < 300);
    const failed = sent.length - arrived.length;
    const refused = arrived.length - accepted.length;
    show(byId('telemetry-summary'), sent.length
      ? `${arrived.length} batch(es), ${bytes(arrived.reduce((a, b) => a + b.wireBytes, 0))} on the wire for ${accepted.reduce((a, b) => a + predictions(b), 0)} predictions`
        + (refused ? `; ${refused} refused by the collector (HTTP error: its predictions not counted)` : '')
        + (failed ? `; ${failed} send(s) failed before reaching the collector (not counted; the SDK retries them)` : '')
      : 'nothing sent yet (batches leave every 10 s, on Send now, and when the page is hidden)');
    show(byId('telemetry-list'), table(['sent', 'HTTP', 'on the wire', 'encoding', 'predictions', ''], sent.map((b, i) => [
      new Date(b.at).toLocaleTimeString(), b.status, typeof b.status === 'number' ? bytes(b.wireBytes) : `not sent (${bytes(b.wireBytes)})`,
      b.encoding ?? 'identity' + (b.keepalive ? ' (keepalive)' : ''), predictions(b),
      h('button', { onclick: () => { selected = i; render(); } }, i === selected ? 'shown' : 'show'),
    ])));
    show(byId('telemetry-json'), sent[selected] ? JSON.stringify(sent[selected]!.json, null, 2) : '');
  };
  return {
    record(b) { sent.push(b); selected = sent.length - 1; render(); },
    init(app) {
      render();
      action(byId<HTMLButtonElement>('telemetry-flush'), byId('telemetry-summary'), async () => {
        if (!app.config.collectorUrl) throw new Error('telemetry is off: no collector (start the page with `npm start`)');
        if (!app.client) throw new Error('load a model first');
        await app.client.flush();
      });
    },
  };
}
