// The live measures panel of the Record page: per player density, loudness and tempo of the
// last seconds, and who of the pair is playing (GET /api/recording, field "live").
import { h, pulseWithoutOneTempo } from './api.js';

// the words of the reports' pulse label (improv.reports.labels.WORDS), said of a pulse
const PULSE = { clear: 'clear, steady pulse', intermittent: 'pulse only at times', rare: 'pulse hardly ever', none: 'no clear pulse', 'too short': 'too short to tell' };
// the pulse in words: an intermittent label with a pulse in most windows is a pulse whose
// tempo moved (or whose level is in doubt), not one that comes and goes
function pulseWords(m) {
  return pulseWithoutOneTempo(m) ? 'a pulse, but no single tempo' : PULSE[m.pulse] || m.pulse;
}

// below the meters' floor an audio input is silent (the measures say -100 dBFS there)
const SILENT_DBFS = -60;

function playerRow(name, m, { collecting = false, unplugged = false } = {}) {
  const hint = (text) => h('tr', { dataset: { player: name } }, h('th', { scope: 'row' }, name), h('td', { colspan: '3', class: 'live-hint' }, text));
  if (unplugged) return hint('input unplugged');
  // before the first window is full, "not playing" would contradict the activity light
  if (collecting) return hint('collecting…');
  if (!m) return hint('not playing');
  const loud = m.loudness == null ? '–' : m.loudness_unit === 'dBFS' ? (m.loudness < SILENT_DBFS ? 'silent' : `${m.loudness.toFixed(0)} dBFS`) : `velocity ${m.loudness.toFixed(0)}`;
  const tempo = m.tempo_bpm == null ? 'no tempo' : `${m.tempo_bpm.toFixed(0)} BPM${m.tempo_clear ? '' : ' (unsure)'}`;
  // a player who has just stopped: the window's fading pulse would read as "no pulse"; an
  // audio input with no onset in the window has not played in it
  const words = m.stopped ? (m.notes_per_s > 0 ? 'stopped playing' : 'not playing') : `${tempo}, ${pulseWords(m)}`;
  return h('tr', { dataset: { player: name } }, h('th', { scope: 'row' }, name),
    h('td', { class: 'density' }, `${m.notes_per_s.toFixed(1)} notes per second`),
    h('td', { class: 'loudness' }, loud),
    h('td', { class: 'tempo' }, words));
}

function pairText(p) {
  if (!p) return '';
  // a player whose every input is unplugged (pair.lost, improv.analyze.live.pair_state) is
  // neither "alone" with the other nor silent: nothing of them reaches the recording
  const lost = p.lost || [];
  const away = `${lost.join(' and ')}: input unplugged, nothing recorded`;
  if (p.state === 'both') return `Now: ${p.players[0]} and ${p.players[1]} play together`;
  if (p.state === 'one') return lost.length ? `Now: ${p.who} plays; ${away}` : `Now: ${p.who} plays alone`;
  if (lost.length && lost.length === p.players.length) return 'Now: nothing recorded: every input is unplugged';
  return lost.length ? `Now: silence; ${away}` : 'Now: silence';
}

// a screen reader hears who of the pair plays once it has held this long [s of recording]:
// at every change it would talk over the music (the line on screen follows at once)
const SAY_AFTER_S = 5;

// A panel element with update(live) to call on every poll.
export function livePanel() {
  const title = h('h3', { id: 'live-measures-h' }, 'The music now');
  const body = h('tbody');
  const pair = h('p', { class: 'pair' });
  const said = h('p', { class: 'pair-said sr-only', 'aria-live': 'polite' });
  let seen = '';
  let seenSince = null;
  const note = h('p', { class: 'live-hint' }, 'Collecting… the first figures come once a few seconds are recorded.');
  const el = h('section', { class: 'live-measures', 'aria-labelledby': 'live-measures-h' }, title, note,
    h('table', { class: 'live-measures-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'Player'), h('th', {}, 'Density'), h('th', {}, 'Loudness'), h('th', {}, 'Tempo'))), body), pair, said);
  // `elapsed` [s]: the recording's time, `unplugged`: players whose every input is unplugged
  el.update = (live, { elapsed = null, unplugged = [] } = {}) => {
    if (!live) return;
    // the window ends a little before now (live.t): until it is full, the figures are of a
    // few seconds only and "not playing" would be said of a player who has just begun
    const collecting = live.t != null && live.t < live.window_s;
    note.textContent = collecting
      ? `Collecting… the first figures come once ${live.window_s} seconds are recorded${elapsed == null ? '' : ` (now ${Math.floor(elapsed)} s)`}.`
      : `Over the last ${live.window_s} seconds.`;
    body.replaceChildren(...Object.entries(live.players).map(([p, m]) => playerRow(p, m, { collecting, unplugged: unplugged.includes(p) })));
    const now = collecting ? '' : pairText(live.pair);
    if (pair.textContent !== now) pair.textContent = now;
    // the polite region: written when a state has held SAY_AFTER_S, and only once
    if (now !== seen) { seen = now; seenSince = live.t; }
    const held = live.t != null && seenSince != null && live.t - seenSince >= SAY_AFTER_S;
    if ((held || !now) && said.textContent !== now) said.textContent = now;
  };
  return el;
}
