// improv web app: router and the Sessions page (the others have modules of their own).
import { api, fmtDate, fmtDay, fmtTime, h, say, sourceName, takeNextMessage } from './api.js';
import { sessionPage } from './session.js';
import { sessionName } from './correct.js';
import { recordPage } from './record.js';
import { clientPage } from './client.js';
import { clientsPage } from './clients.js';
import { importPanel } from './import.js';
import { demoListNote } from './demo.js';
import { backupPage } from './backup.js';
import { tagOptions, tagsInWords } from './tagchips.js';
import { publishRecording, recordingNowLine } from './recording_now.js';

const main = document.getElementById('main');
// the Sessions page shows the list in pages of this many (declared before route() first runs)
const PAGE = 50;  // sessions per page of the list
const grouped = (n) => n.toLocaleString('en-US');  // 2,445: the page's words are English
const countWords = (shown, total) => (shown >= total ? `${grouped(total)} ${total === 1 ? 'session' : 'sessions'}`
  : `Showing ${grouped(shown)} of ${grouped(total)} sessions`);
const moreWords = (left) => `Show ${grouped(Math.min(PAGE, left))} more`;


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
    else if (parts[0] === 'backups') { main.dataset.page = 'backups'; await backupPage(view); }
    else if (parts[0] === 'clients') { main.dataset.page = 'clients'; await clientsPage(view); }
    else if (parts[0] === 'client' && parts[1]) { main.dataset.page = 'client'; await clientPage(view, parts[1], params); }
    else { main.dataset.page = 'sessions'; await sessionsPage(view, params); }
  } catch (e) {
    if (e.signedOut) view.replaceChildren(...signedOutView(e));
    else if (e.unreadable) view.replaceChildren(...unreadableView(e));
    else view.replaceChildren(h('h1', {}, 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, e.message),
      h('p', {}, h('a', { href: '#/sessions' }, 'Back to the sessions')));
  }
}

// when a session folder's recording started, read from its ID (20261207-164928-3fa2: UTC)
function startedOf(id) {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-/.exec(id);
  return m ? fmtDate(new Date(Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +m[6])).toISOString()) : '';
}

// one folder the list cannot show: which session it is (its start and client where known),
// what that means in words, and the technical reason for whoever looks after the computer
const UNLISTED_WORDS = {
  unreadable: 'Its files cannot be read: they may be damaged, changed outside improv, or written by a newer version of improv. A backup of the store made before this happened holds it as it was.',
  interrupted: 'Its recording was interrupted, and improv cannot complete it on this disk (it cannot be written).',
  'not catalogued': 'It was put into the store folder outside improv and is not in the list yet. Whoever looks after this computer can add it (improv sessions reindex).',
};
function unlistedItem(u) {
  const started = startedOf(u.id);
  const who = [started ? `Recording started ${started}` : `Folder ${u.id}`, u.client ? `client ${u.client}` : ''].filter(Boolean).join(', ');
  const words = UNLISTED_WORDS[u.status];
  return h('li', {}, h('strong', {}, who), words ? `. ${words}` : '',
    h('div', { class: 'muted' }, `${u.id}: ${u.problem}`));
}

// a session whose files cannot be read: what it means and what can be done, in words, then the
// technical reason for whoever looks after the computer
function unreadableView(e) {
  document.title = 'Session cannot be opened · improv';
  return [h('h1', {}, 'This session cannot be opened'),
    h('p', { role: 'alert' }, 'improv cannot read its files: they may be damaged, changed outside improv, or written by a newer version of improv. improv has changed nothing in them, and the other sessions are not affected.'),
    h('p', {}, 'A backup of the store made before this happened (see ', h('a', { href: '#/backups' }, 'Backups'), ') holds the session as it was. What is wrong, for whoever looks after this computer:'),
    h('p', { class: 'error' }, e.message),
    h('p', {}, h('a', { href: '#/sessions' }, 'Back to the sessions'))];
}

// a lost sign-in (the browser was closed, or improv started again): how to sign in again, not
// an error with a link that fails the same way
function signedOutView(e) {
  document.title = 'Not signed in · improv';
  return [h('h1', { class: 'signed-out' }, 'improv is running, but this browser window is not signed in'),
    h('p', { role: 'alert', class: 'signed-out' }, 'In the improv window (the terminal where improv was started) click the address shown there, or run ',
      h('code', {}, 'improv open'), ' in a terminal. Then this page works again (reload it).'),
    h('p', { class: 'muted signed-out' }, e.status === 403 ? 'This window was signed in to an earlier start of improv.'
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
    publishRecording(r);  // the pages' "Recording now" lines (recording_now.js)
  } catch (e) { /* ignore */ }
  setTimeout(pollRecording, 3000);
}

// -- sessions list -----------------------------------------------------------------------

// `iap`: the dimensions that are Bruscia's profiles, for the tags in the picker's words
function sessionRow(s, iap) {
  return h('tr', {},
    h('td', {}, fmtDate(s.started_utc)),
    h('td', {}, s.client ? h('a', { href: `#/client/${encodeURIComponent(s.client)}` }, s.client) : '–'),
    h('td', {}, h('a', { href: `#/session/${s.id}` }, sessionName(s)), h('span', { class: 'muted' }, ` ${s.id}`), s.demo ? h('span', { class: 'badge demo' }, 'DEMO') : '',
      s.status !== 'complete' ? h('span', { class: 'badge', title: s.status === 'unreadable' ? 'its files cannot be read: open it to see why' : null }, s.status === 'unreadable' ? 'cannot be opened' : s.status) : ''),
    h('td', {}, fmtTime(s.duration_s, 0)),
    h('td', {}, s.players.map((p) => `${p.name} (${p.kinds.map(sourceName).join(' + ') || '–'})`).join(', ')),
    h('td', {}, tagsInWords(s.tags, iap)));
}

async function sessionsPage(main, params) {
  document.title = 'Sessions · improv';
  const q = new URLSearchParams();
  for (const k of ['client', 'since', 'until', 'tag']) if (params.get(k)) q.set(k, params.get(k));
  const words = (params.get('words') || '').trim();
  const wq = new URLSearchParams(q);
  wq.set('words', words);
  const [data, info, search] = await Promise.all([api(`/api/sessions?${q}&limit=${PAGE}&offset=0`), api('/api/info'),
    words ? api(`/api/search?${wq}`) : null]);
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
  // `options`: the choices, or the option elements (the tags, grouped as the tag picker is)
  const sel = (id, label, name, options) => [h('label', { for: id }, label),
    h('select', { id, onchange: (e) => setFilter(name, e.target.value, id) },
      h('option', { value: '' }, 'all'), options.map((o) => (o instanceof Node || !o ? o : h('option', { value: o, selected: params.get(name) === o }, o))))];
  // a date input reports each typed digit of the year as a date (year 0002, 0020, ...): only a
  // whole date (or clearing it) is applied
  const date = (id, label, name) => [h('label', { for: id }, label),
    h('input', { id, type: 'date', value: params.get(name) || '', onchange: (e) => {
      const v = e.target.value;
      if (!v || +v.slice(0, 4) >= 1900) setFilter(name, v, id);
    } })];
  // a word search in the notes and annotations: applied on Enter or "Find", not at each key
  const wordsField = h('input', { id: 'f-words', type: 'search', value: words, maxlength: '200', size: '18' });
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter sessions', onsubmit: (e) => {
    e.preventDefault();
    setFilter('words', wordsField.value.trim(), 'f-words');
  } },
    sel('f-client', 'Client', 'client', data.clients), date('f-since', 'From', 'since'), date('f-until', 'To', 'until'),
    sel('f-tag', 'Tag', 'tag', tagOptions(data.tags, data.iap, params.get('tag'))),
    h('span', { class: 'word-search' }, h('label', { for: 'f-words' }, 'Words in notes and annotations'), wordsField,
      h('button', { type: 'submit' }, 'Find')));
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
  // a recording that runs is said at the top, with the way to it; the first one of an empty
  // store does not read "No sessions yet" with an offer to record (review rev-pulse, F9)
  const now = recordingNowLine({ after: 'Its session joins the list when the recording is stopped.',
    onChange: (running) => { if (running && demo) demo.hidden = true; } });
  // the newest 50 sessions, and 50 more at each "Show more": a store of some thousand
  // sessions drew every row (2,445 rows, 4 s; review 33, F3). The filters above apply to the
  // whole store (the server filters), not to the rows shown.
  let total = data.total;
  let asked = data.sessions.length;  // the offset of the next page
  const shownIds = new Set(data.sessions.map((s) => s.id));
  const tbody = h('tbody', {}, data.sessions.map((s) => sessionRow(s, data.iap)));
  const count = h('p', { class: 'list-count', role: 'status' }, countWords(shownIds.size, total));
  const more = h('button', { type: 'button', class: 'show-more', onclick: async () => {
    more.disabled = true;
    try {
      const next = await api(`/api/sessions?${q}&limit=${PAGE}&offset=${asked}`);
      if (!document.body.contains(more)) return;  // the page was left meanwhile
      asked += next.sessions.length;
      total = next.total;
      // a session recorded meanwhile moves the list on by one: a row is not shown twice
      const fresh = next.sessions.filter((s) => !shownIds.has(s.id));
      for (const s of fresh) shownIds.add(s.id);
      const rows = fresh.map((s) => sessionRow(s, data.iap));
      tbody.append(...rows);
      count.textContent = countWords(shownIds.size, total);  // said by screen readers (polite)
      const done = !next.sessions.length || asked >= total;
      if (done) more.remove(); else { more.textContent = moreWords(total - asked); more.disabled = false; }
      // the keyboard goes on where the new sessions start; with none, it stays on the button
      const link = rows.length && rows[0].querySelector('td:nth-child(3) a');
      if (link) link.focus(); else if (!done) more.focus();
    } catch (ex) { more.disabled = false; say(ex.message, { error: true }); }
  } }, moreWords(total - asked));
  const table = data.sessions.length ? h('table', { class: 'sessions' },
    h('caption', { class: 'sr-only' }, 'Sessions, newest first'),
    h('thead', {}, h('tr', {}, ['Date', 'Client', 'Session', 'Length', 'Players', 'Tags'].map((c) => h('th', { scope: 'col' }, c)))),
    tbody) : h('p', {}, 'No sessions match.');
  // a narrow window (a zoom of 400 %) scrolls the table in its own box, not the page
  const box = data.sessions.length ? h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Sessions, newest first' }, table) : table;
  const list = info.empty ? [] : search ? [filters, foundView(search, words, data.iap, params)]
    : [filters, data.sessions.length ? count : '', box, asked < total ? more : ''];
  // folders the catalog does not list (one that cannot be read, one copied in) are named with
  // why, as 'improv sessions list' does, instead of missing from the list without a word
  const unlisted = data.unlisted.length ? h('section', { class: 'panel unlisted', 'aria-labelledby': 'unlisted-h' },
    h('h2', { id: 'unlisted-h' }, data.unlisted.length === 1 ? 'One session folder is not in the list'
      : `${data.unlisted.length} session folders are not in the list`),
    h('p', {}, data.unlisted.length === 1 ? 'improv cannot show it here. Nothing in it has been changed; what is wrong is said below.'
      : 'improv cannot show them here. Nothing in them has been changed; what is wrong is said for each.'),
    h('ul', {}, data.unlisted.map(unlistedItem))) : '';
  main.replaceChildren(h('h1', {}, 'Sessions'), now, demo, ...list, unlisted,
    info.empty ? '' : demoListNote(data.sessions), importPanel());
  if (refocus) { const el = document.getElementById(refocus); refocus = null; if (el) el.focus(); }
}

// -- word search -------------------------------------------------------------------------

// a found text: the part shown, the words marked, "…" where it is cut (the server cuts a long
// one around the words; nothing is cut without saying so)
function foundText(cut) {
  return h('span', { class: 'found-text' }, cut.cut_before ? '…' : '',
    cut.pieces.map(([text, match]) => (match ? h('mark', {}, text) : text)), cut.cut_after ? '…' : '');
}

// one place found: an annotation (its time, linked to that moment of the session) or notes
function foundItem(f, iap) {
  if (f.found_in === 'notes') return h('li', {}, h('strong', {}, 'Notes: '), foundText(f.snippet));
  const at = `${fmtTime(f.t)}${f.end == null ? '' : `–${fmtTime(f.end)}`}`;
  const who = [f.player || 'the whole group', f.tags.length ? tagsInWords(f.tags, iap) : ''].filter(Boolean).join(' · ');
  return h('li', {}, h('strong', {}, 'Annotation at ', h('a', { href: `#/session/${f.session_id}?t=${f.t}` }, at)),
    h('span', { class: 'muted' }, ` (${who}): `), foundText(f.snippet));
}

const plural = (n, one, many) => `${grouped(n)} ${n === 1 ? one : many}`;

// the sessions where the words are, oldest first, each with the lines found in it
function foundView(r, words, iap, params) {
  const bySession = new Map();
  for (const f of r.found) {
    if (!bySession.has(f.session_id)) bySession.set(f.session_id, []);
    bySession.get(f.session_id).push(f);
  }
  const notes = r.found.filter((f) => f.found_in === 'notes').length;
  const what = [r.found.length > notes ? plural(r.found.length - notes, 'annotation', 'annotations') : '',
    notes ? plural(notes, 'line of notes', 'lines of notes') : ''].filter(Boolean).join(' and ');
  const searched = `the ${plural(r.sessions, 'session', 'sessions')} searched`;
  const count = r.found.length
    ? `Found in ${grouped(bySession.size)} of ${searched}: ${what}.`
    : `No ${r.notes_searched ? 'annotations or notes' : 'annotations'} of ${searched} contain “${words}”.`;
  const remarks = [];
  if (r.total_found > r.found.length) remarks.push(`Showing the first ${grouped(r.found.length)} of ${grouped(r.total_found)} places found: add words, or choose a client or dates, to find fewer.`);
  if (!r.notes_searched) remarks.push('Notes have no tags: with a tag chosen, only annotations are searched.');
  if (r.notes_unread.length) remarks.push(`The notes of ${plural(r.notes_unread.length, 'session', 'sessions')} could not be read and were not searched: ${r.notes_unread.join(', ')}.`);
  const without = new URLSearchParams(params);  // the list, filtered as it was
  without.delete('words');
  const sessions = [...bySession.values()].map((fs) => {
    const f = fs[0];
    const name = `${sessionName({ number: f.number, id: f.session_id, title: f.title })}`;
    return h('li', {}, h('h3', {}, h('a', { href: `#/session/${f.session_id}` }, name),
      ` · ${fmtDay(f.started_utc)}${f.client ? ` · client ${f.client}` : ''}`),
    h('ul', {}, fs.map((x) => foundItem(x, iap))));
  });
  return h('section', { class: 'found', 'aria-labelledby': 'found-h' },
    h('h2', { id: 'found-h' }, `“${words}” in notes and annotations`),
    h('p', { class: 'list-count', role: 'status' }, count),
    remarks.map((t) => h('p', { class: 'muted' }, t)),
    sessions.length ? h('ul', { class: 'found-sessions' }, sessions) : '',
    h('p', {}, h('a', { href: `#/sessions?${without}` }, 'Back to the list of sessions')));
}
