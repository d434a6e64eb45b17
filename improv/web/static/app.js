// improv web app: router and the Sessions page (the others have modules of their own).
import { api, fmtDate, fmtTime, h, say, sourceName, takeNextMessage } from './api.js';
import { sessionPage } from './session.js';
import { sessionName } from './correct.js';
import { recordPage } from './record.js';
import { clientPage } from './client.js';
import { clientsPage } from './clients.js';
import { demoListNote } from './demo.js';

const main = document.getElementById('main');

async function route() {
  const hash = location.hash || '#/sessions';
  const [path, query] = hash.slice(1).split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  for (const a of document.querySelectorAll('[data-nav]')) {
    // a client's own page belongs under Clients
    const here = a.dataset.nav === parts[0] || (a.dataset.nav === 'clients' && parts[0] === 'client');
    if (here) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  say(takeNextMessage());
  // Every navigation renders into its own element.  A page still loading when the user (or a
  // hash change right after the first load) moves on keeps writing into its own, detached
  // element and stops there (pages check document.body.contains): it can never paint over the
  // newer page, which it did before (the client page then saw its part detached and stopped
  // polling, so the comparison never showed).
  const view = h('div', { class: 'view' }, h('p', { class: 'muted', role: 'status' }, 'Loading…'));
  main.replaceChildren(view);
  main.removeAttribute('data-page');
  try {
    if (parts[0] === 'session' && parts[1]) { main.dataset.page = 'session'; await sessionPage(view, parts[1], params); }
    else if (parts[0] === 'record') { main.dataset.page = 'record'; await recordPage(view); }
    else if (parts[0] === 'clients') { main.dataset.page = 'clients'; await clientsPage(view); }
    else if (parts[0] === 'client' && parts[1]) { main.dataset.page = 'client'; await clientPage(view, parts[1], params); }
    else { main.dataset.page = 'sessions'; await sessionsPage(view, params); }
  } catch (e) {
    if (e.signedOut) view.replaceChildren(...signedOutView(e));
    else view.replaceChildren(h('h1', {}, 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, e.message),
      h('p', {}, h('a', { href: '#/sessions' }, 'Back to the sessions')));
  }
}

// a lost sign-in (the browser was closed, or improv started again): how to sign in again, not
// an error with a link that fails the same way
function signedOutView(e) {
  document.title = 'Not signed in · improv';
  return [h('h1', {}, 'improv is running, but this browser window is not signed in'),
    h('p', { role: 'alert' }, 'In the improv window (the terminal where improv was started) click the address shown there, or run ',
      h('code', {}, 'improv open'), ' in a terminal. Then this page works again (reload it).'),
    h('p', { class: 'muted' }, e.status === 403 ? 'This window was signed in to an earlier start of improv.'
      : 'improv lets in only the browser it opened itself, with a secret that is new at every start. A recording that is running goes on.')];
}

let navigation = 0;
let refocus = null;  // id of the filter control to give the focus back to after a redraw
window.addEventListener('hashchange', () => {
  const n = ++navigation;
  // a new page takes the focus to its start, unless the page gave it back to a control
  // (a filter that redrew the list)
  route().then(() => {
    if (n === navigation && !main.contains(document.activeElement)) main.focus({ preventScroll: true });
  });
});
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

async function sessionsPage(main, params) {
  document.title = 'Sessions · improv';
  const q = new URLSearchParams();
  for (const k of ['client', 'since', 'until', 'tag']) if (params.get(k)) q.set(k, params.get(k));
  const [data, info] = await Promise.all([api(`/api/sessions?${q}`), api('/api/info')]);
  const setFilter = (k, v, fromId) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v); else p.delete(k);
    if (p.get('since') && p.get('until') && p.get('since') > p.get('until')) {
      say('"From" must not be after "To"', { error: true });
      // the refused date goes back to the one the list is filtered by (it stayed shown)
      const field = fromId && document.getElementById(fromId);
      if (field) { field.value = params.get(k) || ''; field.focus(); }
      return;
    }
    refocus = fromId;  // the list is drawn anew: keep the keyboard where it was
    location.hash = `#/sessions?${p}`;
  };
  const sel = (id, label, name, options) => [h('label', { for: id }, label),
    h('select', { id, onchange: (e) => setFilter(name, e.target.value, id) },
      h('option', { value: '' }, 'all'), options.map((o) => h('option', { value: o, selected: params.get(name) === o }, o)))];
  // a date input reports each typed digit of the year as a date (year 0002, 0020, ...): only a
  // whole date (or clearing it) is applied
  const date = (id, label, name) => [h('label', { for: id }, label),
    h('input', { id, type: 'date', value: params.get(name) || '', onchange: (e) => {
      const v = e.target.value;
      if (!v || +v.slice(0, 4) >= 1900) setFilter(name, v, id);
    } })];
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter sessions', onsubmit: (e) => e.preventDefault() },
    sel('f-client', 'Client', 'client', data.clients), date('f-since', 'From', 'since'), date('f-until', 'To', 'until'),
    sel('f-tag', 'Tag', 'tag', data.tags));
  const demo = info.empty ? h('section', { class: 'panel demo-offer', 'aria-labelledby': 'demo-h' },
    h('h2', { id: 'demo-h' }, 'No sessions yet'),
    h('p', {}, h('a', { href: '#/record' }, 'Record a session'), ', drop files below, or look around with a demo session: a synthetic duet that improv generates itself (clearly marked DEMO, client code DEMO).'),
    h('button', { type: 'button', class: 'primary', onclick: async (e) => {
      e.target.disabled = true; say('Generating the demo session…');
      try {
        const r = await api('/api/demo', { method: 'POST' });
        location.hash = `#/session/${r.id}`;
      } catch (ex) { say(ex.message, { error: true }); e.target.disabled = false; }
    } }, 'Create a demo session')) : '';
  const table = data.sessions.length ? h('table', { class: 'sessions' },
    h('caption', { class: 'sr-only' }, 'Sessions, newest first'),
    h('thead', {}, h('tr', {}, ['Date', 'Client', 'Session', 'Length', 'Players', 'Tags'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, data.sessions.map((s) => h('tr', {},
      h('td', {}, fmtDate(s.started_utc)),
      h('td', {}, s.client ? h('a', { href: `#/client/${encodeURIComponent(s.client)}` }, s.client) : '–'),
      h('td', {}, h('a', { href: `#/session/${s.id}` }, sessionName(s)), h('span', { class: 'muted' }, ` ${s.id}`), s.demo ? h('span', { class: 'badge demo' }, 'DEMO') : '',
        s.status !== 'complete' ? h('span', { class: 'badge' }, s.status) : ''),
      h('td', {}, fmtTime(s.duration_s, 0)),
      h('td', {}, s.players.map((p) => `${p.name} (${p.kinds.map(sourceName).join(' + ') || '–'})`).join(', ')),
      h('td', {}, s.tags.join(', ')))))) : h('p', {}, 'No sessions match.');
  main.replaceChildren(h('h1', {}, 'Sessions'), demo, info.empty ? '' : filters, info.empty ? '' : table,
    info.empty ? '' : demoListNote(data.sessions), importPanel());
  if (refocus) { const el = document.getElementById(refocus); refocus = null; if (el) el.focus(); }
}

function importPanel() {
  const uploads = [];
  const list = h('ul', { class: 'uploads', 'aria-live': 'polite' });
  // the drop zone is the one control (a button that opens the file dialog); the file input
  // itself is out of the Tab order, with a name for screen readers all the same
  const fileIn = h('input', { type: 'file', multiple: true, id: 'imp-files', class: 'sr-only', tabindex: '-1', 'aria-label': 'Files to import', accept: '.mid,.midi,.wav,.flac,.ogg,.mp3,.aif,.aiff', onchange: () => add(fileIn.files) });
  const zone = h('div', { class: 'dropzone', tabindex: '0', role: 'button', 'aria-describedby': 'imp-help',
    onclick: () => fileIn.click(), onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); fileIn.click(); } } },
    'Drop MIDI and audio files of one session here, or click here to choose them');
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => { e.preventDefault(); zone.classList.remove('over'); add(e.dataTransfer.files); });
  const client = h('input', { id: 'imp-client', size: '8', placeholder: 'e.g. K12', autocomplete: 'off' });
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
      const r = await api('/api/import', { method: 'POST', body: { uploads: [...uploads], client: client.value.trim() || null,
        // the text as typed (12.5 or 1:30): the server parses it like every time field and
        // says what is wrong ("abc" became 0 s here before)
        players: players.value.split('\n').map((x) => x.trim()).filter(Boolean), offset: offset.value.trim() || 0 } });
      uploads.splice(0);
      location.hash = `#/session/${r.id}`;
    } catch (ex) { err.textContent = `${ex.message} (the files stay uploaded: correct the fields and import again)`; }
    go.disabled = false;
  } },
  h('div', { class: 'grid' }, h('label', { for: 'imp-client' }, 'Client code'), client,
    h('label', { for: 'imp-players' }, 'Players (optional; one per line, e.g. client=take1.wav, or client=duet.mid:2 for track 2)'), players,
    h('label', { for: 'imp-offset' }, 'Start of the files in the session (m:ss or seconds; usually 0)'), offset), err, go);
  return h('section', { class: 'panel', 'aria-labelledby': 'imp-h' }, h('h2', { id: 'imp-h' }, 'Import files'),
    h('p', { id: 'imp-help', class: 'muted' }, 'MIDI and audio files recorded together become one session. Players are named after the files (and their tracks) unless you name them below: files named after people put those names into the session, so rename them or name the players (client=take1.wav).'),
    zone, fileIn, list, form);
}
