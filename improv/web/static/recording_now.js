// "Recording now: C07 · Drums and voice · therapist T01, 0:35  [Go to the recording]": the
// Sessions page and the page of the client being recorded say that a recording runs (review
// rev-pulse, finding 9: both said "no sessions yet" while C07's first session was recording,
// and only the header's small badge showed it).  They learn it from the header badge's own
// look at /api/recording (app.js pollRecording, every few seconds), which hands each answer
// to publishRecording: no second poller.  Between two answers the time runs on by the clock.
import { fmtTime, h } from './api.js';

let latest = null;  // the last answer of /api/recording, and when it came (performance.now)
let latestAt = 0;
const listeners = new Set();

// app.js: each answer of /api/recording, for the lines on the pages
export function publishRecording(st) {
  latest = st;
  latestAt = performance.now();
  for (const f of [...listeners]) f(st, latestAt);
}

// whose recording it is, as the Record page names it: "C07 · Drums and voice · therapist T01"
function whose(st) {
  return [st.client, st.title, st.therapist ? `therapist ${st.therapist}` : ''].filter(Boolean).join(' · ');
}

const sameClient = (a, b) => (a || '').toLowerCase() === (b || '').toLowerCase();

/**
 * A line that says a recording is running, whose and for how long, with a link to the Record
 * page; hidden while none runs.  A recording that stops while the line is on the page leaves
 * "The recording of C07 has stopped and is saved: Open the session".
 *
 * `client`: only a recording of this client code (as the client page shows it; letters'
 * case aside, as the codes are compared); null: any recording.  `after`: a sentence after the
 * line (where the session will be).  `onChange(running)`: called when the line appears or
 * goes (running true or false), for a page that words its own text around it.
 */
export function recordingNowLine({ client = null, after = '', onChange = () => {} } = {}) {
  const clock = h('span', { class: 'recording-now-time', 'aria-live': 'off' });
  const text = h('p', {});
  const el = h('section', { class: 'panel recording-now', role: 'status', 'aria-label': 'Recording now', hidden: true }, text);
  let base = null;  // [elapsed_s, performance.now() of that answer]
  let running = false;
  let ticking = false;
  let placed = false;  // the line was on a page (once off it, it stops listening)
  const show = () => { if (base) clock.textContent = fmtTime(base[0] + (performance.now() - base[1]) / 1000, 0); };
  const tick = () => {
    if (!running || !el.isConnected) { ticking = false; return; }
    show();
    setTimeout(tick, 1000);
  };
  let who = '';
  const take = (st, at) => {
    if (el.isConnected) placed = true;
    else if (placed) { listeners.delete(take); return; }
    const mine = st && st.active && (client == null || sameClient(st.client, client));
    if (mine) {
      base = st.elapsed_s != null ? [st.elapsed_s, at] : null;
      show();
      if (!running) {
        who = whose(st);
        text.replaceChildren('Recording now: ', who ? `${who}, ` : '', clock, '. ', after ? `${after} ` : '',
          h('a', { href: '#/record', class: 'go-recording' }, 'Go to the recording'));
        el.hidden = false;
        running = true;
        onChange(true);
      }
      if (!ticking) { ticking = true; setTimeout(tick, 1000); }
    } else if (running) {
      running = false;
      const id = st && !st.active && st.result && st.result.id;
      const of = who ? `of ${who.split(' · ')[0]} ` : '';
      if (id) text.replaceChildren(`The recording ${of}has stopped and is saved: `, h('a', { href: `#/session/${encodeURIComponent(id)}` }, 'Open the session'));
      else if (st && !st.active) text.replaceChildren(`The recording ${of}has stopped. `, h('a', { href: '#/record' }, 'See the Record page'));
      else el.hidden = true;  // another client's recording took its place
      onChange(false);
    }
  };
  listeners.add(take);
  // the last answer, once the page has put the line in (its onChange may use what the page
  // makes after the line)
  if (latest) queueMicrotask(() => take(latest, latestAt));
  return el;
}
