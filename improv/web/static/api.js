// Fetch helpers, formatting and small DOM helpers shared by the pages.

// -- sign-in (improv.web.security) ---------------------------------------------------------
// The token of this start of improv comes in the address's fragment (#token=…, which the
// browser sends to no server), is kept in localStorage (kept apart by port, unlike cookies:
// no other server on 127.0.0.1 sees it) and goes with every API request as a header. A
// recording's <audio> cannot send a header: it gets a short-lived signed address (mediaUrl).
const TOKEN_KEY = 'improv-token';
let memoryToken = null;  // where localStorage is not available
function storedToken() { try { return localStorage.getItem(TOKEN_KEY); } catch (e) { return memoryToken; } }
function keepToken(t) { try { localStorage.setItem(TOKEN_KEY, t); } catch (e) { memoryToken = t; } }
// the token of the address, taken out of the address bar and the history entry; a page's
// own fragment after it (#token=…#/record) stays
function tokenOfAddress() {
  const m = /^#token=([^&#]*)[^#]*(#.*)?$/.exec(location.hash);
  if (!m) return null;
  history.replaceState(history.state, '', location.pathname + location.search + (m[2] || ''));
  try { return decodeURIComponent(m[1]); } catch (e) { return m[1]; }
}
{
  const given = tokenOfAddress(), now = storedToken();
  // an address of an earlier start does not sign out a window that is signed in now
  if (given && given !== now) {
    let takes = !now;
    if (!takes) { try { takes = (await fetch('/api/info', { headers: { 'X-Improv-Token': given } })).ok; } catch (e) { takes = true; } }
    if (takes) keepToken(given);
  }
}
// an address with the token pasted into a window of the app (no new page load)
window.addEventListener('hashchange', () => { const t = tokenOfAddress(); if (t) keepToken(t); });

// the headers of a request of the page: the token, and the header of state changes
export function authHeaders() {
  const t = storedToken();
  return t ? { 'X-Improv-Request': '1', 'X-Improv-Token': t } : { 'X-Improv-Request': '1' };
}

// signedOut: the server said this browser window is not signed in (401/403 with
// "signed_in": false; improv.web.security): the message says how to sign in again
export class ApiError extends Error {
  constructor(status, message, { signedOut = false, unreadable = false } = {}) { super(message); this.status = status; this.signedOut = signedOut; this.unreadable = unreadable; }
}

// the error of a refused answer: its one-line message, and whether it is a lost sign-in
async function refusal(r) {
  let msg = `${r.status} ${r.statusText}`, signedOut = false, unreadable = false;
  if ((r.headers.get('Content-Type') || '').includes('json')) {
    try { const j = await r.json(); msg = j.error || msg; signedOut = j.signed_in === false; unreadable = j.unreadable === true; } catch (e) { /* keep */ }
  } else { try { msg = (await r.text()).trim() || msg; } catch (e) { /* keep */ } }
  // the server's sentences are the command line's, which follow "improv: error: " in lower
  // case; on a page they stand alone, so they start as a sentence does: a first word of
  // small letters only ("the client code …"), never a file's or a device's name
  // ("audio/room.wav …", "fake.mid …", "system:capture_1 …")
  msg = msg.replace(/^[a-z]+(?=[ ,;])/, (w) => w.charAt(0).toUpperCase() + w.slice(1));
  return new ApiError(r.status, msg, { signedOut, unreadable });
}

export async function api(path, { method = 'GET', body, raw, headers = {} } = {}) {
  const opts = { method, headers: { ...authHeaders(), ...headers }, credentials: 'same-origin' };
  if (raw !== undefined) {
    opts.body = raw;
  } else if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  const type = r.headers.get('Content-Type') || '';
  if (!r.ok) throw await refusal(r);
  if (type.includes('json')) return r.json();
  return r.arrayBuffer();
}

// Fetch a file and save it under `name` (errors come back as messages, not as saved files).
export async function download(path, name) {
  const r = await fetch(path, { headers: authHeaders(), credentials: 'same-origin' });
  if (!r.ok) throw await refusal(r);
  const url = URL.createObjectURL(await r.blob());
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}

// A short-lived address of a recording, rendering or mix (`path` with its query) for an
// <audio> element, which sends no header: { url, until } (until: Date.now() ms when it ends).
export async function mediaUrl(path) {
  const r = await api(`/api/media-url?path=${encodeURIComponent(path)}`);
  return { url: r.url, until: Date.now() + r.ttl_s * 1000 };
}

// M:SS.s or H:MM:SS.s, rounded before it is split (59.97 s -> 1:00.0, not 0:60.0)
export function fmtTime(s, decimals = 1) {
  if (s == null || !isFinite(s)) return '–';
  const sign = s < 0 ? '-' : '';
  const unit = 10 ** decimals;
  s = Math.round(Math.abs(s) * unit) / unit;
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  const sec = (s % 60).toFixed(decimals).padStart(decimals ? 3 + decimals : 2, '0');
  return h ? `${sign}${h}:${String(m).padStart(2, '0')}:${sec}` : `${sign}${m}:${sec}`;
}

// "1 session", "3 sessions": a count with its noun (never "session(s)")
export function counted(n, word, plural = `${word}s`) { return `${n} ${n === 1 ? word : plural}`; }

// A measure's course with a share (unit "fraction", stored 0..1) in per cent, as the session
// page, the readings and the reports give it: its values, band, trend (slopes and interval)
// and trend line; any other unit as it is.
export function inPercent(f) {
  if (f.unit !== 'fraction') return f;
  const x100 = (v) => (v == null ? v : 100 * v);
  const t = f.trend, b = f.band;
  return { ...f, unit: '%', values: f.values.map(x100), fit: f.fit ? f.fit.map(x100) : f.fit,
    trend: t ? { ...t, slope_per_session: x100(t.slope_per_session), ci_low: x100(t.ci_low),
      ci_high: x100(t.ci_high), slope_per_30_days: x100(t.slope_per_30_days) } : t,
    band: b ? { ...b, mean: x100(b.mean), sd: x100(b.sd), low: x100(b.low), high: x100(b.high), min_half_width: x100(b.min_half_width) } : b };
}

// a pulse in most windows (analysis.beats.CLEAR_SHARE) whose tempo is not vouched for (the
// level is in doubt, or the beats do not keep to one tempo): the session page and the live
// panel say "a pulse, but no single tempo" there, not that the pulse comes and goes
export const MOSTLY_PULSED = 0.8;
// and one found in at least half of them is there "much of the time", not "only at times"
// (improv.reports.labels.OFTEN_PULSED_SHARE)
export const OFTEN_PULSED = 0.5;
export function pulseWithoutOneTempo(sm) {
  return sm.pulse === 'intermittent' && sm.pulsed_share != null && sm.pulsed_share >= MOSTLY_PULSED;
}

// an input kind as the screen names it (as analysis.features.title): MIDI, or the audio's name
export function sourceName(src) { return src === 'midi' ? 'MIDI' : src; }

export function fmtDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

// Units a therapist may not read at sight, said in words on hover (an <abbr>); the unit
// itself stays as the reports and the CSV write it.
export const UNIT_WORDS = {
  'notes/s': 'notes played per second',
  'onsets/s': 'onsets per second: sounds the microphone heard begin (notes, strokes), each second',
  dBFS: 'decibels below full scale: 0 is the loudest the input can record, −20 is much quieter',
  dB: 'decibels: 6 dB is about twice the sound pressure',
  LUFS: 'loudness units below full scale, as broadcast loudness is measured (EBU R128): higher is louder',
  LU: 'loudness units: a difference of loudness (1 LU is 1 dB)',
  BPM: 'beats per minute',
  '0-127': 'MIDI velocity: how hard a key or pad was struck, 1 (softest) to 127 (hardest)',
  '0-1': 'from 0 (none) to 1 (full)',
  '-1..1': 'from −1 to 1 (1: fully)',
  'MIDI note': 'the note number of a MIDI keyboard: 60 is middle C (C4), 12 is an octave',
};

// a unit as an element: with its words on hover where it has them
export function unitEl(unit) {
  if (!unit) return '';
  return UNIT_WORDS[unit] ? h('abbr', { title: UNIT_WORDS[unit] }, unit) : unit;
}

// the day of a moment (UTC ISO time), without the time of day: "Feb 2, 2026"
// the name of the nearest MIDI note, middle C (60) as C4 (improv.reports.labels.note_name)
const NOTE_NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];
export function noteName(midi) {
  const n = Math.round(midi);
  return `${NOTE_NAMES[((n % 12) + 12) % 12]}${Math.floor(n / 12) - 1}`;
}

// the day (YYYY-MM-DD) of a stored moment in this computer's time zone, the day the
// therapist lived it (sessions.timefmt.local_day): a goal's dates count in it
export function localDay(iso) {
  const d = iso ? new Date(iso) : new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function fmtDay(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

// h('button', {class: 'x', onclick: f}, 'text', child...)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// a message for the page the app is about to show (a navigation clears the status line)
let nextMessage = null;
export function sayNext(message) { nextMessage = message; }
export function takeNextMessage() { const m = nextMessage; nextMessage = null; return m || ''; }

// an event handler whose failure is said in the status line (an API error would otherwise
// end as an unhandled rejection: nothing visible happens)
export function guard(fn) {
  return (...args) => Promise.resolve().then(() => fn(...args)).catch((ex) => say(ex.message, { error: true }));
}

// `action` ({ label, run }) adds a button after the message, e.g. Undo after a deletion
export function say(message, { error = false, action = null } = {}) {
  const st = document.getElementById('status');
  st.textContent = message;  // wrapped onto more lines where it is long, never cut
  st.classList.toggle('error', error);
  if (action) {
    st.append(' ', h('button', { type: 'button', class: 'link', onclick: async (e) => {
      e.target.disabled = true;
      try { await action.run(); } catch (ex) { say(ex.message, { error: true }); }
    } }, action.label));
  }
}

// the status line's height (it wraps a long message) for what sticks below it (app.css
// --status-h): the session page's transport, and the scroll padding that keeps a focused
// control clear of both
if (typeof ResizeObserver !== 'undefined' && document.getElementById('status')) {
  const st = document.getElementById('status');
  new ResizeObserver(() => document.documentElement.style.setProperty('--status-h', `${st.offsetHeight}px`)).observe(st);
}

export const PLAYER_COLORS = ['#1f5fbf', '#a34800', '#2a7a2a', '#7a2a8a', '#8a6d00', '#006d75'];

export function playerColor(players, name) {
  const i = Math.max(0, players.indexOf(name));
  return PLAYER_COLORS[i % PLAYER_COLORS.length];
}

// each player's mark beside its colour (WCAG 1.4.1: colour is not the only cue): drawn on its
// curves, beat row, imitation bars and annotations, and written before its curve labels
export const PLAYER_MARKS = ['●', '■', '▲', '◆', '▼', '✚'];
export function playerMark(players, name) { return PLAYER_MARKS[Math.max(0, players.indexOf(name)) % PLAYER_MARKS.length]; }
// the mark that goes with a player's colour ('' for another colour: both players' curve)
export function markOfColor(color) { const i = PLAYER_COLORS.indexOf(color); return i < 0 ? '' : PLAYER_MARKS[i]; }

// A chart's value axis with round ticks, over `lo`..`hi` (the values and the band to show).
// A share (%) runs 0–100 (0, 25, 50, 75, 100) and a 0–1 measure 0–1 (0, 0.5, 1), whatever its
// band says (a band of mean ± 2 SD reached 1.38 on a 0–1 scale); a measure of −1..1 runs −1 to 1,
// a velocity stays in 0–127; anything else from a round number below to one above, in steps of
// 1, 2, 2.5 or 5 times a power of ten (semitones: 1, 2, 3, 6, 12), and never below 0 for a
// measure that never is (`nonNegative`). Returns { lo, hi, ticks }.
const AXIS_FIXED = { '%': [0, 100, 25], '0-1': [0, 1, 0.5], '-1..1': [-1, 1, 0.5] };
const AXIS_LIMITS = { '0-127': [0, 127] };
export function valueAxis(lo, hi, unit, { nonNegative = false, most = 5 } = {}) {
  const fixed = AXIS_FIXED[unit];
  const tick = (a, b, step) => {
    const out = [];
    for (let k = Math.ceil(a / step - 1e-9); k * step <= b + 1e-9 * Math.max(1, Math.abs(b)); k++) out.push(+(k * step).toPrecision(12));
    return out;
  };
  if (fixed) return { lo: fixed[0], hi: fixed[1], ticks: tick(fixed[0], fixed[1], fixed[2]) };
  if (!isFinite(lo) || !isFinite(hi)) { lo = 0; hi = 1; }
  if (hi - lo < 1e-9 * Math.max(1, Math.abs(hi))) { const pad = Math.max(Math.abs(hi) * 0.05, 0.5); lo -= pad; hi += pad; }
  // the fewest ticks that still make at most `most` (round steps, the smallest first)
  const fits = (st) => Math.ceil(hi / st - 1e-9) - Math.floor(lo / st + 1e-9) <= most - 1;
  let step = null;
  if (unit === 'MIDI note') step = [1, 2, 3, 6, 12, 24, 48].find(fits) ?? 48;
  else {
    const p0 = Math.floor(Math.log10((hi - lo) / most));
    for (let p = p0 - 1; step == null; p++) step = [1, 2, 2.5, 5].map((b) => b * 10 ** p).find(fits) ?? null;
  }
  let a = Math.floor(lo / step + 1e-9) * step, b = Math.ceil(hi / step - 1e-9) * step;
  if (nonNegative) a = Math.max(0, a);
  const lim = AXIS_LIMITS[unit];
  if (lim) { a = Math.max(lim[0], a); b = Math.min(lim[1], b); }
  if (b <= a) b = a + step;
  return { lo: a, hi: b, ticks: tick(a, b, step) };
}

// a tick value as written on an axis: as short as it is round ("2.5", "75", "0")
export function fmtTick(v) { return String(+v.toPrecision(6)).replace('-', '−'); }

// Which sessions a chart's x axis names: every one where their labels (`width` px each) fit
// side by side at `xs`, else every second, third, … (always from the first): a consistent
// subset, never one left out at random. Returns the indices.
export function labelledSessions(xs, width) {
  for (let k = 1; k <= xs.length; k++) {
    const idx = xs.map((x, i) => i).filter((i) => i % k === 0);
    if (idx.every((i, j) => j === 0 || xs[i] - xs[idx[j - 1]] >= width)) return idx;
  }
  return xs.length ? [0] : [];
}

// a session's day on a chart's axis, in the page's date format without the year ("Nov 16"),
// with it where the sessions span more than one year
export function axisDay(iso, withYear = false) {
  return new Date(iso).toLocaleDateString(undefined, withYear ? { year: '2-digit', month: 'short', day: 'numeric' } : { month: 'short', day: 'numeric' });
}

// "Session 3", "Sessions 3 and 5", "Sessions 2, 3 and 5"
export function sessionNumbers(numbers) {
  if (numbers.length === 1) return `Session ${numbers[0]}`;
  return `Sessions ${numbers.slice(0, -1).join(', ')} and ${numbers[numbers.length - 1]}`;
}
