// The Record page: choose the inputs and the client, check the inputs, start; while
// recording: meters, markers, notes, health, disk, and a stop that asks first.
import { api, counted, fmtTime, guard, h, say } from './api.js';
import { Holder, activityLight, levelMeter } from './meters.js';
import { InputRows, armedMeters, clientChooser, watchDevices } from './record_setup.js';
import { livePanel } from './live.js';

const setBadge = (on) => { const b = document.getElementById('rec-indicator'); if (b) b.hidden = !on; };

export async function recordPage(main) {
  document.title = 'Record · improv';
  const st = await api('/api/recording');
  setBadge(st.active);
  const liveBox = h('section', { class: 'panel live', 'aria-labelledby': 'live-h' });
  if (st.active) { main.replaceChildren(h('h1', {}, 'Record'), liveBox); live(main, liveBox); return; }
  const { setups } = await api('/api/setups');
  const client = await clientChooser();
  const setupSel = h('select', { id: 'rec-setup', onchange: () => fill(setupSel.value) },
    h('option', { value: '' }, '(none: choose the inputs below)'), Object.keys(setups).map((n) => h('option', { value: n }, n)));
  const title = h('input', { id: 'rec-title', size: '30', autocomplete: 'off', placeholder: 'optional' });
  const therapist = h('input', { id: 'rec-therapist', size: '8', autocomplete: 'off', placeholder: 'e.g. T01' });
  const opt = {};
  for (const [k, label] of [['jack_server', 'JACK server'], ['midi_api', 'MIDI API (e.g. jack, alsa)'], ['audio_api', 'Audio host API (e.g. JACK, ALSA)']]) {
    opt[k] = h('input', { id: `rec-${k}`, size: '14', onchange: () => { devices.now(); rearm(); } });
    opt[k].label = label;
  }
  const saveName = h('input', { id: 'rec-save-name', size: '14', placeholder: 'setup name' });
  const err = h('p', { class: 'error', role: 'alert' });
  const deviceNotes = h('div', { class: 'devices' });
  const meterBox = h('div', { class: 'armed', 'aria-live': 'off' });
  const options = () => Object.fromEntries(Object.entries(opt).map(([k, el]) => [k, el.value.trim() || null]));
  const alive = () => document.body.contains(meterBox);
  const armed = armedMeters({ box: meterBox, options, alive });
  let armTimer = 0;
  let starting = false;  // Start pressed: the inputs go to the recorder, not the check
  const rearm = () => { if (starting) return; clearTimeout(armTimer); armTimer = setTimeout(() => armed.arm(rows.specs()), 300); };
  const rows = new InputRows(rearm);
  const devices = watchDevices({ rows, box: deviceNotes, alive, query: () => {
    const q = new URLSearchParams();
    if (opt.jack_server.value) q.set('jack_server', opt.jack_server.value);
    if (opt.midi_api.value) q.set('midi_api', opt.midi_api.value);
    return q;
  } });
  function fill(name) {
    const s = setups[name];
    if (!s) return;
    for (const k of Object.keys(opt)) opt[k].value = (s.options || {})[k] || '';
    rows.set(s.players);
    saveName.value = name;
    devices.now(); rearm();
  }
  rows.set(['client=midi:']);

  const startBtn = h('button', { type: 'submit', class: 'primary big' }, 'Start recording');
  const form = h('form', { class: 'record-setup', onsubmit: async (e) => {
    e.preventDefault(); err.textContent = '';
    const bad = client.check() || (rows.specs().length ? ''
      : rows.devices.midi.length + rows.devices.audio.length ? 'Choose a device for at least one player.'
        : 'No MIDI or audio input is available: connect one (the messages above say why none is found).');
    if (bad) { err.textContent = bad; return; }
    startBtn.disabled = true;
    starting = true; clearTimeout(armTimer); armed.stop();
    try {
      await api('/api/recording', { method: 'POST', body: {
        client: client.value(), new_client: client.isNew(), title: title.value.trim() || null,
        therapist: therapist.value.trim() || null, players: rows.specs(), options: options() } });
      setBadge(true); say('Recording');
      devices.stop();
      main.replaceChildren(h('h1', {}, 'Record'), liveBox);
      live(main, liveBox);
      return;
    } catch (ex) { err.textContent = ex.message; starting = false; rearm(); }
    startBtn.disabled = false;
  } },
  h('fieldset', {}, h('legend', {}, 'Setup'),
    h('div', { class: 'grid' },
      h('label', { for: 'rec-setup' }, 'Saved setup'), setupSel,
      // what the device lists lack, said beside the inputs it concerns
      h('span', {}, 'Inputs'), h('div', {}, rows.el, deviceNotes),
      h('label', { for: 'rec-client' }, 'Client'), client.el,
      h('label', { for: 'rec-title' }, 'Title'), title,
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
        if (!rows.specs().length) { err.textContent = 'Choose at least one input'; return; }
        try {
          const body = { players: rows.specs(), options: options() };
          await api(`/api/setups/${encodeURIComponent(name)}`, { method: 'PUT', body });
          if (!setups[name]) setupSel.append(h('option', { value: name }, name));
          setups[name] = body;
          setupSel.value = name;
          say(`Setup ${name} saved`);
        } catch (ex) { err.textContent = ex.message; }
      } }, 'Save setup'))),
  meterBox, err, startBtn);
  main.replaceChildren(h('h1', {}, 'Record'), form);
  devices.now();
}

const fmtBytes = (b) => (b >= 1e9 ? `${(b / 1e9).toFixed(1)} GB` : `${Math.round(b / 1e6)} MB`);
const fmtLeft = (s) => (s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min` : `${Math.round(s / 60)} min`);

function live(main, liveBox) {
  const elapsed = h('output', { class: 'elapsed', 'aria-label': 'Elapsed time' }, '0:00');
  const inputsBox = h('div', { class: 'meters' });
  const healthLine = h('p', { class: 'health', 'aria-live': 'polite' });
  const details = h('ul', {});
  const disk = h('p', { class: 'disk muted' });
  const warn = h('ul', { class: 'warnings', 'aria-live': 'polite' });
  const markList = h('ol', { class: 'marks' });
  const noteIn = h('input', { id: 'rec-note', size: '40', placeholder: 'quick note, Enter saves', autocomplete: 'off' });
  let noteT = null;
  let lastElapsed = 0;
  noteIn.addEventListener('input', () => { if (noteT == null && noteIn.value) noteT = lastElapsed; });
  const markerBtn = h('button', { type: 'button', class: 'big', 'aria-keyshortcuts': 'm', onclick: () => mark() }, 'Marker');
  const stopBtn = h('button', { type: 'button', class: 'danger big', onclick: () => { confirmBox.hidden = false; yesBtn.focus(); } }, 'Stop');
  const yesBtn = h('button', { type: 'button', class: 'danger', onclick: () => stop() }, 'Yes, stop and save');
  const confirmBox = h('div', { class: 'row confirm', role: 'alertdialog', 'aria-label': 'Stop the recording?', hidden: true },
    h('span', {}, 'Stop the recording?'), yesBtn,
    h('button', { type: 'button', onclick: () => { confirmBox.hidden = true; stopBtn.focus(); } }, 'Keep recording'));
  const markers = h('span', { class: 'muted mark-count' });
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
  liveBox.replaceChildren(h('h2', { id: 'live-h' }, 'Recording'), elapsed, healthLine,
    h('details', { class: 'health-details' }, h('summary', {}, 'Details'), details), inputsBox,
    h('div', { class: 'row' }, markerBtn, stopBtn, markers), confirmBox, noteForm,
    h('h3', {}, 'Markers and notes'), markList, disk, warn, measures);
  stopBtn.focus();
  const keys = (e) => {
    if (!document.body.contains(markerBtn)) { document.removeEventListener('keydown', keys); return; }
    if ((e.key === 'm' || e.key === 'M') && !['input', 'textarea'].includes((e.target.tagName || '').toLowerCase())) { e.preventDefault(); mark(); }
  };
  document.addEventListener('keydown', keys);
  const holder = new Holder();
  const seen = new Map();  // MIDI input -> [events, time they last changed]
  const shownMarks = new Map();
  let timer = 0;
  function drawMarks(marks) {
    for (const m of marks) {
      if (shownMarks.has(m.id)) continue;
      const text = h('input', { size: '30', value: m.text, 'aria-label': `Text of the ${m.kind} at ${fmtTime(m.t)}`, onchange: guard(async () => {
        await api(`/api/recording/marker/${encodeURIComponent(m.id)}`, { method: 'PATCH', body: { text: text.value } });
        say(`${m.kind === 'note' ? 'Note' : 'Marker'} at ${fmtTime(m.t)} changed`);
      }) });
      const li = h('li', { dataset: { id: m.id } }, h('span', { class: 'when' }, fmtTime(m.t)), ' ', m.kind === 'note' ? 'note' : 'marker', ' ', text);
      shownMarks.set(m.id, li);
      markList.append(li);
    }
  }
  function inputRow(p, i) {
    if (i.kind === 'audio') {
      return levelMeter(`${p} ${i.name}`, holder.update(`${p}/${i.name}`, i.peak_dbfs, i.clipped_blocks));
    }
    const key = `${p}/${i.name}`;
    const [n0, at] = seen.get(key) || [0, 0];
    if (i.events !== n0) seen.set(key, [i.events, performance.now()]);
    return activityLight(`${p} ${i.name}`, { active: i.events !== n0 || performance.now() - at < 500, lastNote: i.last_note, events: i.events });
  }
  async function poll() {
    if (!document.body.contains(liveBox)) return;
    let r;
    try { r = await api('/api/recording'); } catch (e) { timer = setTimeout(poll, 1000); return; }
    setBadge(r.active);
    if (!r.active) { done(r); return; }
    lastElapsed = r.elapsed_s;
    elapsed.textContent = fmtTime(r.elapsed_s, 0);
    markers.textContent = `${counted(r.markers, 'marker or note', 'markers and notes')} so far`;
    inputsBox.replaceChildren(...Object.entries(r.players).flatMap(([p, v]) => v.inputs.map((i) => h('div', { class: 'meter-row', dataset: { player: p, kind: i.kind } },
      h('span', { class: 'who' }, p), h('span', { class: 'src' }, i.name), inputRow(p, i),
      i.connected ? '' : h('span', { class: 'error' }, 'input lost')))));
    healthLine.textContent = `Recording: ${r.health.line}`;
    healthLine.classList.toggle('error', !r.health.healthy);
    details.replaceChildren(...(r.health.details.length ? r.health.details : ['Every input is arriving complete.']).map((d) => h('li', {}, d)));
    const d = r.disk;
    disk.textContent = d.free_bytes == null ? '' : `Free disk space: ${fmtBytes(d.free_bytes)}${d.time_left_s == null ? '' : `, enough for about ${fmtLeft(d.time_left_s)} more at this rate`}`;
    drawMarks(r.marks);
    warn.replaceChildren(...r.warnings.map((w) => h('li', { class: 'error' }, w)));
    measures.update(r.live);
    timer = setTimeout(poll, 300);
  }
  async function stop() {
    stopBtn.disabled = true; yesBtn.disabled = true; say('Stopping and saving…');
    clearTimeout(timer);
    try { done(await api('/api/recording/stop', { method: 'POST' })); } catch (e) { say(e.message, { error: true }); stopBtn.disabled = false; yesBtn.disabled = false; poll(); }
  }
  function done(r) {
    document.removeEventListener('keydown', keys);
    setBadge(false);
    const res = r.result;
    liveBox.replaceChildren(h('h2', { id: 'live-h' }, 'Recording finished'),
      res ? h('p', {}, `Session ${res.id}: ${fmtTime(res.duration_s)}, ${counted(res.midi_events, 'MIDI event')}. `
        + (res.usual_stop ? '' : `It stopped because ${res.stop_reason_text}. `),
        h('a', { href: `#/session/${res.id}`, class: 'open-session' }, 'Open the session')) : h('p', { class: 'error' }, r.error || 'The recording ended without a session.'),
      h('button', { type: 'button', onclick: () => recordPage(main) }, 'Record another'));
    say(res ? 'Recording saved' : 'Recording failed', { error: !res });
    if (res) location.hash = `#/session/${res.id}`; // the session page opens; its analysis runs
  }
  poll();
}
