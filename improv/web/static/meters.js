// Level meters and MIDI activity lights, for the inputs before Start and while recording.
import { counted, h } from './api.js';

export const FLOOR_DBFS = -60;   // the left end of the scale; below it the meter is empty
// Peak level zones: a healthy peak (-11 dBFS) is green; amber is "hot", red is near clipping.
// The tick at -18 dBFS marks the usual average (alignment) level.
export const AMBER_DBFS = -10;
export const RED_DBFS = -6;
export const TARGET_DBFS = -18;

export function zone(dbfs) {
  if (dbfs == null || dbfs < AMBER_DBFS) return 'green';
  return dbfs < RED_DBFS ? 'amber' : 'red';
}

// the zone in words, beside the number (the colour is not the only cue)
export const ZONE_WORDS = { green: 'good', amber: 'loud', red: 'too loud, near clipping' };

// CSP allows no style attributes: styles are set through the element's style object
const styled = (el, props) => { Object.assign(el.style, props); return el; };
const pct = (db) => `${(100 * (Math.max(FLOOR_DBFS, Math.min(0, db)) - FLOOR_DBFS)) / -FLOOR_DBFS}%`;

// A meter for one audio input: { dbfs, holdDbfs, clip, off } -> element (role meter, value
// in dBFS).  `off`: why nothing can come in now ("no signal: unplugged"): the meter is empty
// and says so, whatever level came last
export function levelMeter(label, { dbfs, holdDbfs, clip, off }) {
  if (off) { dbfs = null; holdDbfs = null; clip = false; }
  const shown = dbfs == null ? FLOOR_DBFS : Math.max(FLOOR_DBFS, Math.min(0, dbfs));
  const silent = dbfs == null || dbfs < FLOOR_DBFS;
  // "−12.0 dBFS, good": the zone said in words, on screen and to a screen reader
  const text = off || (silent ? 'silent (below −60 dBFS)' : `${dbfs.toFixed(1)} dBFS, ${ZONE_WORDS[zone(dbfs)]}`);
  return h('span', { class: 'level' },
    h('span', { class: 'bar', role: 'meter', 'aria-label': `${label} level`, 'aria-valuemin': String(FLOOR_DBFS),
      'aria-valuemax': '0', 'aria-valuenow': shown.toFixed(1), 'aria-valuetext': text, dataset: { zone: zone(dbfs), dbfs: shown.toFixed(1) } },
      styled(h('span', { class: `fill ${zone(dbfs)}` }), { width: pct(shown) }),
      styled(h('span', { class: 'target', title: 'usual average level (−18 dBFS)' }), { left: pct(TARGET_DBFS) }),
      holdDbfs != null && holdDbfs >= FLOOR_DBFS ? styled(h('span', { class: `hold ${zone(holdDbfs)}`, title: `peak ${holdDbfs.toFixed(1)} dBFS` }), { left: pct(holdDbfs) }) : ''),
    h('span', { class: 'db' }, text),
    // the clip light says it in words too: "CLIPPED" (red) or "no clip" (grey)
    h('span', { class: `clip${clip ? ' on' : ''}`, title: clip ? 'clipped: turn the input gain down' : 'no clipping' }, clip ? '⚠ CLIPPED' : 'no clip'));
}

// An activity light for one MIDI port: lit while notes come; the last note played
export function activityLight(label, { active, lastNote, events }) {
  // lit: a filled dot and the word "playing"; dark: a ring and "quiet" (not the colour alone)
  return h('span', { class: 'activity' },
    h('span', { class: `light${active ? ' on' : ''}`, 'aria-hidden': 'true' }),
    h('span', { class: 'light-word' }, active ? 'playing' : 'quiet'),
    h('span', { class: 'last-note' }, lastNote ? `last note ${lastNote}` : 'no note yet'),
    h('span', { class: 'events' }, counted(events, 'MIDI event')));
}

// Peak hold and clip light kept in the page for the live recording (per input key)
export class Holder {
  constructor(holdMs = 1500, clipMs = 3000) { this.holdMs = holdMs; this.clipMs = clipMs; this.s = new Map(); }
  update(key, dbfs, clippedBlocks) {
    const now = performance.now();
    const s = this.s.get(key) || { hold: -Infinity, at: 0, clips: 0, clipAt: -1e9 };
    if (dbfs != null && (dbfs >= s.hold || now - s.at > this.holdMs)) { s.hold = dbfs; s.at = now; }
    if (clippedBlocks > s.clips) { s.clips = clippedBlocks; s.clipAt = now; }
    this.s.set(key, s);
    return { dbfs, holdDbfs: Number.isFinite(s.hold) ? s.hold : null, clip: now - s.clipAt < this.clipMs };
  }
}
