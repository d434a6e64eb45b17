// The Record page: choose the inputs and the client, check the inputs, start; while
// recording: meters, markers, notes, health, disk, and a stop that asks first.
import { ApiError, api, counted, fmtTime, guard, h, say, sayNext } from './api.js';
import { Holder, activityLight, levelMeter } from './meters.js';
import { InputRows, armedMeters, clientChooser, inputLabel, looksLikeName, therapistField, watchDevices } from './record_setup.js';
import { livePanel } from './live.js';

const setBadge = (on) => { const b = document.getElementById('rec-indicator'); if (b) b.hidden = !on; };
const FORM_POLL_MS = 2000;  // how often the form looks whether a recording started elsewhere
const LAST_KEY = 'improv.record.last';  // this browser's last recording: its setup or inputs
// no answer from improv for this long while recording: the page says improv cannot be reached
// (a live page asks every 0.3 s; improv closed or killed makes every request fail, a hung one
// makes it wait)
const LOST_MS = 3000;
// a request that did not reach improv (not a refusal by it), or one improv started again
// refused: this window is not signed in to the new start
const unreachable = (e) => !(e instanceof ApiError) || e.signedOut;

// the systems improv.capture.devices.check_api_names knows
const MIDI_APIS = ['jack', 'alsa', 'coremidi', 'winmm', 'auto'];
const AUDIO_APIS = ['ALSA', 'JACK Audio Connection Kit', 'PulseAudio', 'OSS', 'Core Audio', 'MME',
  'Windows DirectSound', 'Windows WASAPI', 'Windows WDM-KS', 'ASIO'];
// what is wrong with a device option, said beside it ('' when nothing is)
function optionProblem(key, value) {
  const v = value.trim();
  if (!v) return '';
  if (key === 'midi_api' && !MIDI_APIS.includes(v.toLowerCase())) return `"${v}" is not a MIDI system: use jack or alsa, or leave it empty.`;
  if (key === 'audio_api' && !AUDIO_APIS.some((n) => n.toLowerCase().includes(v.toLowerCase()))) return `"${v}" is not an audio system: use JACK, ALSA or PulseAudio, or leave it empty.`;
  return '';
}

function lastUsed() {
  try { return JSON.parse(localStorage.getItem(LAST_KEY) || 'null'); } catch (e) { return null; }
}

// "C07 · Review test · therapist T01": whose recording it is
function whose(st) {
  return [st.client, st.title, st.therapist ? `therapist ${st.therapist}` : ''].filter(Boolean).join(' · ');
}

// A question asked in the page before Start goes on: resolves true (yes) or false (no); the
// focus goes to "no", so that a stray Enter does not answer yes.  Escape answers no; either
// answer gives the focus back to the control that asked (the caller may then move it on).
function asker(box) {
  box.addEventListener('keydown', (e) => { if (e.key === 'Escape' && box.answer) { e.preventDefault(); box.answer(false); } });
  return (text, yes, no) => new Promise((resolve) => {
    const opener = document.activeElement;
    const answer = (v) => {
      box.answer = null;
      const inside = box.contains(document.activeElement);
      box.hidden = true; box.replaceChildren();
      if (inside && opener && opener !== document.body && opener.isConnected) opener.focus();
      resolve(v);
    };
    box.answer = answer;
    const noBtn = h('button', { type: 'button', onclick: () => answer(false) }, no);
    box.replaceChildren(h('p', {}, text), h('div', { class: 'row' }, noBtn, h('button', { type: 'button', class: 'primary', onclick: () => answer(true) }, yes)));
    box.hidden = false;
    noBtn.focus();
  });
}

// The page that says a recording is running (started elsewhere), with the way to it.  Its
// time runs on as the recording's does (review rev-pulse: it stood at the "0:00" of the first
// look); the status is asked again every FORM_POLL_MS, and a recording that ended says so
function runningNotice(main, st) {
  const clock = h('span', { class: 'elsewhere-time', 'aria-live': 'off' });
  let base = st && st.elapsed_s != null ? [st.elapsed_s, performance.now()] : null;
  const show = () => { if (base) clock.textContent = fmtTime(base[0] + (performance.now() - base[1]) / 1000, 0); };
  show();
  const text = h('p', {}, 'A recording is running', st && st.client ? [' (', whose(st), ', ', clock, ')'] : '', '. Only one recording can run at a time.');
  const go = h('button', { type: 'button', class: 'primary big', onclick: () => recordPage(main) }, 'Go to the recording');
  let asked = performance.now();
  const tick = async () => {
    if (!text.isConnected) return;
    show();
    if (performance.now() - asked >= FORM_POLL_MS) {
      asked = performance.now();
      try {
        const r = await api('/api/recording');
        if (!text.isConnected) return;
        if (!r.active) {
          text.replaceChildren('The recording that was running has stopped. This page can record again.');
          go.textContent = 'Record';
          return;
        }
        if (r.elapsed_s != null) base = [r.elapsed_s, performance.now()];
      } catch (e) { /* the next look */ }
    }
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 1000);
  return [h('h1', {}, 'Record'), h('section', { class: 'panel running-elsewhere', role: 'alert' }, text, go)];
}

export async function recordPage(main) {
  document.title = 'Record · improv';
  const st = await api('/api/recording');
  setBadge(st.active);
  const liveBox = h('section', { class: 'panel live', 'aria-labelledby': 'live-h' });
  if (st.active) { main.replaceChildren(h('h1', {}, 'Record'), liveBox); live(main, liveBox); return; }
  const { setups } = await api('/api/setups');
  const client = await clientChooser();
  const setupSel = h('select', { id: 'rec-setup', onchange: () => { fill(setupSel.value); setupNote.textContent = ''; } },
    h('option', { value: '' }, '(none: choose the inputs below)'), Object.keys(setups).map((n) => h('option', { value: n }, n)));
  const setupNote = h('span', { class: 'muted' });
  const setupAskBox = h('div', { class: 'panel ask', role: 'alertdialog', 'aria-label': 'About the saved setup', hidden: true });
  const askSetup = asker(setupAskBox);
  const deleteBtn = h('button', { type: 'button', class: 'link', hidden: true, onclick: async () => {
    const name = setupSel.value;
    if (!name || !(await askSetup(`Delete the saved setup "${name}"? The recordings made with it keep their inputs.`, 'Delete it', 'Keep it'))) return;
    try {
      await api(`/api/setups/${encodeURIComponent(name)}`, { method: 'DELETE' });
      delete setups[name];
      [...setupSel.options].find((o) => o.value === name)?.remove();
      setupSel.value = ''; deleteBtn.hidden = true;
      setupSel.focus();  // the button is gone with the setup
      say(`Setup ${name} deleted`);
    } catch (ex) { err.textContent = ex.message; }
  } }, 'Delete this setup');
  setupSel.addEventListener('change', () => { deleteBtn.hidden = !setupSel.value; });
  const title = h('input', { id: 'rec-title', size: '30', autocomplete: 'off', placeholder: 'optional, no names' });
  const therapist = therapistField({ known: () => client.therapists });
  const opt = {};
  for (const [k, label] of [['jack_server', 'JACK server'], ['midi_api', 'MIDI API (e.g. jack, alsa)'], ['audio_api', 'Audio host API (e.g. JACK, ALSA)']]) {
    opt[k] = h('input', { id: `rec-${k}`, size: '14', onchange: () => { checkOption(k); devices.now(); rearm(); } });
    opt[k].label = label;
    opt[k].said = h('span', { class: 'error', 'aria-live': 'polite' });
  }
  // a typo is said beside its field (not as "the MIDI system is not running"), and the
  // device lists and the check go on without it until it is corrected
  const checkOption = (k) => {
    const bad = optionProblem(k, opt[k].value);
    opt[k].said.textContent = bad;
    if (bad) opt[k].setAttribute('aria-invalid', 'true'); else opt[k].removeAttribute('aria-invalid');
    return bad;
  };
  const saveName = h('input', { id: 'rec-save-name', size: '14', placeholder: 'setup name' });
  const err = h('p', { class: 'error', role: 'alert' });
  const askBox = h('div', { class: 'panel ask', role: 'alertdialog', 'aria-label': 'Before the recording starts', hidden: true });
  const ask = asker(askBox);
  const deviceNotes = h('div', { class: 'devices' });
  const meterBox = h('div', { class: 'armed', 'aria-live': 'off' });
  const options = () => Object.fromEntries(Object.entries(opt).map(([k, el]) => [k, (!optionProblem(k, el.value) && el.value.trim()) || null]));
  const alive = () => document.body.contains(meterBox);
  let armTimer = 0;
  let starting = false;  // Start pressed: the inputs go to the recorder, not the check
  const rearm = (force = false, takeOver = false) => { if (starting) return; clearTimeout(armTimer); armTimer = setTimeout(() => armed.arm(force === true, takeOver === true), 300); };
  // a change of the inputs makes an earlier refusal of Start out of date; device lists that
  // come again (every 2 s) leave what was said alone (a "Give the setup a name first"
  // vanished under a refresh of the lists)
  const rows = new InputRows((specs, how = {}) => { if (!how.byDevices) err.textContent = ''; rearm(); });
  const armed = armedMeters({ box: meterBox, options, alive, rows });
  const devices = watchDevices({ rows, box: deviceNotes, alive, query: () => {
    const q = new URLSearchParams();
    if (opt.jack_server.value) q.set('jack_server', opt.jack_server.value);
    if (options().midi_api) q.set('midi_api', options().midi_api);
    return q;
  } });
  function fill(name) {
    const s = setups[name];
    if (!s) return;
    for (const k of Object.keys(opt)) { opt[k].value = (s.options || {})[k] || ''; checkOption(k); }
    rows.set(s.players, s.percussion || []);
    saveName.value = name;
    deleteBtn.hidden = false;
    err.textContent = '';
    devices.now(); rearm();
  }
  rows.set(['client=midi:']);
  // the two minutes before a session: the last recording's setup (or its inputs), or the only
  // saved setup, is there already
  const last = lastUsed();
  if (last && last.setup && setups[last.setup]) {
    setupSel.value = last.setup; fill(last.setup); setupNote.textContent = 'the setup of the last recording';
  } else if (last && Array.isArray(last.players) && last.players.length) {
    for (const k of Object.keys(opt)) { opt[k].value = (last.options || {})[k] || ''; checkOption(k); }
    rows.set(last.players, last.percussion || []); setupNote.textContent = 'the inputs of the last recording';
  } else if (Object.keys(setups).length === 1) {
    const only = Object.keys(setups)[0];
    setupSel.value = only; fill(only); setupNote.textContent = 'the only saved setup';
  }

  // a recording started in another window or tab: this page says so and leads there
  let formTimer = 0;
  const elsewhere = (r) => { clearTimeout(armTimer); armed.stop(); devices.stop(); setBadge(true); main.replaceChildren(...runningNotice(main, r)); };
  async function watchElsewhere() {
    if (!alive() || starting) return;
    try {
      const r = await api('/api/recording');
      if (r.active && !starting && alive()) { elsewhere(r); return; }
    } catch (e) { /* the next look */ }
    formTimer = setTimeout(watchElsewhere, FORM_POLL_MS);
  }
  formTimer = setTimeout(watchElsewhere, FORM_POLL_MS);

  const startBtn = h('button', { type: 'submit', class: 'primary big' }, 'Start recording');
  const form = h('form', { class: 'record-setup', novalidate: true, onsubmit: async (e) => {
    e.preventDefault(); err.textContent = ''; askBox.hidden = true;
    // every input is recorded or refused by name: none is left out without a word
    const review = rows.review();
    const unset = review.filter((x) => x.problem);
    if (unset.length) {
      rows.strict = true; rows.mark();
      // with no input on the computer at all, that is what to say, not each row's want of one
      const none = !rows.devices.midi.some((p) => p.direction === 'input') && !rows.devices.audio.length;
      err.textContent = none ? 'No MIDI or audio input is available: connect one (the messages above say why none is found).'
        : `Not started: ${unset.map((x) => x.problem.text).join(' ')}`;
      const first = unset[0].row;
      (first.el.querySelector('[aria-invalid=true]') || first.source).focus();
      return;
    }
    const bad = Object.keys(opt).map(checkOption).find(Boolean) || client.check() || therapist.check() || (review.length ? ''
      : 'Add an input: there is nothing to record.');
    if (bad) { err.textContent = bad; return; }
    const names = [client.nameLike() && `client code "${client.nameLike()}"`,
      therapist.nameLike() && `therapist code "${therapist.nameLike()}"`,
      ...review.filter((x) => looksLikeName(x.player) && !['client', 'therapist', 'cotherapist', 'group'].includes(x.player.toLowerCase())).map((x) => `player name "${x.player}" (Input ${x.n})`)].filter(Boolean);
    const listed = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', the ')} and the ${names[names.length - 1]}`;
    if (names.length && !(await ask(`The ${listed} ${names.length === 1 ? 'looks like a name' : 'look like names'}. Codes and player names must not identify the person: use ${names.length === 1 ? 'it' : 'them'} anyway?`,
      'Use it anyway', 'Change it'))) { (client.nameLike() ? client.input : therapist.input).focus(); return; }
    const silent = armed.silent();
    if (silent.length && !(await ask(`${silent.map((x) => `${x.player} on ${x.label}`).join(', ')} ${silent.length === 1 ? 'has' : 'have'} been silent during the whole input check: nothing was heard. Start anyway?`,
      'Start anyway', 'Not yet: check the inputs'))) return;
    startBtn.disabled = true;
    starting = true; clearTimeout(armTimer); clearTimeout(formTimer); armed.stop();
    try {
      await api('/api/recording', { method: 'POST', body: {
        client: client.value(), new_client: client.isNew(), title: title.value.trim() || null,
        therapist: therapist.value(), players: rows.specs(), percussion: rows.kits(), options: options(),
        // answered "Use it anyway": the server refuses a new code that reads like a name without it
        not_a_name: names.length > 0 } });
      setBadge(true); say('Recording');
      try {
        const s = setups[setupSel.value];
        const players = rows.specs();
        const percussion = rows.kits();
        const same = s && JSON.stringify([s.players, s.percussion || []]) === JSON.stringify([players, percussion]);
        localStorage.setItem(LAST_KEY, JSON.stringify({ setup: same ? setupSel.value : '', players, percussion, options: options() }));
      } catch (e) { /* a browser that keeps nothing: the page starts empty next time */ }
      devices.stop();
      main.replaceChildren(h('h1', {}, 'Record'), liveBox);
      live(main, liveBox);
      return;
    } catch (ex) {
      if (ex.status === 409 && /recording is running/.test(ex.message)) {
        const r = await api('/api/recording').catch(() => null);
        if (r && r.active) { elsewhere(r); return; }
      }
      err.textContent = ex.message; starting = false; rearm(true, true); formTimer = setTimeout(watchElsewhere, FORM_POLL_MS);
    }
    startBtn.disabled = false;
  } },
  h('fieldset', {}, h('legend', {}, 'Setup'),
    h('div', { class: 'grid' },
      h('label', { for: 'rec-setup' }, 'Saved setup'), h('span', { class: 'row' }, setupSel, deleteBtn, setupNote),
      // what the device lists lack, said beside the inputs it concerns
      h('span', {}, 'Inputs'), h('div', {}, rows.el, deviceNotes),
      h('label', { for: 'rec-client' }, 'Client'), client.el,
      h('label', { for: 'rec-title' }, 'Title'), title,
      h('label', { for: 'rec-therapist' }, 'Therapist code'), therapist.el),
    h('details', {}, h('summary', {}, 'Device options'),
      h('div', { class: 'grid' }, Object.entries(opt).map(([k, el]) => [h('label', { for: `rec-${k}` }, el.label), h('span', { class: 'row' }, el, el.said)]))),
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
        if (!rows.kept().length) { err.textContent = 'Choose at least one input'; return; }
        const badOption = Object.keys(opt).map(checkOption).find(Boolean);
        if (badOption) { err.textContent = badOption; return; }
        const body = { players: rows.kept(), percussion: rows.kits({ kept: true }), options: options() };
        const old = setups[name];
        if (old && JSON.stringify([old.players, old.percussion || [], old.options || {}]) !== JSON.stringify([body.players, body.percussion, Object.fromEntries(Object.entries(body.options).filter(([, v]) => v))])
          && !(await askSetup(`Replace the saved setup "${name}" (${old.players.length} input${old.players.length === 1 ? '' : 's'}) with these inputs?`, 'Replace it', 'Keep the old one'))) { saveName.focus(); return; }
        try {
          await api(`/api/setups/${encodeURIComponent(name)}`, { method: 'PUT', body });
          if (!setups[name]) setupSel.append(h('option', { value: name }, name));
          setups[name] = body;
          setupSel.value = name; deleteBtn.hidden = false; setupNote.textContent = '';
          say(`Setup ${name} saved`);
        } catch (ex) { err.textContent = ex.message; }
      } }, 'Save setup')), setupAskBox),
  meterBox, err, askBox, startBtn);
  main.replaceChildren(h('h1', {}, 'Record'), form);
  devices.now();
}

const fmtBytes = (b) => (b >= 1e9 ? `${(b / 1e9).toFixed(1)} GB` : `${Math.round(b / 1e6)} MB`);
const fmtLeft = (s) => (s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min` : `${Math.round(s / 60)} min`);

function live(main, liveBox) {
  const heading = h('h2', { id: 'live-h', tabindex: '-1' }, 'Recording');
  // a timer, never a live region: a screen reader does not say every second (an <output>
  // is a polite status region); what changes is said once in `news`
  const elapsed = h('span', { class: 'elapsed', role: 'timer', 'aria-live': 'off', 'aria-label': 'Elapsed time' }, '0:00');
  const inputsBox = h('div', { class: 'meters' });
  // the health line changes with the seconds ("no sound for 31 s"): not live either; a
  // change between healthy and not is said in `news`
  const healthLine = h('p', { class: 'health' });
  // said when improv stops answering: the recording may have stopped (improv closed, its
  // terminal closed, the computer asleep); the clock no longer counts
  const lostBox = h('div', { class: 'panel lost-contact', role: 'alert', hidden: true });
  const clockNote = h('span', { class: 'clock-note muted', hidden: true }, 'the clock has stopped: improv cannot be reached');
  // one polite region for what a screen reader should hear while recording: started, a
  // warning that is new (an input unplugged or plugged in again, low disk), the health
  // turning bad or good again, stopped
  const news = h('p', { class: 'sr-only rec-news', role: 'status', 'aria-live': 'polite' });
  // what a poll has to say goes out at once, at its end (a later text would replace an earlier)
  let told = [];
  const tell = (text) => { told.push(text); };
  const flush = () => { if (told.length) { news.textContent = told.join(' '); told = []; } };
  const details = h('ul', {});
  const disk = h('p', { class: 'disk muted' });
  const warn = h('ul', { class: 'warnings' });
  const markList = h('ol', { class: 'marks' });
  const noteIn = h('input', { id: 'rec-note', size: '40', placeholder: 'what happens now? Enter saves', autocomplete: 'off' });
  let noteT = null;
  let lastElapsed = 0;
  noteIn.addEventListener('input', () => { if (noteT == null && noteIn.value) noteT = lastElapsed; if (!noteIn.value) noteT = null; });
  // a note that could not be saved stays in the box, and this says so beside it
  const noteUnsaved = h('p', { class: 'error note-unsaved', role: 'alert', hidden: true });
  const markerBtn = h('button', { type: 'button', class: 'big', 'aria-keyshortcuts': 'm', title: 'Key: m', onclick: () => mark() }, 'Marker (m)');
  const stopBtn = h('button', { type: 'button', class: 'danger big', onclick: () => askStop() }, 'Stop');
  const confirmText = h('span', {});
  const keepBtn = h('button', { type: 'button', onclick: () => keep() }, 'Keep recording');
  const yesBtn = h('button', { type: 'button', class: 'danger', onclick: () => stop() }, 'Yes, stop and save');
  // "Keep recording" first and focused: two stray key presses on Stop do not end the recording
  const confirmBox = h('div', { class: 'row confirm', role: 'alertdialog', 'aria-label': 'Stop the recording?', hidden: true },
    confirmText, keepBtn, yesBtn);
  const markers = h('span', { class: 'muted mark-count' });
  // the note being typed, and edits of marker texts not sent yet: saved before the stop
  const pending = new Set();
  // (the failure goes to the caller of p, not also to a promise nobody waits for)
  const track = (p) => { pending.add(p); p.finally(() => pending.delete(p)).catch(() => {}); return p; };
  const mark = guard(async () => {
    let r;
    try { r = await track(api('/api/recording/marker', { method: 'POST', body: { kind: 'marker' } })); } catch (e) {
      throw unreachable(e) ? new Error('Marker not placed: improv cannot be reached, so the recording may have stopped.') : e;
    }
    say(`Marker at ${fmtTime(r.t)}`);
  });
  async function saveNote() {
    const text = noteIn.value.trim();
    if (!text) return;
    let r;
    try { r = await track(api('/api/recording/marker', { method: 'POST', body: { kind: 'note', text, t: noteT } })); } catch (e) {
      const why = unreachable(e) ? 'improv cannot be reached, so the recording may have stopped' : e.message;
      noteUnsaved.textContent = `Your note was not saved: ${why}. It stays in the box above: copy it into the session's notes later if it cannot be saved here.`;
      noteUnsaved.hidden = false;
      throw new Error(`Note not saved: ${why}.`);
    }
    noteUnsaved.hidden = true;
    if (noteIn.value.trim() === text) { noteIn.value = ''; noteT = null; }
    say(`Note at ${fmtTime(r.t)} saved`);
  }
  function keep() { confirmBox.hidden = true; stopBtn.focus(); }
  function askStop() {
    const note = noteIn.value.trim();
    confirmText.textContent = note
      ? `Stop the recording? Your note "${note.length > 40 ? `${note.slice(0, 40)}…` : note}" is saved with it.`
      : 'Stop the recording?';
    confirmBox.hidden = false;
    keepBtn.focus();
  }
  confirmBox.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.preventDefault(); keep(); } });
  const noteForm = h('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); guard(saveNote)(); } },
    h('label', { for: 'rec-note' }, 'Note at this moment'), noteIn, h('button', { type: 'submit' }, 'Add note'));
  const measures = livePanel();
  liveBox.replaceChildren(heading, news, lostBox, h('div', { class: 'live-top' }, elapsed, clockNote, healthLine),
    h('details', { class: 'health-details' }, h('summary', {}, 'Details'), details), inputsBox,
    h('div', { class: 'row' }, markerBtn, stopBtn, markers), confirmBox, noteForm, noteUnsaved, warn,
    // the measures beside the markers: a new marker does not push them down the page
    h('div', { class: 'live-cols' }, measures, h('div', { class: 'marks-box' }, h('h3', {}, 'Markers and notes'), markList)), disk);
  // the focus on the heading, not on Stop: Space or Enter pressed out of habit does nothing
  heading.focus();
  const keys = (e) => {
    if (!document.body.contains(markerBtn)) { document.removeEventListener('keydown', keys); return; }
    if ((e.key === 'm' || e.key === 'M') && !e.ctrlKey && !e.metaKey && !e.altKey && !['input', 'textarea', 'select'].includes((e.target.tagName || '').toLowerCase())) { e.preventDefault(); mark(); }
  };
  document.addEventListener('keydown', keys);
  const holder = new Holder();
  const seen = new Map();  // MIDI input -> [events, time they last changed]
  const shownMarks = new Map();
  let timer = 0;
  let named = false;
  let saidWarnings = null;  // the warnings shown (their text), null before the first poll
  let wasHealthy = null;
  function drawMarks(marks) {
    for (const m of marks) {
      if (shownMarks.has(m.id)) continue;
      let saved = m.text;
      let sending = null;  // [text, promise] of the change under way
      const text = h('input', { size: '30', value: m.text, placeholder: 'what happened?', 'aria-label': `Text of the ${m.kind} at ${fmtTime(m.t)}` });
      text.save = () => {
        const want = text.value;
        if (sending && sending[0] === want) return sending[1];
        if (want === saved) return Promise.resolve();
        const p = track(api(`/api/recording/marker/${encodeURIComponent(m.id)}`, { method: 'PATCH', body: { text: want } })).then(() => {
          saved = want;
          say(`${m.kind === 'note' ? 'Note' : 'Marker'} at ${fmtTime(m.t)} changed`);
        }).finally(() => { if (sending && sending[1] === p) sending = null; });
        sending = [want, p];
        return p;
      };
      text.addEventListener('change', guard(() => text.save()));
      const li = h('li', { dataset: { id: m.id } }, h('span', { class: 'when' }, fmtTime(m.t)), ' ', m.kind === 'note' ? 'note' : 'marker', ' ', text);
      li.text = text;
      shownMarks.set(m.id, li);
      markList.append(li);
    }
  }
  function inputRow(p, i, label) {
    if (i.kind === 'audio') {
      // not connected: an empty meter that says why, not its last level (review rev-pulse:
      // it stood at "−6.1 dBFS, loud" for as long as the input was gone)
      const off = i.connected ? null : i.sound_system ? `no signal: the sound system (${i.sound_system}) stopped` : 'no signal: unplugged';
      return levelMeter(`${p} ${label}`, { ...holder.update(`${p}/${label}`, off ? null : i.peak_dbfs, i.clipped_blocks), off });
    }
    const key = `${p}/${i.name}`;
    const [n0, at] = seen.get(key) || [0, 0];
    if (i.events !== n0) seen.set(key, [i.events, performance.now()]);
    return activityLight(`${p} ${label}`, { active: i.events !== n0 || performance.now() - at < 500, lastNote: i.last_note, events: i.events });
  }
  // one input of the recording: its player, its source as the input check named it, its
  // meter; an unplugged input and one silent since the start say so beside the player
  function meterRow(p, i) {
    const label = inputLabel({ kind: i.kind, device: i.device || i.name, label: i.label, channel: (i.channels || [1]).join(',') });
    const notice = !i.connected
      ? h('span', { class: 'input-notice error' }, i.sound_system
        ? `${label}: the computer's sound system (${i.sound_system}) stopped. Start it again (or log out and in); the recording goes on and picks it up.`
        : `${label} unplugged: plug it in again, the recording goes on and picks it up.`)
      : i.silent_since_start ? h('span', { class: 'input-notice error' }, i.kind === 'audio'
        ? `No sound from ${p} since the start: check the microphone, its cable and its channel.`
        : `No note from ${p} since the start: check that the instrument is on and connected.`) : '';
    return h('div', { class: `meter-row${i.connected ? '' : ' lost'}`, dataset: { player: p, kind: i.kind } },
      h('span', { class: 'who' }, p), h('span', { class: 'src', title: i.device || i.name }, label), inputRow(p, i, label), notice);
  }
  // when the poll waiting for improv's answer was sent, and when the polls began to fail
  // (performance.now(); null: none waiting, none failing).  Not the time since the last
  // answer: a tab in the background is woken once a minute by the browser, and must not take
  // its own sleep for improv's silence
  let askedAt = null;
  let failingSince = null;
  let lostAt = null;  // the elapsed time [s] last heard when improv stopped answering, or null
  let sessionId = null;  // the recording's session, from its status
  // improv stopped answering: said in the health line and a banner (what is kept, what to
  // do); the clock is shown stopped; the badge no longer says "recording"
  function lose() {
    lostAt = lastElapsed;
    setBadge(false);
    elapsed.classList.add('stopped');
    elapsed.style.opacity = '0.45';
    elapsed.setAttribute('aria-label', 'Elapsed time when improv last answered');
    clockNote.hidden = false;
    const since = fmtTime(lostAt, 0);
    healthLine.textContent = `Recording: improv cannot be reached since ${since}: the recording may have stopped.`;
    healthLine.classList.add('error');
    details.replaceChildren(h('li', {}, `improv has not answered since ${since}: it was closed, its terminal window was closed, or the computer is busy or asleep.`));
    lostBox.replaceChildren(
      h('p', {}, h('strong', {}, 'improv cannot be reached: the recording may have stopped.'), ` Nothing has come from improv since ${since} of the recording.`),
      h('p', {}, `What was recorded until then is kept in the store${sessionId ? ` (session ${sessionId})` : ''}. `
        + 'If improv was closed, start it again (in a terminal: improv serve) and open the address it prints: the recording is under Sessions, saved up to the moment improv stopped. '
        + 'To go on recording, record again from there.'),
      h('p', {}, 'Markers and notes cannot be saved now: a note typed here stays on this page.'));
    lostBox.hidden = false;
    tell(`improv cannot be reached since ${since}: the recording may have stopped.`);
    flush();
  }
  // improv answers again (it was busy): the recording goes on being shown
  function found() {
    lostAt = null;
    elapsed.classList.remove('stopped');
    elapsed.style.opacity = '';
    elapsed.setAttribute('aria-label', 'Elapsed time');
    clockNote.hidden = true;
    lostBox.hidden = true; lostBox.replaceChildren();
    wasHealthy = null;
    tell('improv answers again.');
  }
  let finished = false;  // the recording's end is shown: nothing more is asked
  const watch = setInterval(() => {
    if (!document.body.contains(liveBox) || finished) { clearInterval(watch); return; }
    const now = performance.now();
    if (lostAt === null && ((askedAt !== null && now - askedAt > LOST_MS)
      || (failingSince !== null && now - failingSince > LOST_MS))) lose();
  }, 500);
  async function poll() {
    if (!document.body.contains(liveBox) || finished) return;
    let r;
    askedAt = performance.now();
    try { r = await api('/api/recording'); } catch (e) {
      askedAt = null;
      if (failingSince === null) failingSince = performance.now();
      timer = setTimeout(poll, 1000); return;
    }
    askedAt = null; failingSince = null;
    if (finished) return;
    const wasLost = lostAt !== null;
    if (wasLost && r.active) found();
    setBadge(r.active);
    if (!r.active) { done(r, { wasLost }); return; }
    if (r.session) sessionId = r.session;
    if (!named) {
      named = true;
      const who = whose(r);
      heading.textContent = who ? `Recording ${who}` : 'Recording';
      document.title = `Recording ${r.client || ''} · improv`;
      tell(who ? `Recording started: ${who}` : 'Recording started');
    }
    lastElapsed = r.elapsed_s;
    elapsed.textContent = fmtTime(r.elapsed_s, 0);
    markers.textContent = `${counted(r.markers, 'marker or note', 'markers and notes')} so far`;
    inputsBox.replaceChildren(...Object.entries(r.players).flatMap(([p, v]) => v.inputs.map((i) => meterRow(p, i))));
    healthLine.textContent = `Recording: ${r.health.line}`;
    healthLine.classList.toggle('error', !r.health.healthy);
    if (wasHealthy !== null && wasHealthy !== r.health.healthy) tell(`Recording: ${r.health.line}`);
    wasHealthy = r.health.healthy;
    // never "every input is arriving complete" under a health line that says otherwise
    details.replaceChildren(...(r.health.details.length ? r.health.details
      : [r.health.healthy ? 'Every input is arriving complete.' : r.health.line]).map((d) => h('li', {}, d)));
    const d = r.disk;
    disk.textContent = d.free_bytes == null ? '' : `Free disk space: ${fmtBytes(d.free_bytes)}${d.time_left_s == null ? '' : `, enough for about ${fmtLeft(d.time_left_s)} more at this rate`}`;
    drawMarks(r.marks);
    // drawn again only when they change; each new one is said once
    if (saidWarnings === null || r.warnings.join('\n') !== saidWarnings.join('\n')) {
      const fresh = r.warnings.filter((w) => !(saidWarnings || []).includes(w));
      if (fresh.length) tell(fresh.join(' '));
      saidWarnings = [...r.warnings];
      warn.replaceChildren(...r.warnings.map((w) => h('li', { class: 'error' }, w)));
    }
    // a player whose every input is unplugged is not "stopped playing"
    const unplugged = Object.entries(r.players).filter(([, v]) => v.inputs.length && v.inputs.every((i) => !i.connected)).map(([p]) => p);
    measures.update(r.live, { elapsed: r.elapsed_s, unplugged });
    flush();
    timer = setTimeout(poll, 300);
  }
  async function stop() {
    stopBtn.disabled = true; yesBtn.disabled = true; keepBtn.disabled = true; say('Stopping and saving…');
    clearTimeout(timer);
    try {
      // what is on the screen goes with the recording: the note typed (at the time typing
      // began, as Enter saves it) and marker texts changed but not sent yet
      await saveNote();
      await Promise.all([...shownMarks.values()].map((li) => li.text.save()));
      await Promise.all([...pending]);
    } catch (e) {
      say(`Not stopped: your note or marker text could not be saved (${e.message}). Stop again to try once more.`, { error: true });
      stopBtn.disabled = false; yesBtn.disabled = false; keepBtn.disabled = false; poll(); return;
    }
    try { done(await api('/api/recording/stop', { method: 'POST' })); } catch (e) {
      say(unreachable(e) ? 'Not stopped from here: improv cannot be reached, so the recording may have stopped already.' : e.message, { error: true });
      stopBtn.disabled = false; yesBtn.disabled = false; keepBtn.disabled = false; poll();
    }
  }
  function done(r, { wasLost = false } = {}) {
    finished = true;
    clearInterval(watch);
    document.removeEventListener('keydown', keys);
    setBadge(false);
    const res = r.result;
    // a recording that ended by itself (not by this page's Stop) cannot take a note any more:
    // the text stays in front of the therapist
    const lost = noteIn.value.trim();
    const lostNote = lost ? h('p', { class: 'error' }, `Your note was not saved with the recording: "${lost}". Add it to the session's notes.`) : '';
    const another = h('button', { type: 'button', onclick: () => recordPage(main) }, 'Record another');
    if (!res && !r.error && sessionId) {
      // this improv never recorded: the one that did was closed (and maybe started again)
      const at = fmtTime(wasLost ? lostAt : lastElapsed, 0);
      tell(`The recording stopped when improv was closed, at about ${at}.`);
      flush();
      liveBox.replaceChildren(h('h2', { id: 'live-h' }, 'Recording stopped'), news,
        h('div', { class: 'panel stopped-by-itself', role: 'alert' },
          h('p', {}, h('strong', {}, `The recording stopped when improv was closed, at about ${at}.`)),
          h('p', {}, 'What was recorded until then is kept: ', h('a', { href: `#/session/${sessionId}`, class: 'open-session' }, 'Open the session'))),
        lostNote, another);
      say('The recording stopped when improv was closed', { error: true });
      return;
    }
    // ended by itself for a reason out of the ordinary (the audio system stopped, the disk
    // full): said here and kept on the screen, not replaced by the session page at once
    const unusual = res && !res.usual_stop;
    tell(res ? (unusual ? `The recording stopped because ${res.stop_reason_text}` : 'Recording stopped and saved') : 'The recording ended without a session');
    flush();
    const kept = res ? `Kept in the store: session ${res.id}, ${fmtTime(res.duration_s)} long, ${counted(res.midi_events, 'MIDI event')}.` : '';
    const open = res ? h('a', { href: `#/session/${res.id}`, class: 'open-session' }, 'Open the session') : '';
    liveBox.replaceChildren(h('h2', { id: 'live-h' }, unusual ? 'Recording stopped' : 'Recording finished'), news,
      !res ? h('p', { class: 'error' }, r.error || 'The recording ended without a session.')
        : unusual ? h('div', { class: 'panel stopped-by-itself', role: 'alert' },
          h('p', {}, h('strong', {}, `The recording stopped because ${res.stop_reason_text}.`)),
          (res.warnings || []).length ? h('ul', {}, res.warnings.map((w) => h('li', {}, w))) : '',
          h('p', {}, kept), open)
          : h('p', {}, `Session ${res.id}: ${fmtTime(res.duration_s)}, ${counted(res.midi_events, 'MIDI event')}. `, open),
      lostNote, another);
    if (unusual) {
      say(`The recording stopped because ${res.stop_reason_text}`, { error: true });
      sayNext(`The recording stopped because ${res.stop_reason_text}. ${kept}${lost ? ` Your note was not saved with it: "${lost}". Add it to the notes.` : ''}`);
      return;
    }
    say(res ? 'Recording saved' : 'Recording failed', { error: !res });
    if (res && lost) sayNext(`Your note was not saved with the recording: "${lost}". Add it to the notes.`);
    if (res) location.hash = `#/session/${res.id}`; // the session page opens; its analysis runs
  }
  poll();
}
