// The Record page before Start: inputs chosen from the devices there are (refreshed while the
// page is open), the client chosen from the existing clients, and the armed inputs' meters.
import { api, authHeaders, h } from './api.js';
import { activityLight, levelMeter } from './meters.js';

const DEVICE_POLL_MS = 2000;
const ARM_POLL_MS = 200;
const BUSY_RETRY_MS = 1500;  // a page refused the check (another window has it) asks again

// `player=midi:PORT` / `player=audio:DEVICE:CHANNELS` -> { player, kind, device, channel }
export function parseSpec(spec) {
  const m = /^\s*([^=]+)=\s*(midi|audio)\s*:(.*)$/i.exec(spec);
  if (!m) return null;
  const [, player, kind, rest] = m;
  if (kind.toLowerCase() === 'midi') return { player: player.trim(), kind: 'midi', device: rest.trim(), channel: '' };
  const c = /^(.*):\s*([\d,\s-]+)$/.exec(rest);
  return { player: player.trim(), kind: 'audio', device: (c ? c[1] : rest).trim(), channel: c ? c[2].trim() : '1' };
}

// a host API as the option names it: "JACK Audio Connection Kit" is JACK
const shortHostApi = (name) => (/^JACK Audio/.test(name) ? 'JACK' : name);

// A new player's name (sessions.manifest._PLAYER_RE): 1-32 letters A-Z, digits, '_' or '-'
const PLAYER_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
// the usual players, offered while typing (any other name is fine)
const PLAYER_CHOICES = ['client', 'therapist', 'cotherapist', 'group'];

// "1-3,5" -> "1,2,3,5": the channels as the server writes them (improv.capture.setups.parse_channels)
export function normChannels(text) {
  const out = [];
  for (const part of String(text || '1').split(',')) {
    const [a, b] = part.split('-').map((x) => Number(x.trim()));
    if (b == null || Number.isNaN(b)) out.push(a); else for (let c = a; c <= b; c++) out.push(c);
  }
  return out.join(',');
}

// An input as the page names it: a MIDI port by its label, an audio input's label with its
// channel (`label`: what improv.capture.device_labels calls the device; the raw name without one)
export function inputLabel({ kind, device, channel, label }) {
  if (!device) return '';
  const name = label || device;
  return kind === 'audio' ? `${name} ch ${normChannels(channel)}` : name;
}

// A choice of the inputs list: "MIDI: " before a MIDI port's label that does not say MIDI
// itself ("Digital Piano (MIDI)" needs none), "Audio: " before an audio device's
const sourceText = (kind, label) => (kind === 'audio' ? `Audio: ${label}` : /midi/i.test(label) ? label : `MIDI: ${label}`);

// The inputs table: one row per input (player, MIDI port or audio device, channel).  Every
// row is either complete (it is checked and recorded) or says why not, beside itself: an
// input is never left out without a word.
export class InputRows {
  constructor(onChange) {
    this.onChange = onChange;
    this.devices = { midi: [], audio: [], hidden: [] };
    this.labels = new Map();  // kind + raw name -> label, of every device listed so far
    this.listed = false;  // the device lists came at least once
    this.unreachable = new Set();  // 'midi' / 'audio' whose system cannot be reached
    this.strict = false;  // Start was refused: unfinished rows are marked too
    this.rows = [];
    this.body = h('div', { class: 'input-rows' });
    this.head = h('div', { class: 'input-head', 'aria-hidden': 'true' }, h('span', {}, ''), h('span', {}, 'Who plays'),
      h('span', {}, 'Instrument or microphone'), h('span', {}, 'Input socket'));
    this.socketHint = h('p', { class: 'muted small', hidden: true }, 'Channel 1 is input 1 on the audio interface (sound card), channel 2 input 2, and so on.');
    this.el = h('div', {}, this.head, this.body, this.socketHint,
      h('datalist', { id: 'rec-players' }, PLAYER_CHOICES.map((p) => h('option', { value: p }))),
      h('button', { type: 'button', onclick: () => { this.add({ player: this.rows.length ? 'therapist' : 'client' }); this.changed(); } }, 'Add an input'));
  }

  add({ player = '', kind = 'midi', device = '', channel = '1', kit = false } = {}) {
    const row = { player: h('input', { size: '10', value: player, placeholder: 'player', autocomplete: 'off', list: 'rec-players' }),
      source: h('select', {}), channel: h('select', {}), want: { kind, device, channel },
      kit: h('input', { type: 'checkbox' }),
      label: h('label', {}), msg: h('span', { class: 'row-problem', 'aria-live': 'polite' }) };
    // a drum kit on any MIDI channel (channel 10 is drums anyway): no key or pitch from its notes
    row.kit.checked = kit;
    row.kitLabel = h('label', { class: 'kit', title: 'A drum kit: its notes are drums on every MIDI channel, so no key or pitch is measured from them' }, row.kit, ' Drum kit');
    row.kit.addEventListener('change', () => this.changed());
    row.player.addEventListener('input', () => this.mark());
    row.player.addEventListener('change', () => this.changed());
    row.source.addEventListener('change', () => { const [k, d] = row.source.value.split('\u0000'); row.want = { kind: k, device: d, channel: row.channel.value || '1' }; this.fill(row); this.changed(); });
    row.channel.addEventListener('change', () => { row.want.channel = row.channel.value; this.changed(); });
    row.el = h('div', { class: 'input-row row' }, row.label, row.player, row.source, row.channel, row.kitLabel,
      h('button', { type: 'button', class: 'link', onclick: () => { this.rows = this.rows.filter((r) => r !== row); row.el.remove(); this.renumber(); this.changed(); } }, 'Remove'),
      row.msg);
    this.rows.push(row);
    this.body.append(row.el);
    this.renumber();
    this.fill(row);
  }

  // the rows are numbered as they stand (a removed row leaves no gap, no two rows share a name)
  renumber() {
    this.rows.forEach((r, i) => {
      const n = i + 1;
      r.n = n;
      r.el.dataset.n = String(n);
      r.label.textContent = `Input ${n}`;
      r.player.setAttribute('aria-label', `Player of input ${n}`);
      r.source.setAttribute('aria-label', `Input ${n}`);
      r.channel.setAttribute('aria-label', `Channel of input ${n}`);
      r.kit.setAttribute('aria-label', `Input ${n} is a drum kit`);
    });
  }

  // `kits`: the specs among `specs` that are drum kits (a setup's `percussion`)
  set(specs, kits = []) {
    this.rows = []; this.body.replaceChildren();
    for (const s of specs) { const p = parseSpec(s); if (p) this.add({ ...p, kit: kits.includes(s) }); }
    if (!this.rows.length) this.add({ player: 'client' });
    this.mark();
  }

  // the choices of one row from the device lists; a chosen input that is gone stays, marked
  fill(row) {
    const { kind, device, channel } = row.want;
    const key = (k, d) => `${k}\u0000${d}`;
    const opts = [h('option', { value: '' }, '(choose an input)')];
    const midi = this.devices.midi.filter((p) => p.direction === 'input');
    // the label on screen, the raw name (what a setup saves, what `improv devices` lists) on hover
    opts.push(h('optgroup', { label: 'MIDI ports' }, midi.map((p) => h('option', { value: key('midi', p.name), title: p.name }, sourceText('midi', p.label || p.name)))));
    opts.push(h('optgroup', { label: 'Audio devices' }, this.devices.audio.map((a) => h('option', { value: key('audio', a.name), title: a.name }, `${sourceText('audio', a.label || a.name)}, ${a.input_channels} channel${a.input_channels === 1 ? '' : 's'}, ${shortHostApi(a.hostapi)}`))));
    const hidden = kind === 'audio' && this.devices.hidden.find((a) => a.name === device);
    if (hidden) opts.push(h('option', { value: key(kind, device), title: device }, `${sourceText(kind, device)}, ${hidden.input_channels} channel${hidden.input_channels === 1 ? '' : 's'}, ${shortHostApi(hidden.hostapi)}`));
    else if (device && !this.found(row.want)) opts.push(h('option', { value: key(kind, device), title: device }, `${sourceText(kind, this.labelOf(kind, device))} (not found now)`));
    row.source.replaceChildren(...opts);
    row.source.value = device ? key(kind, device) : '';
    row.source.title = device || '';
    const dev = kind === 'audio' && [...this.devices.audio, ...this.devices.hidden].find((a) => a.name === device);
    const n = dev ? dev.input_channels : Math.max(1, ...String(channel || '1').split(/[,-]/).map(Number).filter(Boolean));
    // a door into the sound server: its source's channels in words (left, right)
    const names = (dev && dev.channel_names) || [];
    row.channel.replaceChildren(...Array.from({ length: n }, (_, i) => h('option', { value: String(i + 1) }, names[i] || `channel ${i + 1}`)),
      ...(/^\d+$/.test(channel) || !channel ? [] : [h('option', { value: channel }, `channels ${channel}`)]));
    row.channel.value = channel || '1';
    row.channel.hidden = kind !== 'audio' || !device;
    row.kitLabel.hidden = kind !== 'midi' || !device;
  }

  // a device left out of the list as the same inputs twice (ALSA's jack plug-in) is found too:
  // a setup that names it still records
  found({ kind, device }) {
    return kind === 'midi' ? this.devices.midi.some((p) => p.direction === 'input' && p.name === device)
      : [...this.devices.audio, ...this.devices.hidden].some((a) => a.name === device);
  }

  // the desktop's sound system (PulseAudio, PipeWire) when it has stopped and `device` is its
  // own (ALSA's pulse, default): nothing can be plugged in to bring it back.  Else null
  stoppedSystem(kind, device) {
    const ss = this.devices.sound_system;
    return kind === 'audio' && ss && ss.running === false && ss.devices.includes(device) ? ss.name : null;
  }

  // the label of a device by its raw name (one unplugged now: as it was labelled when listed)
  labelOf(kind, device) { return this.labels.get(`${kind}\u0000${device}`) || device; }

  setDevices(d) {
    const first = !this.listed;
    this.listed = true;
    // a kind whose system cannot be reached (the MIDI system not running): its rows wait
    // for the system, they are not "unplugged"
    const down = (x) => ['midi', 'audio'].filter((k) => (x.problems || []).some((p) => p.toLowerCase().startsWith(`${k}: `)));
    const sig = (x) => JSON.stringify([x.midi.map((p) => [p.name, p.label]), x.audio.map((a) => [a.name, a.label, a.input_channels, a.channel_names]), (x.hidden || []).map((a) => a.name), down(x), x.sound_system || null]);
    if (sig(d) === sig(this.devices) && !first) return false;
    this.devices = { midi: d.midi, audio: d.audio, hidden: d.hidden || [], problems: d.problems || [], sound_system: d.sound_system || null };
    this.unreachable = new Set(down(d));
    for (const [kind, list] of [['midi', d.midi], ['audio', d.audio]]) {
      for (const x of list) if (x.label) this.labels.set(`${kind}\u0000${x.name}`, x.label);
    }
    for (const r of this.rows) this.fill(r);
    this.mark();
    return true;
  }

  // Every row as it stands: { n, row, player, label, spec (null unless it can be checked and
  // recorded), problem: { text (a sentence naming the row), short (for the input check),
  // unfinished (nothing chosen yet), unplugged } }
  review() {
    const seen = new Map();  // MIDI port or audio channel -> the row that has it
    return this.rows.map((r) => {
      const { n } = r;
      const player = r.player.value.trim();
      const { kind, device } = r.want;
      const label = inputLabel({ ...r.want, label: device ? this.labelOf(kind, device) : '' });
      let problem = null;
      if (!player) {
        problem = { unfinished: true, short: 'not set up: no player name', text: `Input ${n} has no player name: type one (e.g. client) or remove the row.` };
      } else if (!PLAYER_RE.test(player)) {
        problem = { short: 'not set up: the player name', text: `Input ${n}: the player name "${player}" may hold only letters A–Z, digits, '_' or '-', with no spaces (e.g. client, drums-2).` };
      } else if (!device) {
        problem = { unfinished: true, short: 'not set up: no instrument or microphone chosen', text: `Input ${n} (${player}) has no instrument or microphone chosen: choose one or remove the row.` };
      } else if (this.listed && !this.found(r.want) && this.unreachable.has(kind)) {
        const system = kind === 'midi' ? 'MIDI system' : 'audio system';
        problem = { unplugged: true, short: `waiting for the computer's ${system} (see below)`, text: `Input ${n} (${player}): ${this.labelOf(kind, device)} cannot be reached while the computer's ${system} is not running (see below); nothing needs plugging in.` };
      } else if (this.listed && !this.found(r.want) && this.stoppedSystem(kind, device)) {
        const sys = `the computer's sound system (${this.stoppedSystem(kind, device)})`;
        problem = { unplugged: true, short: `waiting for ${sys} (see below)`, text: `Input ${n} (${player}): ${this.labelOf(kind, device)} cannot be reached: ${sys} stopped. Start it again (or log out and in): it is picked up within a few seconds; nothing needs plugging in.` };
      } else if (this.listed && !this.found(r.want)) {
        problem = { unplugged: true, short: 'unplugged: plug it in again (it is picked up by itself), or choose another', text: `Input ${n} (${player}): ${this.labelOf(kind, device)} is not connected: plug it in again (it is picked up within a few seconds), choose another or remove the row.` };
      } else {
        const keys = kind === 'midi' ? [`midi\u0000${device.toLowerCase()}`]
          : normChannels(r.want.channel).split(',').map((c) => `audio\u0000${device.toLowerCase()}\u0000${c}`);
        const other = keys.map((k) => seen.get(k)).find(Boolean);
        if (other) {
          problem = { short: `not set up: already Input ${other.n}`, text: `Input ${n}: ${label} is already Input ${other.n} (${other.player.value.trim()}): each instrument or channel belongs to one player. Choose another or remove the row.` };
        } else {
          for (const k of keys) seen.set(k, r);
        }
      }
      const whole = kind === 'midi' ? `${player}=midi:${device}` : `${player}=audio:${device}:${normChannels(r.want.channel)}`;
      // `kept`: what a saved setup keeps (a device unplugged now is still the room's)
      return { n, row: r, player, label, device, spec: problem ? null : whole, kept: !problem || problem.unplugged ? whole : null, problem };
    });
  }

  // what a channel is, for the audio devices of the rows: a sound card's input sockets, or
  // the channels of the microphone the desktop's sound server records (improv.capture.server_source)
  channelHint() {
    const devs = this.rows.filter((r) => r.want.kind === 'audio' && r.want.device)
      .map((r) => this.devices.audio.find((a) => a.name === r.want.device) || { name: r.want.device });
    const server = [...new Set(devs.filter((a) => a.sound_server).map((a) => a.label || a.name))];
    const texts = [];
    if (devs.some((a) => !a.sound_server)) texts.push('Channel 1 is input 1 on the audio interface (sound card), channel 2 input 2, and so on.');
    if (server.length) {
      const two = devs.some((a) => a.sound_server && a.input_channels === 2);
      texts.push(`${server.join(' and ')} ${server.length > 1 ? 'record' : 'records'} the microphone chosen in the computer's sound settings: choose or change the microphone there.${two ? ' Left and right are its two channels.' : ''}`);
    }
    return texts.join(' ');
  }

  // the rows' problems beside them (an unfinished row only after a refused Start)
  mark() {
    this.socketHint.textContent = this.channelHint();
    this.socketHint.hidden = !this.socketHint.textContent;
    for (const x of this.review()) {
      const shown = x.problem && (!x.problem.unfinished || this.strict);
      x.row.el.classList.toggle('problem', !!shown);
      x.row.msg.textContent = shown ? x.problem.text : '';
      for (const el of [x.row.player, x.row.source]) el.removeAttribute('aria-invalid');
      if (shown) (x.player && PLAYER_RE.test(x.player) ? x.row.source : x.row.player).setAttribute('aria-invalid', 'true');
    }
  }

  // the specs of the complete rows: what is checked, and what Start records
  specs() { return this.review().filter((x) => x.spec).map((x) => x.spec); }

  // the specs a saved setup keeps: the complete rows, unplugged devices too
  kept() { return this.review().filter((x) => x.kept).map((x) => x.kept); }

  // the drum kits among specs() (started) or kept() (saved): MIDI rows with Drum kit ticked
  kits({ kept = false } = {}) {
    return this.review().filter((x) => x.row.want.kind === 'midi' && x.row.kit.checked)
      .map((x) => (kept ? x.kept : x.spec)).filter(Boolean);
  }

  // how: { byDevices: true } when new device lists changed the rows' choices, not the person
  changed(how = {}) { this.mark(); this.onChange(this.specs(), how); }
}

// What the device lists lack, in sentences for the person at the computer; the reason the
// libraries gave (`problems`, "MIDI: ..." / "audio: ...") folded under "Details".
const NO_DEVICES = {
  MIDI: ['No MIDI keyboard or instrument found. Connect one: it appears here within a few seconds.',
    'MIDI instruments cannot be reached: the computer\'s MIDI system (JACK or the ALSA sequencer) is not running. Ask whoever set up this computer to start it, or choose another MIDI system under "Device options" below.'],
  audio: ['No microphone or audio input found. Connect one: it appears here within a few seconds.',
    'Audio inputs cannot be reached: the computer\'s audio system did not answer.'],
};

// a problem whose way out is to start improv again: its own words are the note (they are
// plain), not hidden under "Details" (improv.capture.devices.NEEDS_RESTART)
const NEEDS_RESTART = 'until improv is restarted';

export function deviceNotes(d) {
  const notes = [];
  // the desktop's sound system stopped: its inputs are gone, and no cable brings them back
  const ss = d.sound_system;
  const stopped = ss && ss.running === false;
  for (const [kind, found] of [['MIDI', d.midi.filter((p) => p.direction === 'input')], ['audio', d.audio]]) {
    const reasons = d.problems.filter((p) => p.startsWith(`${kind}: `)).map((p) => p.slice(kind.length + 2));
    const restart = reasons.find((r) => r.includes(NEEDS_RESTART));
    if (kind === 'audio' && stopped) {
      notes.push(h('p', { class: 'device-problem' }, `The computer's sound system (${ss.name}) stopped: its inputs (${ss.devices.join(', ')}) cannot be reached. Start it again (or log out and in): they appear here within a few seconds.`));
    }
    if (restart) {
      notes.push(h('p', { class: 'device-problem' }, restart));
    } else if (reasons.length) {
      notes.push(h('p', { class: 'device-problem' }, NO_DEVICES[kind][1], ' ',
        h('details', { class: 'inline-details' }, h('summary', {}, 'Details'), reasons.join('; '))));
    } else if (!found.length && !(kind === 'audio' && stopped)) {
      notes.push(h('p', { class: 'muted' }, NO_DEVICES[kind][0]));
    }
  }
  return notes;
}

// Device lists, polled from `now()` on while `alive()`; `query()` gives the JACK server and
// MIDI API
export function watchDevices({ rows, box, query, alive }) {
  let timer = 0;
  async function poll() {
    if (!alive()) return;
    let notes;
    try {
      const d = await api(`/api/devices?${query()}`);
      // a device that came or went changes what is checked (an input plugged in again is
      // checked again by itself)
      if (rows.setDevices(d)) rows.changed({ byDevices: true });
      notes = deviceNotes(d);
    } catch (e) { notes = [h('p', { class: 'error' }, e.message)]; }
    // drawn again only when they say something new: a "Details" the reader opened stays open
    const said = notes.map((n) => n.textContent).join('\n');
    if (box.dataset.said !== said) { box.replaceChildren(...notes); box.dataset.said = said; }
    timer = setTimeout(poll, DEVICE_POLL_MS);
  }
  return { now: () => { clearTimeout(timer); poll(); }, stop: () => clearTimeout(timer) };
}

// A pseudonym code (sessions.manifest._CODE_RE): 1-32 letters A-Z, digits, '_', '.' or '-'
const CODE_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
// Common first names (German and English): a new code that is one of them is asked about
const FIRST_NAMES = new Set(('anna emma mia lena lea hanna hannah sophie sofia marie maria laura lisa sarah julia '
  + 'clara klara lina ella leni nina eva katharina johanna luisa louisa paula greta ida amelie jana sandra '
  + 'susanne petra sabine andrea claudia monika ute birgit karin heike kerstin olivia emily jessica kate '
  + 'ben paul leon lukas luca finn jonas elias noah felix max maximilian tim tom jan niklas moritz david '
  + 'daniel michael thomas andreas stefan stephan peter hans klaus markus martin frank alexander sebastian '
  + 'tobias florian jakob jacob simon philipp julian oliver james john jack harry george william emil anton').split(' '));

// A code that reads like a person's name: no digit, and a common first name, or a word of 4
// or more letters written as a name is (Anna, AnnaMueller, MariaS).  C07, K12, DEMO do not.
export function looksLikeName(code) {
  const v = String(code || '').trim();
  if (!v || /\d/.test(v)) return false;
  if (v.split(/[\s_.-]+/).some((w) => FIRST_NAMES.has(w.toLowerCase()))) return true;
  return /^\p{Lu}\p{Ll}{2,}/u.test(v) && (v.match(/\p{L}/gu) || []).length >= 4;
}

// What is wrong with a code, in a sentence ('' when it is a good one)
export function codeProblem(code, { who = 'client', example = 'C07' } = {}) {
  const v = String(code || '').trim();
  if (!v || CODE_RE.test(v)) return '';
  const why = /\s/.test(v) ? 'a space' : /[^\x00-\x7f]/.test(v) ? 'a letter outside A–Z (such as ü or é)' : v.length > 32 ? 'more than 32 characters' : 'a character other than letters A–Z, digits, \'_\', \'.\' or \'-\'';
  return `The ${who} code "${v}" has ${why}: use a code such as ${example}, never the ${who}'s name.`;
}

// A code field's line beside it: the fixed rule, and what is wrong while typing
function codeHint(input, { who, example, isNew = () => true }) {
  const fixed = h('span', { class: 'code-rule' }, `A code, never the ${who}'s name (e.g. ${example})`);
  const said = h('span', { class: 'code-check', 'aria-live': 'polite' });
  const update = () => {
    const v = input.value.trim();
    const bad = codeProblem(v, { who, example });
    const name = !bad && isNew() && looksLikeName(v);
    said.textContent = bad || (name ? `"${v}" looks like a name: a ${who} code must not identify the person.` : '');
    said.classList.toggle('error', !!bad || name);
    if (bad) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
  };
  input.addEventListener('input', update);
  return { el: h('span', { class: 'code-hint' }, fixed, ' ', said), update };
}

// The therapist's code: a code field with its rule beside it.  `known()` gives the therapist
// codes the store has (k12 is K12): one of them is not asked about as a name, as the server
// refuses only a new code that reads like one.  Returns { el, input, value(), check(), nameLike() }
export function therapistField({ known = () => [] } = {}) {
  const input = h('input', { id: 'rec-therapist', size: '8', autocomplete: 'off', placeholder: 'e.g. T01' });
  const isKnown = () => known().some((c) => c.toLowerCase() === input.value.trim().toLowerCase());
  const hint = codeHint(input, { who: 'therapist', example: 'T01', isNew: () => !isKnown() });
  return { el: h('span', { class: 'row' }, input, hint.el), input, value: () => input.value.trim() || null,
    check: () => codeProblem(input.value, { who: 'therapist', example: 'T01' }),
    // a new code that reads like a name (asked about at Start)
    nameLike: () => (!isKnown() && looksLikeName(input.value) ? input.value.trim() : ''),
    update: hint.update };
}

// The client code: type-ahead over the existing clients (k12 finds K12); a new code only when
// "New client" is ticked.  Returns { el, value(), check(), isNew(), nameLike(), therapists }:
// therapists, the store's therapist codes (for therapistField's known).
export async function clientChooser() {
  const { clients, therapists = [] } = await api('/api/recording/clients');
  const input = h('input', { id: 'rec-client', size: '10', placeholder: 'e.g. C07', autocomplete: 'off', list: 'rec-clients' });
  const list = h('datalist', { id: 'rec-clients' }, clients.map((c) => h('option', { value: c })));
  const isNew = h('input', { type: 'checkbox', id: 'rec-new-client' });
  const newBox = h('span', { hidden: true }, isNew, h('label', { for: 'rec-new-client' }, 'New client (create this code)'));
  const hint = h('span', { class: 'muted', 'aria-live': 'polite' });
  const known = () => clients.find((c) => c.toLowerCase() === input.value.trim().toLowerCase());
  const rule = codeHint(input, { who: 'client', example: 'C07', isNew: () => !known() });
  const update = () => {
    const v = input.value.trim();
    const k = known();
    const partial = v && !k ? clients.filter((c) => c.toLowerCase().includes(v.toLowerCase())) : [];
    newBox.hidden = !v || !!k || !!codeProblem(v);
    hint.textContent = k ? `Client ${k}` : partial.length ? `Matches: ${partial.slice(0, 5).join(', ')}` : v && !codeProblem(v) ? 'No client with this code yet' : '';
  };
  input.addEventListener('input', update);
  input.addEventListener('change', () => { const k = known(); if (k) input.value = k; update(); rule.update(); });
  return {
    el: h('span', { class: 'row' }, input, list, hint, newBox, rule.el),
    input,
    value: () => known() || input.value.trim(),
    check: () => {
      if (!input.value.trim()) return 'Choose the client (a code such as C07).';
      if (known()) return '';
      const bad = codeProblem(input.value);
      if (bad) return bad;
      if (!isNew.checked) return `There is no client ${input.value.trim()} yet: choose one from the list, or tick "New client" to create the code.`;
      return '';
    },
    isNew: () => !known() && isNew.checked,
    // a new code that reads like a name (asked about at Start)
    nameLike: () => (!known() && looksLikeName(input.value) ? input.value.trim() : ''),
    therapists,
  };
}

const SILENT_AFTER_MS = 3000;  // an input checked this long with nothing heard is said to be silent
const HEARD_DBFS = -60;        // a level at or above this is a sound (the meters' floor)

// This page's input check id: the server keeps one check per page (a second window has its own)
function newCheckId() {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// The input check: the complete rows' inputs opened on the server (nothing recorded) and shown
// with meters; every other row listed as not set up, saying why.  The check is this page's
// own (its id); an input is checked in one window at a time, so when another window checks
// some of these inputs the page says so and offers to check them here instead (that window
// then says its check was taken over).  Returns { arm(force, takeOver), stop(), silent() }:
// silent() lists the inputs checked for a while with nothing heard at all.
export function armedMeters({ box, options, alive, rows }) {
  const check = newCheckId();
  box.dataset.check = check;
  const url = `/api/recording/arm?check=${check}`;
  let armedKey = null;        // the specs armed now (JSON), null: none asked for
  let failure = '';           // why the server refused the check
  let busy = '';              // another window checks some of these inputs (the server's words)
  let takenOver = false;      // another window took this page's inputs over
  let inputs = new Map();     // spec -> its status from the server
  const since = new Map();    // spec -> when it was first seen checked (performance.now())
  const heard = new Set();    // specs that gave a sound or a MIDI event
  const before = new Map();   // spec -> [MIDI events, last note] of earlier checks of the input
  let gen = 0;
  let timer = 0;
  const close = () => api(url, { method: 'DELETE' }).catch(() => {});
  // a window closed: its check is closed at once (else the server closes it after 3 s)
  const leave = () => { if (armedKey && armedKey !== '[]') fetch(url, { method: 'DELETE', keepalive: true, headers: authHeaders(), credentials: 'same-origin' }).catch(() => {}); };
  window.addEventListener('pagehide', leave);

  async function arm(force = false, takeOver = false) {
    const specs = rows.specs();
    const key = JSON.stringify(specs);
    if (!force && key === armedKey && !failure && !busy && !takenOver) { draw(); return; }
    const g = ++gen;
    clearTimeout(timer);
    // refused because another window checks these inputs: asked again now and then, quietly
    // (the page and its "Check here instead" stay as they are): a window closed without a
    // word (a browser quit or killed) gives its inputs up within
    // improv.web.recording.ARMED_IDLE_S, and this page then checks them by itself; a window
    // really open keeps them
    const askAgain = () => { timer = setTimeout(() => { if (g === gen && busy && alive()) retry(g, key, specs); }, BUSY_RETRY_MS); };
    // the counts of an input checked before stay (a change of another row restarts the check)
    for (const [spec, i] of inputs) {
      if (i.kind === 'midi') { const [n, last] = before.get(spec) || [0, null]; before.set(spec, [n + i.events, i.last_note || last]); }
    }
    const had = armedKey && armedKey !== '[]';
    inputs = new Map(); failure = ''; busy = ''; takenOver = false; armedKey = key;
    if (!specs.length) {
      if (had) await close();
      draw(); return;
    }
    draw();
    try {
      await api('/api/recording/arm', { method: 'POST', body: { check, players: specs, options: options(), take_over: takeOver } });
    } catch (e) {
      if (g === gen) {
        if (e.status === 409 && /^Another window or tab is checking /.test(e.message)) busy = e.message; else failure = e.message;
        draw();
        if (busy) askAgain();
      }
      return;
    }
    if (g === gen) poll(g);
  }

  // the quiet new try of a refused check (see arm): drawn only when it is taken
  async function retry(g, key, specs) {
    try {
      await api('/api/recording/arm', { method: 'POST', body: { check, players: specs, options: options(), take_over: false } });
    } catch (e) {
      if (g !== gen) return;
      if (e.status === 409 && /^Another window or tab is checking /.test(e.message)) {
        if (e.message !== busy) { busy = e.message; draw(); }
        timer = setTimeout(() => { if (g === gen && busy && alive()) retry(g, key, specs); }, BUSY_RETRY_MS);
      } else { busy = ''; failure = e.message; draw(); }
      return;
    }
    if (g !== gen || key !== armedKey) return;
    busy = '';
    draw();
    poll(g);
  }

  async function poll(g) {
    if (g !== gen) return;
    if (!alive()) { window.removeEventListener('pagehide', leave); close(); return; }
    let r;
    try { r = await api(url); } catch (e) { timer = setTimeout(() => poll(g), 1000); return; }
    if (g !== gen) return;
    if (!r.armed) {
      // another window took the inputs: said, and taken back only on request; closed for
      // another reason (e.g. not looked at for a while): opened again
      if (r.ended === 'taken_over') { takenOver = true; inputs = new Map(); draw(); } else arm(true);
      return;
    }
    const now = performance.now();
    for (const i of r.inputs) {
      inputs.set(i.spec, i);
      if (!since.has(i.spec)) since.set(i.spec, now);
      const prior = (before.get(i.spec) || [0])[0];
      if (i.kind === 'audio' ? Math.max(i.level_dbfs ?? -999, i.hold_dbfs ?? -999) >= HEARD_DBFS : i.events + prior > 0) heard.add(i.spec);
    }
    draw();
    timer = setTimeout(() => poll(g), ARM_POLL_MS);
  }

  const isSilent = (spec, now) => inputs.has(spec) && !heard.has(spec) && now - since.get(spec) >= SILENT_AFTER_MS;

  function draw() {
    if (!alive()) return;
    const now = performance.now();
    const lines = rows.review().map((x) => {
      const row = (cls, ...rest) => h('div', { class: `meter-row ${cls}`, dataset: { n: String(x.n), spec: x.spec || '', kind: x.row.want.kind } },
        h('span', { class: 'who' }, x.player || `Input ${x.n}`), h('span', { class: 'src', title: x.device || '' }, x.label || '–'), ...rest);
      if (x.problem) return row('not-set', h('span', { class: `state ${x.problem.unplugged ? 'error' : 'muted'}` }, x.problem.short));
      const i = inputs.get(x.spec);
      if (!i) return row('opening', h('span', { class: 'state muted' }, failure || busy || takenOver ? 'not checked' : 'opening…'));
      const [n0, last0] = before.get(x.spec) || [0, null];
      const meter = i.kind === 'audio' ? levelMeter(`${i.player} ${x.label}`, { dbfs: i.level_dbfs, holdDbfs: i.hold_dbfs, clip: i.clip })
        : activityLight(`${i.player} ${x.label}`, { active: i.last_event_ago_s != null && i.last_event_ago_s < 0.5, lastNote: i.last_note || last0, events: i.events + n0 });
      const silent = isSilent(x.spec, now) ? h('span', { class: 'silent error' }, i.kind === 'audio'
        ? `No sound from ${i.player} on ${x.label} yet: play or speak, or check the microphone and its channel.`
        : `No note from ${i.player} on ${x.label} yet: play a key, or check that the instrument is on and connected.`) : '';
      // the quietest of the last 20 s stayed loud: a fan, hum, a microphone's gain turned up
      // (improv.capture.monitor.ROOM_NOISE_DBFS), or someone playing all along
      const noisy = !silent && i.kind === 'audio' && i.noisy ? h('span', { class: 'noisy muted' },
        `The background noise on ${x.label} is high: it did not fall quiet in the last 20 seconds. If nobody was playing, soft playing may be counted as pauses; a quieter room, or the microphone closer to the instrument, helps.`) : '';
      return row(silent ? 'quiet' : 'ok', meter, silent, noisy);
    });
    const here = (label) => h('button', { type: 'button', class: 'take-check', onclick: () => arm(true, true) }, label);
    box.replaceChildren(h('h3', {}, 'Input check (nothing is recorded yet)'),
      failure ? h('p', { class: 'error' }, `The inputs could not be opened for the check: ${failure}`) : '',
      busy ? h('p', { class: 'error check-busy' }, `${busy}. `, here('Check here instead')) : '',
      takenOver ? h('p', { class: 'error check-taken' }, 'The input check was taken over by another window or tab. ', here('Check again here')) : '',
      ...lines);
  }

  return {
    arm,
    stop: () => { gen++; clearTimeout(timer); armedKey = null; window.removeEventListener('pagehide', leave); },
    silent: () => {
      const now = performance.now();
      return rows.review().filter((x) => x.spec && isSilent(x.spec, now)).map((x) => ({ player: x.player, label: x.label, kind: x.row.want.kind }));
    },
  };
}
