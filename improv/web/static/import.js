// The Sessions page's "Import files" panel: files are uploaded and checked one by one (the
// server reads each as the import will), each has a Remove button, and the import asks for a
// client code or a tick for a session that belongs to no client.
import { api, h } from './api.js';

// a file's size for people: kB below 0.1 MB (a MIDI file is a few kB, not "0.0 MB")
export function fmtSize(bytes) {
  if (bytes < 1e5) return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

export function importPanel() {
  const items = [];  // { name, upload (id, once uploaded), state: 'uploading'|'ready'|'bad', li }
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
  const players = h('textarea', { id: 'imp-players', rows: '2', placeholder: 'client=duet.mid:2\ntherapist=room.wav:2' });
  const offset = h('input', { id: 'imp-offset', size: '6', value: '0', inputmode: 'decimal' });
  const err = h('p', { class: 'error', role: 'alert' });

  function show(item, text, bad) {
    item.li.firstChild.textContent = text;
    item.li.classList.toggle('error', bad);
  }
  function remove(item) {
    const at = items.indexOf(item);
    if (at >= 0) items.splice(at, 1);
    item.li.remove();
    if (item.upload) api(`/api/uploads/${item.upload}`, { method: 'DELETE' }).catch(() => { /* swept at shutdown */ });
    if (err.textContent.includes(item.name)) err.textContent = '';
  }
  async function add(files) {
    err.textContent = '';
    for (const f of files) {
      const item = { name: f.name, upload: null, state: 'uploading' };
      item.li = h('li', {}, h('span', {}, `${f.name}: uploading…`), ' ',
        h('button', { type: 'button', class: 'link', 'aria-label': `Remove ${f.name}`, onclick: () => remove(item) }, 'Remove'));
      items.push(item);
      list.append(item.li);
      try {
        const r = await api('/api/uploads', { method: 'POST', raw: f, headers: { 'X-Filename': encodeURIComponent(f.name), 'Content-Type': 'application/octet-stream' } });
        item.upload = r.upload;
        if (!items.includes(item)) { remove(item); continue; }  // removed while it was uploading
        item.state = 'ready';
        show(item, `${f.name} (${r.kind === 'midi' ? 'MIDI' : 'audio'}, ${fmtSize(r.bytes)}) ready`, false);
      } catch (e) {
        item.state = 'bad';
        // the server's messages name the file; say it once
        show(item, e.message.includes(f.name) ? e.message : `${f.name}: ${e.message}`, true);
      }
    }
  }
  const go = h('button', { type: 'submit', class: 'primary' }, 'Import as one session');
  const form = h('form', { class: 'import', onsubmit: async (e) => {
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
    try {
      const r = await api('/api/import', { method: 'POST', body: { uploads: items.map((i) => i.upload), client: client.value.trim() || null,
        // the text as typed (12.5 or 1:30): the server parses it like every time field and
        // says what is wrong ("abc" became 0 s here before)
        players: players.value.split('\n').map((x) => x.trim()).filter(Boolean), offset: offset.value.trim() || 0 } });
      items.splice(0);
      location.hash = `#/session/${r.id}`;
    } catch (ex) {
      // a file at fault is named with what to do ("Remove fake.mid and import again")
      err.textContent = /and import again$/.test(ex.message) ? ex.message
        : `${ex.message} (the files stay uploaded: correct the client code or the players and import again)`;
    }
    go.disabled = false;
  } },
  h('div', { class: 'grid' }, h('label', { for: 'imp-client' }, 'Client code'), client,
    h('span', {}), h('label', { class: 'check' }, noClient, ' No client (a test): the session then belongs to no client\'s course, goals or reports'),
    h('label', { for: 'imp-players' }, 'Players (optional; one per line, e.g. client=take1.wav, or client=duet.mid:2 for track 2)'), players,
    h('label', { for: 'imp-offset' }, 'Start of the files in the session (m:ss or seconds; usually 0)'), offset), err, go);
  return h('section', { class: 'panel', 'aria-labelledby': 'imp-h' }, h('h2', { id: 'imp-h' }, 'Import files'),
    h('p', { id: 'imp-help', class: 'muted' }, 'MIDI and audio files recorded together become one session. Players are named after the files (and their tracks) unless you name them below: files named after people put those names into the session, so rename them or name the players (client=take1.wav).'),
    zone, fileIn, list, form);
}
