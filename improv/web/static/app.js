// improv web app: router and the Sessions, Record and Client pages.
import { api, fmtDate, fmtTime, h, playerColor, say } from './api.js';
import { sessionPage } from './session.js';
import { recordPage } from './record.js';

const main = document.getElementById('main');

async function route() {
  const hash = location.hash || '#/sessions';
  const [path, query] = hash.slice(1).split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === parts[0]) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  say('');
  main.removeAttribute('data-page');
  try {
    if (parts[0] === 'session' && parts[1]) { main.dataset.page = 'session'; await sessionPage(main, parts[1], params); }
    else if (parts[0] === 'record') { main.dataset.page = 'record'; await recordPage(main); }
    else if (parts[0] === 'client' && parts[1]) { main.dataset.page = 'client'; await clientPage(parts[1]); }
    else { main.dataset.page = 'sessions'; await sessionsPage(params); }
  } catch (e) {
    main.replaceChildren(h('h1', {}, 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, e.message),
      h('p', {}, h('a', { href: '#/sessions' }, 'Back to the sessions')));
  }
}

window.addEventListener('hashchange', () => { route().then(() => main.focus({ preventScroll: true })); });
route();
pollRecording();

async function pollRecording() {
  try {
    const r = await api('/api/recording');
    document.getElementById('rec-indicator').hidden = !r.active;
  } catch (e) { /* ignore */ }
  setTimeout(pollRecording, 3000);
}

// -- sessions list -----------------------------------------------------------------------

async function sessionsPage(params) {
  document.title = 'Sessions · improv';
  const q = new URLSearchParams();
  for (const k of ['client', 'since', 'until', 'tag']) if (params.get(k)) q.set(k, params.get(k));
  const [data, info] = await Promise.all([api(`/api/sessions?${q}`), api('/api/info')]);
  const setFilter = (k, v) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v); else p.delete(k);
    location.hash = `#/sessions?${p}`;
  };
  const sel = (id, label, name, options) => [h('label', { for: id }, label),
    h('select', { id, onchange: (e) => setFilter(name, e.target.value) },
      h('option', { value: '' }, 'all'), options.map((o) => h('option', { value: o, selected: params.get(name) === o }, o)))];
  const date = (id, label, name) => [h('label', { for: id }, label),
    h('input', { id, type: 'date', value: params.get(name) || '', onchange: (e) => setFilter(name, e.target.value) })];
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter sessions', onsubmit: (e) => e.preventDefault() },
    sel('f-client', 'Client', 'client', data.clients), date('f-since', 'From', 'since'), date('f-until', 'To', 'until'),
    sel('f-tag', 'Tag', 'tag', data.tags));
  const demo = info.empty ? h('section', { class: 'panel demo-offer', 'aria-labelledby': 'demo-h' },
    h('h2', { id: 'demo-h' }, 'Your store is empty'),
    h('p', {}, 'Record a session, drop files below, or look around with a demo session: a synthetic duet that improv generates itself (clearly marked DEMO, client code DEMO).'),
    h('button', { type: 'button', class: 'primary', onclick: async (e) => {
      e.target.disabled = true; say('Generating the demo session…');
      const r = await api('/api/demo', { method: 'POST' });
      location.hash = `#/session/${r.id}`;
    } }, 'Create a demo session')) : '';
  const table = data.sessions.length ? h('table', { class: 'sessions' },
    h('caption', { class: 'sr-only' }, 'Sessions, newest first'),
    h('thead', {}, h('tr', {}, ['Date', 'Client', 'Session', 'Length', 'Players', 'Tags'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, data.sessions.map((s) => h('tr', {},
      h('td', {}, fmtDate(s.started_utc)),
      h('td', {}, s.client ? h('a', { href: `#/client/${encodeURIComponent(s.client)}` }, s.client) : '–'),
      h('td', {}, h('a', { href: `#/session/${s.id}` }, s.title || s.id), s.demo ? h('span', { class: 'badge demo' }, 'DEMO') : '',
        s.status !== 'complete' ? h('span', { class: 'badge' }, s.status) : ''),
      h('td', {}, fmtTime(s.duration_s, 0)),
      h('td', {}, s.players.map((p) => `${p.name} (${p.kinds.join('+') || '–'})`).join(', ')),
      h('td', {}, s.tags.join(', ')))))) : h('p', {}, 'No sessions match.');
  main.replaceChildren(h('h1', {}, 'Sessions'), demo, filters, table, importPanel());
}

function importPanel() {
  const uploads = [];
  const list = h('ul', { class: 'uploads', 'aria-live': 'polite' });
  const fileIn = h('input', { type: 'file', multiple: true, id: 'imp-files', accept: '.mid,.midi,.wav,.flac,.ogg,.mp3,.aif,.aiff', onchange: () => add(fileIn.files) });
  const zone = h('div', { class: 'dropzone', tabindex: '0', role: 'button', 'aria-describedby': 'imp-help',
    onclick: () => fileIn.click(), onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); fileIn.click(); } } },
    'Drop MIDI and audio files of one session here, or press to choose files');
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => { e.preventDefault(); zone.classList.remove('over'); add(e.dataTransfer.files); });
  const client = h('input', { id: 'imp-client', size: '8', placeholder: 'C07' });
  const players = h('textarea', { id: 'imp-players', rows: '2', placeholder: 'client=duet.mid:2\ntherapist=room.wav:2' });
  const offset = h('input', { id: 'imp-offset', size: '6', value: '0', inputmode: 'decimal' });
  const err = h('p', { class: 'error', role: 'alert' });
  async function add(files) {
    err.textContent = '';
    for (const f of files) {
      const li = h('li', {}, `${f.name}: uploading…`);
      list.append(li);
      try {
        const r = await api('/api/uploads', { method: 'POST', raw: f, headers: { 'X-Filename': encodeURIComponent(f.name), 'Content-Type': 'application/octet-stream' } });
        uploads.push(r.upload); li.textContent = `${f.name} (${(r.bytes / 1e6).toFixed(1)} MB) ready`;
      } catch (e) { li.textContent = `${f.name}: ${e.message}`; li.classList.add('error'); }
    }
  }
  const go = h('button', { type: 'submit', class: 'primary' }, 'Import as one session');
  const form = h('form', { class: 'import', onsubmit: async (e) => {
    e.preventDefault(); err.textContent = '';
    if (!uploads.length) { err.textContent = 'Drop or choose files first.'; return; }
    go.disabled = true;
    try {
      const r = await api('/api/import', { method: 'POST', body: { uploads: uploads.splice(0), client: client.value.trim() || null,
        players: players.value.split('\n').map((x) => x.trim()).filter(Boolean), offset: +offset.value || 0 } });
      location.hash = `#/session/${r.id}`;
    } catch (ex) { err.textContent = `${ex.message} (drop the files again to retry)`; list.replaceChildren(); }
    go.disabled = false;
  } },
  h('div', { class: 'grid' }, h('label', { for: 'imp-client' }, 'Client code'), client,
    h('label', { for: 'imp-players' }, 'Players (optional, NAME=FILE[:N] per line)'), players,
    h('label', { for: 'imp-offset' }, 'Offset [s]'), offset), err, go);
  return h('section', { class: 'panel', 'aria-labelledby': 'imp-h' }, h('h2', { id: 'imp-h' }, 'Import files'),
    h('p', { id: 'imp-help', class: 'muted' }, 'MIDI (type 0/1) and audio files recorded together become one session.'),
    zone, fileIn, list, form);
}

// -- client page ----------------------------------------------------------------------

const TREND_FEATURES = ['midi.tempo_bpm', 'midi.pulse_clarity', 'midi.velocity_mean', 'midi.notes_per_s', 'midi.silence_share',
  'audio.tempo_bpm', 'audio.level_dbfs_mean', 'audio.onsets_per_s', 'joint_share', 'floor_transfers_per_min'];

async function clientPage(code) {
  document.title = `Client ${code} · improv`;
  const d = await api(`/api/clients/${encodeURIComponent(code)}`);
  const order = [...d.sessions].reverse();
  const names = Object.keys(d.features);
  const chosen = TREND_FEATURES.filter((n) => names.includes(n));
  const charts = h('div', { class: 'trends' });
  const featSel = h('select', { id: 'trend-add', onchange: () => { if (featSel.value) charts.append(trendChart(featSel.value, d.features[featSel.value], order)); } },
    h('option', { value: '' }, 'add a measure…'), names.map((n) => h('option', { value: n }, n)));
  for (const n of chosen) charts.append(trendChart(n, d.features[n], order));
  main.replaceChildren(h('h1', {}, `Client ${d.client}`),
    h('table', { class: 'sessions' }, h('caption', {}, `${d.sessions.length} session(s)`),
      h('thead', {}, h('tr', {}, ['Date', 'Session', 'Length', 'Tags'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, d.sessions.map((s) => h('tr', {}, h('td', {}, fmtDate(s.started_utc)),
        h('td', {}, h('a', { href: `#/session/${s.id}` }, s.title || s.id), s.demo ? h('span', { class: 'badge demo' }, 'DEMO') : ''),
        h('td', {}, fmtTime(s.duration_s, 0)), h('td', {}, s.tags.join(', ')))))),
    h('section', { class: 'panel', 'aria-labelledby': 'tr-h' }, h('h2', { id: 'tr-h' }, 'Trends over sessions'),
      names.length ? [h('label', { for: 'trend-add' }, 'Measure '), featSel, charts]
        : h('p', {}, 'No session of this client is analysed yet: open a session and press "Analyse now".')));
}

function trendChart(name, byPlayer, sessions) {
  const W = 460, H = 140, P = 34;
  const idx = new Map(sessions.map((s, i) => [s.id, i]));
  const all = Object.values(byPlayer).flat().map((r) => r.value);
  let lo = Math.min(...all), hi = Math.max(...all);
  if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
  const x = (i) => P + (sessions.length > 1 ? (i / (sessions.length - 1)) * (W - P - 10) : (W - P) / 2);
  const y = (v) => H - 20 - ((v - lo) / (hi - lo)) * (H - 34);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`); svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${name} per session`);
  const el = (tag, attrs, text) => { const e = document.createElementNS(ns, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); if (text) e.textContent = text; svg.append(e); return e; };
  el('line', { x1: P, y1: H - 20, x2: W - 5, y2: H - 20, stroke: '#767676' });
  el('text', { x: 2, y: y(hi) + 4, 'font-size': 10, fill: '#333' }, fmtV(hi));
  el('text', { x: 2, y: y(lo) + 4, 'font-size': 10, fill: '#333' }, fmtV(lo));
  const players = Object.keys(byPlayer);
  const rows = [];
  players.forEach((p, k) => {
    const pts = byPlayer[p].filter((r) => idx.has(r.session_id)).map((r) => [idx.get(r.session_id), r.value]).sort((a, b) => a[0] - b[0]);
    const color = playerColor(players, p);
    if (pts.length > 1) el('polyline', { points: pts.map(([i, v]) => `${x(i)},${y(v)}`).join(' '), fill: 'none', stroke: color, 'stroke-width': 2 });
    for (const [i, v] of pts) { el('circle', { cx: x(i), cy: y(v), r: 3.5, fill: color }); rows.push(h('tr', {}, h('td', {}, p), h('td', {}, fmtDate(sessions[i].started_utc)), h('td', {}, fmtV(v)))); }
    el('text', { x: P + 4 + k * 110, y: H - 5, 'font-size': 11, fill: color }, p);
  });
  return h('figure', { class: 'trend' }, h('figcaption', {}, name), svg,
    h('details', {}, h('summary', {}, 'Values'), h('table', {}, h('tbody', {}, rows))));
}

function fmtV(v) { return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2); }
