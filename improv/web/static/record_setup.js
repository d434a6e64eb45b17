// The Record page before Start: inputs chosen from the devices there are (refreshed while the
// page is open), the client chosen from the existing clients, and the armed inputs' meters.
import { api, h } from './api.js';
import { activityLight, levelMeter } from './meters.js';

const DEVICE_POLL_MS = 2000;
const ARM_POLL_MS = 200;

// `player=midi:PORT` / `player=audio:DEVICE:CHANNELS` -> { player, kind, device, channel }
export function parseSpec(spec) {
  const m = /^\s*([^=]+)=\s*(midi|audio)\s*:(.*)$/i.exec(spec);
  if (!m) return null;
  const [, player, kind, rest] = m;
  if (kind.toLowerCase() === 'midi') return { player: player.trim(), kind: 'midi', device: rest.trim(), channel: '' };
  const c = /^(.*):\s*([\d,\s-]+)$/.exec(rest);
  return { player: player.trim(), kind: 'audio', device: (c ? c[1] : rest).trim(), channel: c ? c[2].trim() : '1' };
}

// The inputs table: one row per input (player, MIDI port or audio device, channel)
export class InputRows {
  constructor(onChange) {
    this.onChange = onChange;
    this.devices = { midi: [], audio: [] };
    this.rows = [];
    this.body = h('div', { class: 'input-rows' });
    this.el = h('div', {}, this.body,
      h('button', { type: 'button', onclick: () => { this.add({ player: this.rows.length ? 'therapist' : 'client' }); this.changed(); } }, 'Add an input'));
  }

  add({ player = '', kind = 'midi', device = '', channel = '1' } = {}) {
    const n = this.rows.length + 1;
    const row = { player: h('input', { size: '10', value: player, 'aria-label': `Player of input ${n}`, placeholder: 'player', autocomplete: 'off' }),
      source: h('select', { 'aria-label': `Input ${n}` }), channel: h('select', { 'aria-label': `Channel of input ${n}` }), want: { kind, device, channel } };
    row.player.addEventListener('change', () => this.changed());
    row.source.addEventListener('change', () => { const [k, d] = row.source.value.split('\u0000'); row.want = { kind: k, device: d, channel: row.channel.value || '1' }; this.fill(row); this.changed(); });
    row.channel.addEventListener('change', () => { row.want.channel = row.channel.value; this.changed(); });
    row.el = h('div', { class: 'input-row row', dataset: { n: String(n) } }, h('label', {}, `Input ${n}`), row.player, row.source, row.channel,
      h('button', { type: 'button', class: 'link', onclick: () => { this.rows = this.rows.filter((r) => r !== row); row.el.remove(); this.changed(); } }, 'Remove'));
    this.rows.push(row);
    this.body.append(row.el);
    this.fill(row);
  }

  set(specs) {
    this.rows = []; this.body.replaceChildren();
    for (const s of specs.map(parseSpec).filter(Boolean)) this.add(s);
    if (!this.rows.length) this.add({ player: 'client' });
  }

  // the choices of one row from the device lists; a chosen input that is gone stays, marked
  fill(row) {
    const { kind, device, channel } = row.want;
    const key = (k, d) => `${k}\u0000${d}`;
    const opts = [h('option', { value: '' }, '(choose an input)')];
    const midi = this.devices.midi.filter((p) => p.direction === 'input');
    opts.push(h('optgroup', { label: 'MIDI ports' }, midi.map((p) => h('option', { value: key('midi', p.name) }, `MIDI: ${p.name}`))));
    opts.push(h('optgroup', { label: 'Audio devices' }, this.devices.audio.map((a) => h('option', { value: key('audio', a.name) }, `Audio: ${a.name} (${a.input_channels} channel${a.input_channels === 1 ? '' : 's'}, ${a.hostapi})`))));
    const found = device && (kind === 'midi' ? midi.some((p) => p.name === device) : this.devices.audio.some((a) => a.name === device));
    if (device && !found) opts.push(h('option', { value: key(kind, device) }, `${kind === 'midi' ? 'MIDI' : 'Audio'}: ${device} (not found now)`));
    row.source.replaceChildren(...opts);
    row.source.value = device ? key(kind, device) : '';
    const dev = kind === 'audio' && this.devices.audio.find((a) => a.name === device);
    const n = dev ? dev.input_channels : Math.max(1, ...String(channel || '1').split(/[,-]/).map(Number).filter(Boolean));
    row.channel.replaceChildren(...Array.from({ length: n }, (_, i) => h('option', { value: String(i + 1) }, `channel ${i + 1}`)),
      ...(/^\d+$/.test(channel) || !channel ? [] : [h('option', { value: channel }, `channels ${channel}`)]));
    row.channel.value = channel || '1';
    row.channel.hidden = kind !== 'audio' || !device;
  }

  setDevices(d) {
    const sig = (x) => JSON.stringify([x.midi.map((p) => p.name), x.audio.map((a) => [a.name, a.input_channels])]);
    if (sig(d) === sig(this.devices)) return false;
    this.devices = { midi: d.midi, audio: d.audio };
    for (const r of this.rows) this.fill(r);
    return true;
  }

  specs() {
    return this.rows.filter((r) => r.want.device && r.player.value.trim()).map((r) => (r.want.kind === 'midi'
      ? `${r.player.value.trim()}=midi:${r.want.device}` : `${r.player.value.trim()}=audio:${r.want.device}:${r.want.channel || '1'}`));
  }

  changed() { this.onChange(this.specs()); }
}

// What the device lists lack, in sentences for the person at the computer; the reason the
// libraries gave (`problems`, "MIDI: ..." / "audio: ...") folded under "Details".
const NO_DEVICES = {
  MIDI: ['No MIDI keyboard or instrument found. Connect one: it appears here within a few seconds.',
    'MIDI instruments cannot be reached: the computer\'s MIDI system (JACK or the ALSA sequencer) is not running. Ask whoever set up this computer to start it, or choose another MIDI system under "Device options" below.'],
  audio: ['No microphone or audio input found. Connect one: it appears here within a few seconds.',
    'Audio inputs cannot be reached: the computer\'s audio system did not answer.'],
};

export function deviceNotes(d) {
  const notes = [];
  for (const [kind, found] of [['MIDI', d.midi.filter((p) => p.direction === 'input')], ['audio', d.audio]]) {
    const reasons = d.problems.filter((p) => p.startsWith(`${kind}: `)).map((p) => p.slice(kind.length + 2));
    if (reasons.length) {
      notes.push(h('p', { class: 'device-problem' }, NO_DEVICES[kind][1], ' ',
        h('details', { class: 'inline-details' }, h('summary', {}, 'Details'), reasons.join('; '))));
    } else if (!found.length) {
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
      rows.setDevices(d);
      notes = deviceNotes(d);
    } catch (e) { notes = [h('p', { class: 'error' }, e.message)]; }
    // drawn again only when they say something new: a "Details" the reader opened stays open
    const said = notes.map((n) => n.textContent).join('\n');
    if (box.dataset.said !== said) { box.replaceChildren(...notes); box.dataset.said = said; }
    timer = setTimeout(poll, DEVICE_POLL_MS);
  }
  return { now: () => { clearTimeout(timer); poll(); }, stop: () => clearTimeout(timer) };
}

// The client code: type-ahead over the existing clients (k12 finds K12); a new code only when
// "New client" is ticked.  Returns { el, value(), check() }.
export async function clientChooser() {
  const { clients } = await api('/api/recording/clients');
  const input = h('input', { id: 'rec-client', required: true, size: '10', placeholder: 'e.g. C07', autocomplete: 'off', list: 'rec-clients' });
  const list = h('datalist', { id: 'rec-clients' }, clients.map((c) => h('option', { value: c })));
  const isNew = h('input', { type: 'checkbox', id: 'rec-new-client' });
  const newBox = h('span', { hidden: true }, isNew, h('label', { for: 'rec-new-client' }, 'New client (create this code)'));
  const hint = h('span', { class: 'muted', 'aria-live': 'polite' });
  const known = () => clients.find((c) => c.toLowerCase() === input.value.trim().toLowerCase());
  const update = () => {
    const v = input.value.trim();
    const k = known();
    const partial = v && !k ? clients.filter((c) => c.toLowerCase().includes(v.toLowerCase())) : [];
    newBox.hidden = !v || !!k;
    hint.textContent = k ? `Client ${k}` : partial.length ? `Matches: ${partial.slice(0, 5).join(', ')}` : v ? 'No client with this code yet' : '';
  };
  input.addEventListener('input', update);
  input.addEventListener('change', () => { const k = known(); if (k) input.value = k; update(); });
  return {
    el: h('span', { class: 'row' }, input, list, hint, newBox),
    input,
    value: () => known() || input.value.trim(),
    check: () => {
      if (!input.value.trim()) return 'Choose the client';
      if (!known() && !isNew.checked) return `There is no client ${input.value.trim()} yet: choose one from the list, or tick "New client" to create the code`;
      return '';
    },
    isNew: () => !known() && isNew.checked,
  };
}

// The armed inputs: opened on the server (nothing recorded) and shown with meters
export function armedMeters({ box, options, alive }) {
  let specs = [];
  let timer = 0;
  let gen = 0;
  async function arm(next) {
    specs = next; const g = ++gen;
    clearTimeout(timer);
    if (!specs.length) { await api('/api/recording/arm', { method: 'DELETE' }).catch(() => {}); box.replaceChildren(); return; }
    box.replaceChildren(h('p', { class: 'muted' }, 'Opening the inputs…'));
    try {
      await api('/api/recording/arm', { method: 'POST', body: { players: specs, options: options() } });
    } catch (e) { if (g === gen) box.replaceChildren(h('p', { class: 'error' }, `Input check: ${e.message}`)); return; }
    if (g === gen) poll(g);
  }
  async function poll(g) {
    if (g !== gen) return;
    if (!alive()) { api('/api/recording/arm', { method: 'DELETE' }).catch(() => {}); return; }
    let r;
    try { r = await api('/api/recording/arm'); } catch (e) { timer = setTimeout(() => poll(g), 1000); return; }
    if (g !== gen) return;
    box.replaceChildren(h('h3', {}, 'Input check (nothing is recorded yet)'), ...r.inputs.map((i) => h('div', { class: 'meter-row', dataset: { spec: i.spec, kind: i.kind } },
      h('span', { class: 'who' }, i.player), h('span', { class: 'src' }, i.kind === 'audio' ? `${i.name} ch ${i.channels.join(',')}` : i.name),
      i.kind === 'audio' ? levelMeter(`${i.player} ${i.name}`, { dbfs: i.level_dbfs, holdDbfs: i.hold_dbfs, clip: i.clip })
        : activityLight(`${i.player} ${i.name}`, { active: i.last_event_ago_s != null && i.last_event_ago_s < 0.5, lastNote: i.last_note, events: i.events }))));
    timer = setTimeout(() => poll(g), ARM_POLL_MS);
  }
  return { arm, stop: () => { gen++; clearTimeout(timer); } };
}
