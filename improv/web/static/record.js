// The Record page: choose or edit a setup, start and stop, markers and notes, live meters.
import { api, fmtTime, guard, h, say } from './api.js';
import { livePanel } from './live.js';

export async function recordPage(main) {
  document.title = 'Record · improv';
  const { setups } = await api('/api/setups');
  const setupSel = h('select', { id: 'rec-setup', onchange: () => fill(setupSel.value) },
    h('option', { value: '' }, '(none: enter the inputs below)'), Object.keys(setups).map((n) => h('option', { value: n }, n)));
  const players = h('textarea', { id: 'rec-players', rows: '4', placeholder: 'client=midi:Keyboard\ntherapist=audio:Scarlett:2' });
  const client = h('input', { id: 'rec-client', required: true, size: '8', placeholder: 'C07', autocomplete: 'off' });
  const therapist = h('input', { id: 'rec-therapist', size: '8', autocomplete: 'off' });
  const opt = {};
  for (const [k, label] of [['jack_server', 'JACK server'], ['midi_api', 'MIDI API (e.g. jack, alsa)'], ['audio_api', 'Audio host API (e.g. JACK, ALSA)']]) {
    opt[k] = h('input', { id: `rec-${k}`, size: '14' });
    opt[k].label = label;
  }
  const saveName = h('input', { id: 'rec-save-name', size: '14', placeholder: 'setup name' });
  const err = h('p', { class: 'error', role: 'alert' });
  const devices = h('div', { class: 'devices' });
  function fill(name) {
    const s = setups[name];
    if (!s) return;
    players.value = s.players.join('\n');
    for (const k of Object.keys(opt)) opt[k].value = (s.options || {})[k] || '';
    saveName.value = name;
  }
  const inputs = () => players.value.split('\n').map((x) => x.trim()).filter(Boolean);
  const options = () => Object.fromEntries(Object.entries(opt).map(([k, el]) => [k, el.value.trim() || null]));

  const startBtn = h('button', { type: 'submit', class: 'primary big' }, 'Start recording');
  const form = h('form', { class: 'record-setup', onsubmit: async (e) => {
    e.preventDefault(); err.textContent = '';
    startBtn.disabled = true;
    try {
      const edited = setupSel.value && setups[setupSel.value] && setups[setupSel.value].players.join('\n') === inputs().join('\n');
      await api('/api/recording', { method: 'POST', body: {
        client: client.value.trim(), therapist: therapist.value.trim() || null,
        setup: edited ? setupSel.value : null, players: edited ? [] : inputs(), options: options() } });
      say('Recording');
      live();
    } catch (ex) { err.textContent = ex.message; }
    startBtn.disabled = false;
  } },
  h('fieldset', {}, h('legend', {}, 'Setup'),
    h('div', { class: 'grid' },
      h('label', { for: 'rec-setup' }, 'Saved setup'), setupSel,
      h('label', { for: 'rec-players' }, 'Inputs, one per line (player=midi:PORT or player=audio:DEVICE:CHANNELS)'), players,
      h('label', { for: 'rec-client' }, 'Client code'), client,
      h('label', { for: 'rec-therapist' }, 'Therapist code'), therapist),
    h('details', {}, h('summary', {}, 'Device options'),
      h('div', { class: 'grid' }, Object.entries(opt).map(([k, el]) => [h('label', { for: `rec-${k}` }, el.label), el]))),
    h('div', { class: 'row' },
      h('label', { for: 'rec-save-name' }, 'Save as'), saveName,
      h('button', { type: 'button', onclick: async () => {
        err.textContent = '';
        const name = saveName.value.trim();
        if (!name) { err.textContent = 'Give the setup a name first (Save as)'; saveName.focus(); return; }
        // the rule of improv.setups.check_setup_name; a "/" would not even reach the server
        if (!/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,47}$/.test(name)) {
          err.textContent = "A setup name is 1-48 letters (A-Z), digits, spaces, '_', '.' or '-', starting with a letter or digit"; saveName.focus(); return;
        }
        try {
          const body = { players: inputs(), options: options() };
          await api(`/api/setups/${encodeURIComponent(name)}`, { method: 'PUT', body });
          // the saved setup can be chosen at once, and is the one chosen now
          if (!setups[name]) setupSel.append(h('option', { value: name }, name));
          setups[name] = body;
          setupSel.value = name;
          say(`Setup ${name} saved`);
        } catch (ex) { err.textContent = ex.message; }
      } }, 'Save setup'),
      h('button', { type: 'button', onclick: guard(async () => {
        devices.replaceChildren(h('p', {}, 'Looking for devices…'));
        const q = new URLSearchParams();
        if (opt.jack_server.value) q.set('jack_server', opt.jack_server.value);
        if (opt.midi_api.value) q.set('midi_api', opt.midi_api.value);
        const d = await api(`/api/devices?${q}`);
        // say "none found" for a kind with neither devices nor a problem (it said nothing)
        const none = (kind, list) => (!list.length && !d.problems.some((p) => p.startsWith(kind))
          ? [h('li', {}, `${kind}: none found`)] : []);
        devices.replaceChildren(h('h3', {}, 'Devices'),
          h('ul', {}, d.midi.map((p) => h('li', {}, `MIDI: ${p.name}`)), none('MIDI', d.midi),
            d.audio.map((a) => h('li', {}, `audio: ${a.name} (${a.input_channels} in, ${a.hostapi})`)), none('audio', d.audio)),
          ...d.problems.map((p) => h('p', { class: 'muted' }, p)));
      }) }, 'List devices'))),
  err, startBtn);

  const liveBox = h('section', { class: 'panel live', 'aria-labelledby': 'live-h', hidden: true });
  main.replaceChildren(h('h1', {}, 'Record'), form, devices, liveBox);
  const st = await api('/api/recording');
  if (st.active) live();

  function live() {
    form.hidden = true; devices.hidden = true; liveBox.hidden = false;
    const elapsed = h('output', { class: 'elapsed', 'aria-label': 'Elapsed time' }, '0:00');
    const playersBox = h('div', { class: 'meters' });
    const warn = h('ul', { class: 'warnings', 'aria-live': 'polite' });
    const noteIn = h('input', { id: 'rec-note', size: '40', placeholder: 'quick note, Enter saves', autocomplete: 'off' });
    let noteT = null;
    noteIn.addEventListener('input', () => { if (noteT == null && noteIn.value) noteT = lastElapsed; });
    let lastElapsed = 0;
    const markerBtn = h('button', { type: 'button', class: 'big', 'aria-keyshortcuts': 'm', onclick: () => mark() }, 'Marker');
    const stopBtn = h('button', { type: 'button', class: 'danger big', onclick: () => stop() }, 'Stop');
    const markers = h('span', { class: 'muted' });
    // refusals (the recording just ended, a full disk) are said in the status line
    const mark = guard(async () => {
      const r = await api('/api/recording/marker', { method: 'POST', body: { kind: 'marker' } });
      say(`Marker at ${fmtTime(r.t)}`);
    });
    const noteForm = h('form', { class: 'row', onsubmit: (e) => {
      e.preventDefault();
      if (!noteIn.value.trim()) return;
      guard(async () => {
        const r = await api('/api/recording/marker', { method: 'POST', body: { kind: 'note', text: noteIn.value.trim(), t: noteT } });
        say(`Note at ${fmtTime(r.t)}`); noteIn.value = ''; noteT = null;
      })();
    } }, h('label', { for: 'rec-note' }, 'Note'), noteIn, h('button', { type: 'submit' }, 'Add note'));
    const measures = livePanel();
    liveBox.replaceChildren(h('h2', { id: 'live-h' }, 'Recording'), elapsed, playersBox,
      h('div', { class: 'row' }, markerBtn, stopBtn, markers), noteForm, warn, measures);
    stopBtn.focus();
    const keys = (e) => {
      if (!document.body.contains(markerBtn)) { document.removeEventListener('keydown', keys); return; }
      if ((e.key === 'm' || e.key === 'M') && !['input', 'textarea'].includes((e.target.tagName || '').toLowerCase())) { e.preventDefault(); mark(); }
    };
    document.addEventListener('keydown', keys);
    let timer = 0;
    async function poll() {
      if (!document.body.contains(liveBox)) return;
      let r;
      try { r = await api('/api/recording'); } catch (e) { timer = setTimeout(poll, 1000); return; }
      if (!r.active) { done(r); return; }
      lastElapsed = r.elapsed_s;
      elapsed.textContent = fmtTime(r.elapsed_s, 0);
      markers.textContent = `${r.markers} marker(s) and notes`;
      playersBox.replaceChildren(...Object.entries(r.players).map(([p, v]) => {
        const db = v.peak_dbfs == null ? null : Math.max(-60, Math.min(0, v.peak_dbfs));
        return h('div', { class: 'meter-row', dataset: { player: p } },
          h('span', { class: 'who' }, p),
          h('meter', { min: '-60', max: '0', low: '-18', high: '-3', optimum: '-30', value: String(db ?? -60), 'aria-label': `${p} level` }),
          h('span', {}, db == null ? 'no audio' : `${v.peak_dbfs.toFixed(1)} dBFS`),
          h('span', { class: 'events' }, `${v.midi_events} MIDI events`),
          v.inputs.some((i) => !i.connected) ? h('span', { class: 'error' }, 'input lost') : '');
      }));
      warn.replaceChildren(...r.warnings.map((w) => h('li', { class: 'error' }, w)));
      measures.update(r.live);
      timer = setTimeout(poll, 300);
    }
    async function stop() {
      stopBtn.disabled = true; say('Stopping and saving…');
      clearTimeout(timer);
      try { done(await api('/api/recording/stop', { method: 'POST' })); } catch (e) { say(e.message, { error: true }); stopBtn.disabled = false; poll(); }
    }
    function done(r) {
      document.removeEventListener('keydown', keys);
      const res = r.result;
      liveBox.replaceChildren(h('h2', { id: 'live-h' }, 'Recording finished'),
        res ? h('p', {}, `Session ${res.id}: ${fmtTime(res.duration_s)} , ${res.midi_events} MIDI events (${res.stop_reason}). `,
          h('a', { href: `#/session/${res.id}`, class: 'open-session' }, 'Open the session')) : h('p', { class: 'error' }, r.error || 'The recording ended without a session.'),
        h('button', { type: 'button', onclick: () => recordPage(main) }, 'Record another'));
      say(res ? 'Recording saved' : 'Recording failed', { error: !res });
      if (res) location.hash = `#/session/${res.id}`; // the session page opens; its analysis runs
    }
    poll();
  }
}
