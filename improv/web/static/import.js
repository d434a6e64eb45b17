// The Sessions page's "Import files" panel: files are uploaded and checked one by one (the
// server reads each as the import will and says what it holds: a MIDI file's tracks, an audio
// file's channels), each track and channel gets its player ("Who plays", proposed from the
// client's last session), and the import asks for a client code or a tick for a session that
// belongs to no client, with the day it was recorded (the files' own time by default).
import { api, fmtDate, h, sayNext } from './api.js';
import { codeProblem, therapistField } from './record_setup.js';

// a file's size for people: kB below 0.1 MB (a MIDI file is a few kB, not "0.0 MB")
export function fmtSize(bytes) {
  if (bytes < 1e5) return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

// A new player's name (sessions.manifest._PLAYER_RE): 1-32 letters A-Z, digits, '_' or '-'
const PLAYER_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
const OTHER = '\u0000other';
const LEAVE = '\u0000leave';

// a moment as a datetime-local field writes it (local time, to the minute)
const pad = (n) => String(n).padStart(2, '0');
export function localInput(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
// a datetime-local field's value as ISO 8601 with this computer's offset at that moment
export function withOffset(value) {
  const d = new Date(value);
  if (!value || Number.isNaN(d.getTime())) return null;
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return `${value.length === 16 ? `${value}:00` : value}${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

// One track or channel of a file with its "Who plays" choice: client, therapist, a name of the
// client's last session, another name typed, or leave out.
function partRow(item, part) {
  const what = `${item.name} ${part.kind} ${part.number}${part.name ? ` '${part.name}'` : ''}`;  // "keyboard-3.mid track 2 'Piano client'"
  const row = { item, part, what, touched: false };
  row.sel = h('select', { 'aria-label': `Who plays ${what}` },
    h('option', { value: '' }, 'Who plays? (choose)'),
    h('option', { value: 'client' }, 'client'), h('option', { value: 'therapist' }, 'therapist'),
    h('option', { value: OTHER }, 'Another name…'), h('option', { value: LEAVE }, 'Leave out'));
  row.other = h('input', { size: '12', autocomplete: 'off', placeholder: 'player name', hidden: true, 'aria-label': `Player name of ${what}` });
  row.why = h('span', { class: 'why muted' });
  const changed = () => {
    row.touched = true; row.why.textContent = ''; row.unconfirmed = false; row.confirm.hidden = true;
    row.other.hidden = row.sel.value !== OTHER;
    row.sel.removeAttribute('aria-invalid'); row.other.removeAttribute('aria-invalid');
    if (!row.other.hidden && document.activeElement === row.sel) row.other.focus();
  };
  row.sel.addEventListener('change', changed);
  row.other.addEventListener('input', () => { row.touched = true; row.other.removeAttribute('aria-invalid'); });
  // a proposal from the server: a name (offered if it is not yet), '' to leave out, null: ask
  // a proposal by the tracks' order alone asks for a click: the tracks may come in another
  // order than last time, and client and therapist would be swapped without a word
  row.confirm = h('button', { type: 'button', class: 'link', hidden: true, onclick: () => {
    row.touched = true; row.unconfirmed = false; row.confirm.hidden = true;
    row.why.textContent = 'confirmed'; row.sel.removeAttribute('aria-invalid');
  } }, 'Confirm');
  row.propose = (player, why, byOrder = false) => {
    if (player && ![...row.sel.options].some((o) => o.value === player)) {
      row.sel.insertBefore(h('option', { value: player }, player), row.sel.querySelector(`option[value="${OTHER}"]`));
    }
    row.sel.value = player === '' ? LEAVE : (player || '');
    row.other.hidden = true;
    row.why.textContent = why || '';
    row.unconfirmed = byOrder;
    row.confirm.hidden = !byOrder;
    row.confirm.setAttribute('aria-label', `Confirm the player proposed for ${what}`);
  };
  // the player chosen: a name, '' (left out) or null (not chosen yet)
  row.player = () => (row.sel.value === LEAVE ? '' : row.sel.value === OTHER ? (row.other.value.trim() || null) : (row.sel.value || null));
  row.el = h('li', { class: 'part' }, h('span', { class: 'part-what' }, part.text), row.sel, row.other, row.why, row.confirm);
  return row;
}

// The players and the parts left out, as the import takes them (NAME=FILE[:N], FILE:N)
export function mapping(items) {
  const players = [];
  const leaveOut = [];
  for (const item of items) {
    const rows = item.rows;
    const chosen = rows.map((r) => r.player());
    if (item.kind === 'audio' && chosen.every((p) => p && p === chosen[0])) { players.push(`${chosen[0]}=${item.name}`); continue; }
    rows.forEach((r, i) => {
      if (chosen[i]) players.push(`${chosen[i]}=${item.name}:${r.part.selector}`);
      else leaveOut.push(`${item.name}:${r.part.selector}`);
    });
  }
  return { players, leave_out: leaveOut };
}

export function importPanel() {
  const items = [];  // { name, upload (id, once uploaded), state: 'uploading'|'ready'|'bad', li, kind, rows, modified }
  const list = h('ul', { class: 'uploads', 'aria-live': 'polite' });
  // the drop zone is the one control (a button that opens the file dialog); the file input
  // itself is out of the Tab order, with a name for screen readers all the same
  const fileIn = h('input', { type: 'file', multiple: true, id: 'imp-files', class: 'sr-only', tabindex: '-1', 'aria-label': 'Files to import', accept: '.mid,.midi,.wav,.flac,.ogg,.mp3,.aif,.aiff', onchange: () => { add([...fileIn.files]); fileIn.value = ''; } });
  const zone = h('div', { class: 'dropzone', tabindex: '0', role: 'button', 'aria-describedby': 'imp-help',
    onclick: () => fileIn.click(), onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); fileIn.click(); } } },
    'Drop MIDI and audio files of one session here, or click here to choose them');
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => { e.preventDefault(); zone.classList.remove('over'); add([...e.dataTransfer.files]); });
  const client = h('input', { id: 'imp-client', size: '8', placeholder: 'e.g. C07', autocomplete: 'off' });
  const noClient = h('input', { type: 'checkbox', id: 'imp-noclient' });
  const started = h('input', { type: 'datetime-local', id: 'imp-started', step: '60' });
  const startedWhy = h('span', { class: 'muted' });
  let startedTouched = false;
  started.addEventListener('input', () => { startedTouched = true; startedWhy.textContent = ''; });
  const title = h('input', { id: 'imp-title', size: '30', autocomplete: 'off', placeholder: 'optional, no names', maxlength: '200' });
  // the store's therapist codes: one of them is not said to look like a name (the server
  // refuses only a new code that reads like one)
  let therapists = [];
  const therapist = therapistField({ known: () => therapists });
  therapist.input.id = 'imp-therapist';
  api('/api/recording/clients').then((r) => { therapists = r.therapists || []; therapist.update(); }).catch(() => { /* said as new */ });
  // the codes answered with "Use it anyway" (a new code that reads like a name is a pseudonym):
  // sent as not_a_name while they stay as they are
  let keptAsCodes = null;
  const codes = () => JSON.stringify([client.value.trim(), therapist.value()]);
  const offset = h('input', { id: 'imp-offset', size: '6', value: '0', inputmode: 'decimal' });
  const err = h('p', { class: 'error', role: 'alert' });

  // "Recorded on": the oldest file's own time (the browser's lastModified), until it is typed
  function fillStarted() {
    if (startedTouched) return;
    const times = items.filter((i) => i.state !== 'bad' && i.modified).map((i) => i.modified);
    started.value = times.length ? localInput(Math.min(...times)) : '';
    startedWhy.textContent = times.length ? (times.length > 1 ? 'the time of the oldest file' : 'the time of the file') : '';
  }

  // who plays each part, proposed by the server from the client's last session (or a word in
  // the names); a choice made here is never replaced
  let asked = 0;
  let proposeTimer = 0;
  let waiting = null;  // a proposal asked for and not yet shown
  const schedule = () => { clearTimeout(proposeTimer); proposeTimer = setTimeout(() => { proposeTimer = 0; waiting = propose(); }, 250); };
  // before the import: the proposals asked for are shown first (Import pressed at once)
  async function settled() {
    if (proposeTimer) { clearTimeout(proposeTimer); proposeTimer = 0; waiting = propose(); }
    while (waiting) { const w = waiting; await w; if (waiting === w) waiting = null; }
  }
  async function propose() {
    const ready = items.filter((i) => i.state === 'ready');
    if (!ready.length) return;
    const code = client.value.trim();
    const n = ++asked;
    let r;
    try {
      r = await api('/api/import/players', { method: 'POST', body: { uploads: ready.map((i) => i.upload), client: code && !codeProblem(code) && !noClient.checked ? code : null } });
    } catch (e) { return; /* the import says what is wrong */ }
    if (n !== asked) return;  // a later question is on its way
    const session = r.previous ? `as in Session ${r.previous.number}` : '';
    for (const f of r.files) {
      const item = items.find((i) => i.upload === f.upload);
      if (!item) continue;
      f.parts.forEach((p) => {
        const row = item.rows.find((x) => x.part.selector === p.selector);
        if (row && !row.touched) {
          row.propose(p.player, p.why === 'previous' ? session : p.why === 'order' ? `${session}, by the order of the tracks only: check it` : p.why === 'name' ? 'from the name' : '', p.why === 'order');
        }
      });
    }
  }
  client.addEventListener('input', schedule);
  noClient.addEventListener('change', schedule);

  function show(item, text, bad) {
    item.li.firstChild.textContent = text;
    item.li.classList.toggle('error', bad);
    item.li.dataset.state = item.state;
  }
  function remove(item) {
    const at = items.indexOf(item);
    if (at >= 0) items.splice(at, 1);
    // the focus was on its Remove: it goes to the next file's Remove (the one before when it
    // was the last), or to the drop zone when the list is empty, never to the top of the page
    const focused = item.li.contains(document.activeElement);
    item.li.remove();
    if (focused) {
      const next = items[Math.min(Math.max(at, 0), items.length - 1)];
      (next ? next.li.querySelector('button.remove') : zone).focus();
    }
    if (item.upload) api(`/api/uploads/${item.upload}`, { method: 'DELETE' }).catch(() => { /* swept at shutdown */ });
    if (err.textContent.includes(item.name)) err.textContent = '';
    fillStarted();
  }
  async function add(files) {
    err.textContent = '';
    for (const f of files) {
      const item = { name: f.name, upload: null, state: 'uploading', rows: [], modified: f.lastModified || null };
      item.li = h('li', {}, h('span', {}, `${f.name}: uploading…`), ' ',
        h('button', { type: 'button', class: 'link remove', 'aria-label': `Remove ${f.name}`, onclick: () => remove(item) }, 'Remove'));
      items.push(item);
      list.append(item.li);
      fillStarted();
      try {
        const r = await api('/api/uploads', { method: 'POST', raw: f, headers: { 'X-Filename': encodeURIComponent(f.name), 'Content-Type': 'application/octet-stream', ...(f.lastModified ? { 'X-Last-Modified': String(f.lastModified) } : {}) } });
        item.upload = r.upload;
        if (!items.includes(item)) { remove(item); continue; }  // removed while it was uploading
        item.state = 'ready';
        item.kind = r.kind;
        show(item, `${r.text} (${fmtSize(r.bytes)})`, false);
        // each track or channel that plays gets its player; a MIDI track without notes (an
        // instrument's setup) goes with the file's main player and is only named
        const parts = h('ul', { class: 'parts' });
        for (const p of r.parts) {
          if (r.kind === 'midi' && !p.notes) {
            parts.append(h('li', { class: 'part muted' }, `${p.text}: goes with the file's main player`));
            continue;
          }
          const row = partRow(item, p);
          item.rows.push(row);
          parts.append(row.el);
        }
        item.li.append(parts);
        schedule();
      } catch (e) {
        item.state = 'bad';
        // the server's messages name the file; say it once
        show(item, e.message.includes(f.name) ? e.message : `${f.name}: ${e.message}`, true);
        fillStarted();
      }
    }
  }

  // what keeps the import from starting, in a sentence ('' when nothing does); marks the rows
  function partsProblem() {
    const rows = items.flatMap((i) => i.rows);
    const open = rows.filter((r) => r.player() === null);
    if (open.length) {
      for (const r of open) (r.sel.value === OTHER ? r.other : r.sel).setAttribute('aria-invalid', 'true');
      const first = open[0];
      (first.sel.value === OTHER ? first.other : first.sel).focus();
      const named = open.slice(0, 3).map((r) => r.what).join('; ') + (open.length > 3 ? `; and ${open.length - 3} more` : '');
      return `Choose who plays ${named} (or Leave out): a client's sessions are compared by these names.`;
    }
    const badName = rows.find((r) => r.sel.value === OTHER && !PLAYER_RE.test(r.player()));
    if (badName) {
      badName.other.setAttribute('aria-invalid', 'true'); badName.other.focus();
      return `The player name "${badName.player()}" of ${badName.what} may have only letters A–Z, digits, '_' and '-' (at most 32), e.g. client or therapist.`;
    }
    const allOut = items.find((i) => i.rows.length && i.rows.every((r) => r.player() === ''));
    if (allOut) return `Every part of ${allOut.name} is left out: remove the file instead.`;
    const unsure = rows.filter((r) => r.unconfirmed);
    if (unsure.length) {
      for (const r of unsure) r.sel.setAttribute('aria-invalid', 'true');
      unsure[0].sel.focus();
      return `Check who plays ${unsure.map((r) => r.what).join('; ')}: proposed by the order of the tracks only, which may differ from last time. Confirm each, or choose the player.`;
    }
    return '';
  }

  const go = h('button', { type: 'submit', class: 'primary' }, 'Import as one session');
  const form = h('form', { class: 'import', novalidate: true, onsubmit: async (e) => {
    e.preventDefault(); err.textContent = '';
    const bad = items.filter((i) => i.state === 'bad');
    if (bad.length) { err.textContent = `Remove ${bad.map((i) => i.name).join(', ')} from the list first: ${bad.length > 1 ? 'they cannot' : 'it cannot'} be imported.`; return; }
    if (items.some((i) => i.state === 'uploading')) { err.textContent = 'Wait until every file is uploaded.'; return; }
    if (!items.length) { err.textContent = 'Drop or choose files first.'; return; }
    if (!client.value.trim() && !noClient.checked) {
      err.textContent = 'Give the client code (e.g. C07), or tick "No client (a test)": a session without one belongs to no client\'s course, goals or reports.';
      client.focus();
      return;
    }
    go.disabled = true;
    await settled();
    go.disabled = false;
    const problem = partsProblem() || therapist.check();
    if (problem) { err.textContent = problem; return; }
    if (started.value && !withOffset(started.value)) { err.textContent = 'Give the day and time the session was recorded under "Recorded on".'; started.focus(); return; }
    go.disabled = true;
    try {
      const r = await api('/api/import', { method: 'POST', body: { uploads: items.map((i) => i.upload), client: client.value.trim() || null,
        ...mapping(items), started: withOffset(started.value), title: title.value.trim() || null, therapist: therapist.value(),
        // the text as typed (12.5 or 1:30): the server parses it like every time field and
        // says what is wrong ("abc" became 0 s here before)
        offset: offset.value.trim() || 0, not_a_name: keptAsCodes === codes() } });
      items.splice(0);
      // the same recording imported before would count twice in the client's course
      const twin = (r.looks_like || [])[0];
      if (twin) sayNext(`This looks like ${twin.number ? `Session ${twin.number}` : 'a session'} of ${fmtDate(twin.started_utc)}, imported before: the same start and length. If it is the same recording, delete one of the two (Delete, on its page) so that it does not count twice.`);
      location.hash = `#/session/${r.id}`;
    } catch (ex) {
      // a file at fault is named with what to do ("Remove fake.mid and import again")
      err.textContent = /and import again$/.test(ex.message) ? ex.message
        : `${ex.message} (the files stay uploaded: correct it and import again)`;
      // a new code that reads like a name: the server asks, the answer is here
      if (ex.status === 400 && /looks like a name|look like names/.test(ex.message)) {
        err.textContent = ex.message;
        const asked = codes();
        err.append(' ', h('button', { type: 'button', onclick: () => { keptAsCodes = asked; form.requestSubmit(); } }, 'Use it anyway'));
      }
    }
    go.disabled = false;
  } },
  h('div', { class: 'grid' }, h('label', { for: 'imp-client' }, 'Client code'), client,
    h('span', {}), h('label', { class: 'check' }, noClient, ' No client (a test): the session then belongs to no client\'s course, goals or reports'),
    h('label', { for: 'imp-started' }, 'Recorded on'), h('span', { class: 'row' }, started, startedWhy),
    h('label', { for: 'imp-title' }, 'Title'), title,
    h('label', { for: 'imp-therapist' }, 'Therapist code'), therapist.el,
    h('label', { for: 'imp-offset' }, 'Start of the files in the session (m:ss or seconds; usually 0)'), offset), err, go);
  return h('section', { class: 'panel', 'aria-labelledby': 'imp-h' }, h('h2', { id: 'imp-h' }, 'Import files'),
    h('p', { id: 'imp-help', class: 'muted' }, 'MIDI and audio files recorded together become one session. Choose who plays each track and channel: a client\'s sessions are compared by these names, so keep them the same in every session (with a client code, those of the client\'s last session are proposed).'),
    zone, fileIn, list, form);
}
