// The client page: the course over sessions from /api/clients/{code}/compare.
// Every number (trend, interval, band, outliers, the trend line) comes from the server
// (improv.compare.compare_client); this file only draws it.
import { api, ApiError, axisDay, counted, download, fmtDate, fmtTick, fmtTime, h, inPercent, labelledSessions, localDay, noteName, say, sessionNumbers, unitEl, valueAxis } from './api.js';
import { goalsPanel } from './goals.js';
import { tagsInWords } from './tagchips.js';
import { recordingNowLine } from './recording_now.js';

const SVG = 'http://www.w3.org/2000/svg';
const BAND_FILL = '#9ecae1', BAND_LINE = '#3182bd', TREND = '#b34700', OUTLIER = '#c4161c', LINE = '#6b6b6b';
const PLAYER_COLORS = ['#1f5fbf', '#a34800', '#2a7a2a', '#7a2a8a', '#8a6d00', '#006d75'];
const DIALOGUE = '#333333';

// A column's parts: "client.midi.notes_per_s" -> client, midi, notes_per_s; "a|b.joint_share"
// -> a|b, '', joint_share; read from the right as analysis.features.split_column does (a
// player's name may hold a ".").
function splitColumn(col) {
  const dot = col.lastIndexOf('.');
  const head = col.slice(0, Math.max(0, dot)), feature = col.slice(dot + 1);
  const at = head.search(/\.(midi|audio(:.*)?)$/);
  return at >= 0 ? { owner: head.slice(0, at), source: head.slice(at + 1), feature } : { owner: head, source: '', feature };
}

// Whose a column is: "client.midi.notes_per_s" -> "client", "a|b.joint_share" -> "a|b".
function ownerOf(col) { return splitColumn(col).owner; }

// A player heard through MIDI and a microphone has some measures from each input (silence,
// tempo): the microphone's copies of measures its MIDI also gives, shown on request only, as
// on the session page (two curves of one player's silence read as a contradiction).
function otherInputColumns(columns) {
  const parts = new Map(columns.map((c) => [c, splitColumn(c)]));
  const key = (c) => `${parts.get(c).owner}\u0000${parts.get(c).feature}`;
  const fromMidi = new Set(columns.filter((c) => parts.get(c).source === 'midi').map(key));
  return new Set(columns.filter((c) => parts.get(c).source.startsWith('audio') && fromMidi.has(key(c))));
}

// whether the client page shows every input's measures, and every measure compared (the
// checkboxes under the table); a first look shows each player's main measures only
let everyInput = false;
let allMeasures = false;

export async function clientPage(main, code, params) {
  document.title = `Client ${code} · improv`;
  const enc = encodeURIComponent(code);
  let d;
  try {
    d = await api(`/api/clients/${enc}`);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
    // no sessions yet: goals agreed at intake, before the first session, can be added and read
    const goals = h('section', { class: 'goals', 'aria-labelledby': 'goals-h' }, h('h2', { id: 'goals-h' }, 'Treatment goals'));
    const none = h('p', { class: 'muted no-sessions' }, 'No sessions of this client yet: goals agreed now are kept here and followed from the first session recorded or imported with this client code.');
    // the client's first session being recorded is said, not "no sessions" (review rev-pulse, F9)
    const now = recordingNowLine({ client: code, onChange: (running) => {
      none.textContent = running ? 'The first session of this client is being recorded now: goals agreed now are kept here and followed from it.'
        : 'The first session of this client was recorded just now: goals agreed now are kept here and followed from it.';
    } });
    main.replaceChildren(h('h1', {}, `Client ${code}`), now, none, goals);
    goalsPanel(goals, code);
    return;
  }
  const q = compareQuery(params);
  const body = h('div', { class: 'course' });
  const goals = h('section', { class: 'goals', 'aria-labelledby': 'goals-h' }, h('h2', { id: 'goals-h' }, 'Treatment goals'), h('p', { class: 'muted' }, 'Goals are shown once the sessions are analysed…'));
  // one status line for the analysis's progress, there from the start and written in place
  // (a live region put in with its text is said unreliably): "Analysing sessions: 1 of 3
  // done…", a connection retried, and the end ("All 3 sessions analysed.")
  const progress = h('p', { class: 'analysis-progress', role: 'status' });
  const setProgress = (text, { error = false } = {}) => {
    if (progress.textContent !== text) progress.textContent = text;
    progress.classList.toggle('error', error);
  };
  let bar = null;
  let analysed = 0;  // sessions the page saw being analysed (0: none were)
  // a session of this client being recorded now, above its sessions (review rev-pulse, F9)
  const now = recordingNowLine({ client: d.client });
  main.replaceChildren(h('h1', {}, `Client ${d.client}`), now, sessionTable(d.sessions, d.iap), goals,
    h('section', { class: 'panel', 'aria-labelledby': 'course-h' }, h('h2', { id: 'course-h' }, 'Course over sessions'), progress, body));
  // Poll while the server analyses (202).  A lost connection or a 5xx is retried with a
  // visible message (the server may be busy or restarting); after RETRIES failures in a row,
  // or on any 4xx (such as 409: the analysis failed), the page shows the error and the
  // controls.  It never waits silently: every state is on the page.
  const RETRIES = 8;
  let r, failures = 0;
  for (;;) {
    try {
      r = await api(`/api/clients/${enc}/compare?${q}`);
      failures = 0;
    } catch (e) {
      if (!document.body.contains(body)) return; // the user went elsewhere
      const transient = !(e instanceof ApiError) || e.status >= 500;
      if (!transient || ++failures > RETRIES) {
        // the controls keep the features of the last comparison that worked, so the settings
        // can be corrected; retrying the same request only helps when the server was away
        setProgress('');
        body.replaceChildren(controls(code, params, d.sessions, lastResult.get(code) || null),
          h('p', { class: 'error', role: 'alert' }, e.message),
          transient ? h('p', {}, h('button', { type: 'button', onclick: () => clientPage(main, code, params) }, 'Try again')) : '');
        goalsPanel(goals, code);
        return;
      }
      setProgress(`Could not reach improv (${e.message}); trying again (${failures} of ${RETRIES})…`, { error: true });
      await new Promise((res) => setTimeout(res, 1000 * Math.min(failures, 5)));
      if (!document.body.contains(body)) return;
      continue;
    }
    if (!document.body.contains(body)) return; // the user went elsewhere
    if (r.status !== 'analysing') break;
    setProgress(`Analysing sessions: ${r.done} of ${r.total} done…`);
    analysed = r.total;
    if (!bar || !body.contains(bar)) {
      bar = h('progress', { max: String(r.total), 'aria-label': 'Analysis progress' });
      body.replaceChildren(bar);
    }
    bar.max = r.total;
    bar.value = r.done;
    await new Promise((res) => setTimeout(res, 700));
    if (!document.body.contains(body)) return; // the user went elsewhere
  }
  const colorOf = (col) => {
    const who = ownerOf(col);
    if (who.includes('|')) return DIALOGUE;
    return PLAYER_COLORS[Math.max(0, r.players.indexOf(who)) % PLAYER_COLORS.length];
  };
  lastResult.set(code, r);
  setProgress(analysed ? `Analysed ${counted(analysed, 'session')}: the course is below.` : '');
  goalsPanel(goals, code); // the goals' courses read the analyses the comparison made
  const all = inPercentAll(r); // shares as the reports show them; `r` keeps the stored units
  const others = otherInputColumns(all.columns);
  // as the command line warns: a baseline of every session leaves none to compare with it
  // sessions that name the players differently ("Piano-client" and "client") are not one course
  const namesDiffer = r.players_differ ? h('p', { class: 'warning', role: 'note' }, r.players_differ) : '';
  // a session that could not be read or measured is left out of the course, and said so
  const leftOut = (r.left_out_notes || []).map((t) => h('p', { class: 'warning', role: 'note' }, `${t}.`));
  const allBaseline = r.baseline.length >= r.sessions.length
    ? h('p', { class: 'warning', role: 'note' }, `${r.sessions.length === 1 ? 'The baseline is the only session' : `The baseline takes all ${counted(r.sessions.length, 'session')}`}: no later session to compare with it yet.`)
    : '';
  // measures the therapist chose (?features=) are all shown; the default comparison opens
  // with each player's main measures (r.main_columns) and offers the rest
  const firstLook = new Set(params.get('features') ? all.columns : (r.main_columns || all.columns));
  const draw = () => {
    const inputs = everyInput ? all.columns : all.columns.filter((c) => !others.has(c));
    const rest = inputs.filter((c) => !firstLook.has(c));
    const shown = { ...all, columns: allMeasures ? inputs : inputs.filter((c) => firstLook.has(c)) };
    const check = (cls, on, set, text) => h('label', { class: cls }, h('input', { type: 'checkbox', checked: on, onchange: (e) => { set(e.target.checked); draw(); body.querySelector(`.${cls} input`).focus(); } }), text);
    const kinds = [...new Set(rest.map((c) => { const n = splitColumn(c).feature; return (r.labels || {})[n] || n; }))];
    const more = rest.length ? check('all-measures', allMeasures, (v) => { allMeasures = v; },
      ` Show all measures (${rest.length} more: ${kinds.slice(0, 3).join(', ')}${kinds.length > 3 ? ', …' : ''})`) : '';
    const toggle = others.size && (allMeasures || [...others].some((c) => firstLook.has(c)))
      ? check('all-inputs', everyInput, (v) => { everyInput = v; },
        ` Show every input (the microphone's copies of what a player's MIDI also gives)`) : '';
    // one session: no trend, band or chart to draw yet (a table of dashes and a chart of one
    // dot per measure): its values, and when the trends start
    if (r.sessions.length === 1) {
      body.replaceChildren(controls(code, params, d.sessions, r), downloads(code, q), ...leftOut,
        oneSessionTable(shown), h('div', { class: 'measure-toggles' }, more, toggle));
      return;
    }
    body.replaceChildren(controls(code, params, d.sessions, r), downloads(code, q), ...leftOut, namesDiffer, allBaseline,
      legend(r, colorOf), ...trendTable(shown), h('div', { class: 'measure-toggles' }, more, toggle),
      h('div', { class: 'trends' }, shown.columns.map((c) => chart(shown, c, colorOf(c)))));
  };
  draw();
}

// The comparison with its shares in per cent (see inPercent).
function inPercentAll(r) {
  return { ...r, features: Object.fromEntries(Object.entries(r.features).map(([c, f]) => [c, inPercent(f)])) };
}

// the last comparison shown per client (its feature list serves the controls after an error)
const lastResult = new Map();

function compareQuery(params) {
  const q = new URLSearchParams();
  for (const k of ['baseline', 'features', 'since', 'band_sd']) if (params.get(k)) q.set(k, params.get(k));
  return q;
}

// A long list shows the latest LATEST sessions (the list comes newest first) and a button for
// all: the treatment goals below it stay on the first screen (review 33: 69 rows, ~3,500 px,
// came before them). The other rows are there, hidden: the goals fill every row's marks.
const LATEST = 10;

// `iap`: the dimensions that are Bruscia's profiles, for the tags in the tag picker's words
function sessionTable(sessions, iap) {
  const caption = h('caption', {});
  const table = h('table', { class: 'sessions', id: 'client-sessions' }, caption,
    h('thead', {}, h('tr', {}, ['Date', 'Session', 'Length', 'Tags', 'Goals'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, sessions.map((s) => h('tr', {}, h('td', {}, fmtDate(s.started_utc)),
      h('td', {}, h('a', { href: `#/session/${s.id}` }, s.number ? `Session ${s.number}${s.title ? `: ${s.title}` : ''}` : (s.title || s.id)),
        s.number ? h('span', { class: 'muted' }, ` · ${s.id}`) : '', s.demo ? h('span', { class: 'badge demo' }, 'DEMO') : ''),
      h('td', {}, fmtTime(s.duration_s, 0)), h('td', {}, tagsInWords(s.tags, iap)),
      h('td', { class: 'goal-marks', dataset: { session: s.id } }, '')))));
  // a list of a few more than ten is shown whole (hiding one or two rows helps no one)
  if (sessions.length <= LATEST + 2) {
    caption.textContent = counted(sessions.length, 'session');
    return table;
  }
  const rows = [...table.tBodies[0].rows];
  const button = h('button', { type: 'button', class: 'show-sessions', 'aria-controls': 'client-sessions' });
  const show = (all) => {
    rows.forEach((tr, i) => { tr.hidden = !all && i >= LATEST; });
    caption.textContent = all ? counted(sessions.length, 'session') : `${counted(sessions.length, 'session')}, the latest ${LATEST} shown`;
    button.textContent = all ? `Show the latest ${LATEST} only` : `Show all ${counted(sessions.length, 'session')}`;
    button.setAttribute('aria-expanded', String(all));
  };
  button.addEventListener('click', () => {
    const all = button.getAttribute('aria-expanded') !== 'true';
    show(all);
    // back to the latest ten from below a long list: the button is where the list ends
    if (!all) button.scrollIntoView({ block: 'nearest' });
  });
  show(false);
  return h('div', { class: 'client-sessions' }, table, h('p', {}, button));
}

// -- controls: baseline, band, features, since ------------------------------------------

function controls(code, params, sessions, r) {
  const spec = params.get('baseline') || 'first:3';
  const chosen = spec.startsWith('sessions:') ? spec.slice(9).split(',') : [];
  const firstN = h('input', { id: 'bl-n', type: 'number', min: '2', max: String(Math.max(2, sessions.length)), value: spec.startsWith('first:') ? spec.slice(6) : '3', size: '3' });
  const modeFirst = h('input', { type: 'radio', name: 'bl-mode', id: 'bl-first', value: 'first', checked: !chosen.length });
  const modeChosen = h('input', { type: 'radio', name: 'bl-mode', id: 'bl-chosen', value: 'sessions', checked: chosen.length > 0 });
  const oldest = [...sessions].reverse();
  const pick = h('select', { id: 'bl-sessions', multiple: true, size: String(Math.min(6, Math.max(2, oldest.length))), 'aria-describedby': 'bl-help' },
    oldest.map((s) => h('option', { value: s.id, selected: chosen.includes(s.id) }, `${fmtDate(s.started_utc)} · ${s.id}`)));
  const k = h('input', { id: 'bl-k', type: 'number', min: '0.5', max: '10', step: '0.5', value: params.get('band_sd') || '2', size: '3' });
  const have = new Set(r ? r.columns.map((c) => c.split('.').pop()) : []);
  // labels on screen, in their order; the name (what ?features= and the CSV use) as a tooltip
  const named = (r ? r.available : []).map((n) => [n, (r.labels || {})[n] || n])
    .sort((a, b) => a[1].localeCompare(b[1], undefined, { sensitivity: 'base' }));
  const feats = h('select', { id: 'cf-features', multiple: true, size: '8', 'aria-describedby': 'cf-help' },
    named.map(([n, text]) => h('option', { value: n, selected: have.has(n), title: n }, text)));
  const initial = [...feats.selectedOptions].map((o) => o.value).join(',');
  const since = h('input', { id: 'cf-since', type: 'date', value: params.get('since') || '' });
  const apply = (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    if (modeChosen.checked) {
      const ids = [...pick.selectedOptions].map((o) => o.value);
      if (ids.length < 2) { say('Choose two or more baseline sessions (Ctrl or Shift selects several)', { error: true }); pick.focus(); return; }
      p.set('baseline', `sessions:${ids.join(',')}`);
    } else p.set('baseline', `first:${firstN.value || 3}`);
    if (k.value && k.value !== '2') p.set('band_sd', k.value);
    const fs = [...feats.selectedOptions].map((o) => o.value);
    if (fs.length && (params.get('features') || fs.join(',') !== initial)) p.set('features', fs.join(','));
    if (since.value) p.set('since', since.value);
    location.hash = `#/client/${encodeURIComponent(code)}?${p}`;
  };
  const reset = h('button', { type: 'button', onclick: () => { location.hash = `#/client/${encodeURIComponent(code)}`; } }, 'Reset');
  return h('form', { class: 'course-controls', 'aria-label': 'Comparison settings', onsubmit: apply },
    h('fieldset', {}, h('legend', {}, 'Baseline'),
      h('div', { class: 'row' }, modeFirst, h('label', { for: 'bl-first' }, 'First'), firstN, h('label', { for: 'bl-n', class: 'sr-only' }, 'Number of first sessions'), h('span', {}, 'sessions')),
      h('div', { class: 'row' }, modeChosen, h('label', { for: 'bl-chosen' }, 'Chosen sessions:')),
      h('label', { for: 'bl-sessions', class: 'sr-only' }, 'Baseline sessions'), pick,
      h('p', { id: 'bl-help', class: 'muted small' }, 'Ctrl or Shift with the arrows or the mouse selects several.'),
      h('div', { class: 'row' }, h('label', { for: 'bl-k', title: 'the baseline band: the baseline sessions\' average ± this many standard deviations' }, 'Band width (± SDs)'), k)),
    h('fieldset', {}, h('legend', {}, 'Measures'),
      h('label', { for: 'cf-features', class: 'sr-only' }, 'Measures to compare'), feats,
      h('p', { id: 'cf-help', class: 'muted small' }, 'Each is compared for every player (or pair) that has it. Ctrl or Shift selects several.')),
    h('fieldset', {}, h('legend', {}, 'Sessions'),
      h('div', { class: 'row' }, h('label', { for: 'cf-since' }, 'Since'), since)),
    h('div', { class: 'row actions' }, h('button', { type: 'submit', class: 'primary' }, 'Compare'), reset));
}

function downloads(code, q) {
  const enc = encodeURIComponent(code);
  // the reports hold the therapist's verbal notes unless this is unticked (a report for
  // supervision or a case review); the report's last line says which
  const withNotes = h('input', { type: 'checkbox', checked: true });
  const btn = (label, path, name, note, report = false) => h('button', { type: 'button', onclick: async (e) => {
    e.target.disabled = true;
    say(`Preparing ${label}${note ? ` (${note})` : ''}…`);
    const p = new URLSearchParams(q);
    const without = report && !withNotes.checked;
    if (without) p.set('notes', 'false');
    const file = without ? name.replace(/(\.\w+)$/, '-without-notes$1') : name;
    try { await download(`/api/clients/${enc}/${path}${p.toString() ? `?${p}` : ''}`, file); say(`${label} downloaded${without ? ' (verbal notes left out)' : ''}`); } catch (ex) { say(ex.message, { error: true }); }
    e.target.disabled = false;
  } }, label);
  return h('div', { class: 'row downloads', role: 'group', 'aria-label': 'Downloads' },
    btn('Report (HTML)', 'report.html', `improv-client-${code}.html`, 'a few seconds', true),
    btn('Report (PDF)', 'report.pdf', `improv-client-${code}.pdf`, 'a few seconds', true),
    h('label', { title: 'Untick for a report that leaves the practice (supervision, case review): the notes are left out, the annotations stay' }, withNotes, ' with the verbal notes'),
    btn('Export CSV', 'export.csv', `${code}-sessions.csv`),
    btn('Data dictionary CSV', 'data-dictionary.csv', `${code}-data-dictionary.csv`));
}

// -- legend, table, charts -----------------------------------------------------------------

function legend(r, colorOf) {
  const who = [...new Set(r.columns.map(ownerOf))];
  const sw = (cls, text) => h('span', { class: 'lg' }, h('span', { class: `sw ${cls}`, 'aria-hidden': 'true' }), text);
  const el = h('p', { class: 'legend' },
    sw('band', `baseline band (mean ± ${r.band_sd} SD of ${counted(r.baseline.length, 'session')}, never narrower than the smallest change that matters): a later session outside it is “outside band”`),
    sw('trend', 'trend (only where Change says yes: clear and large enough to matter)'),
    sw('filled', 'annotated session'), sw('hollow', 'session without annotations'),
    sw('outside', 'outside band: a later session above (▲) or below (▼) the band'),
    sw('ring', 'outlier: far off this client’s own course (the trend line), whether inside the band or not'),
    sw('gap', 'no value (a session’s tempo needs a clear pulse through most of the playing): the line breaks there and a short dash on the axis marks the session; the sentence under the chart says which and why'));
  for (const p of who) { const s = sw('player', p.replace('|', ' & ')); s.firstChild.style.background = colorOf(`${p}.x`); el.append(s); }
  return el;
}

// a session in a list of several: "Session 7" (its date in the tooltip); a date itself has
// commas, and several sessions of one day would read alike
function sessionLink(r, id) {
  const s = r.sessions.find((x) => x.id === id);
  if (!s) return h('a', { href: `#/session/${id}` }, id);
  return h('a', { href: `#/session/${id}`, title: fmtDate(s.started_utc) }, s.number ? `Session ${s.number}` : fmtDate(s.started_utc));
}

function sessionLinks(r, ids) {
  if (!ids.length) return '–';
  return ids.map((id, i) => [i ? ' · ' : '', sessionLink(r, id)]);
}

// No band where every baseline session has the same value and the measure has no smallest
// change that matters to widen it by (a band of no width would put every other session outside
// it): the value is said all the same
function sameInBaseline(r, f) {
  const at = new Map(r.sessions.map((x, i) => [x.id, i]));
  const vals = r.baseline.map((id) => f.values[at.get(id)]).filter((v) => v != null);
  return vals.length >= 2 && vals.every((v) => v === vals[0]) ? `${fmtV(vals[0])} in each (no spread)` : '–';
}

// the trend table's columns, each with what it says in words (on hover)
// the server's word (improv.reports.wording.TOO_SMALL) for a clear trend whose change over the
// sessions is less than the smallest change that matters for the measure, and what it means
const TOO_SMALL = 'too small to matter';
const TOO_SMALL_WORDS = 'The trend is clear, but over these sessions it changed the measure by less than the smallest change that matters for it (the least a band is widened to): not a change to read as one';
const TREND_COLUMNS = [['Measure'], ['Unit'], ['Sessions', 'sessions with a value of this measure'],
  ['Trend / session', 'how much the measure changes from one session to the next, typically (Theil–Sen slope)'],
  ['95 % interval', 'the range the change per session lies in, with 95 % confidence'],
  ['Trend / 30 days', 'the same change over a month of therapy: given once the sessions span four weeks, never extrapolated from a few days'],
  ['Change', 'yes: the measure clearly rose or fell over the sessions (Mann–Kendall test), by at least the smallest change that matters for it; never said with fewer than five sessions'],
  ['Baseline mean ± SD', 'the average of the baseline sessions and their usual spread (standard deviation); the band is this average ± the chosen number of SDs'],
  ['Outside band', 'later sessions whose value lies outside the baseline band'],
  ['Outliers', 'sessions far off the course of the others (a robust z-score over 3.5 from the trend line)']];

// The trend per 30 days of a measure, or why there is none: it is given only where the
// sessions with a value span about four weeks (analysis.trends.MIN_SPAN_DAYS), as four sessions
// on four days in a row made "+330 BPM" of a tempo per 30 days
function perMonth(r, f) {
  const t = f.trend;
  if (!t) return h('td', { class: 'num' }, '–');
  if (t.slope_per_30_days != null) return h('td', { class: 'num' }, signed(t.slope_per_30_days));
  const days = r.sessions.map((s) => s.days).filter((d, i) => f.values[i] != null);
  const span = days.length ? Math.max(...days) - Math.min(...days) : 0;
  const min = r.trend_min_span_days || 28;
  const spanned = span < 1 ? 'less than a day' : counted(Math.round(span), 'day');
  return h('td', { class: 'num no-month', title: `Not given: the sessions span ${spanned}; the change over a month is given once they span four weeks (${min} days), so that it is never extrapolated from a few days` }, '–');
}

// The trend table and, where a band has its *, a line under it saying what the * means
function trendTable(r) {
  const rows = r.columns.map((c) => {
    const f = r.features[c], t = f.trend, b = f.band;
    const n = f.values.filter((v) => v != null).length;
    return h('tr', { dataset: { column: c } },
      // whose measure and its label, then what it measures in words; the column name of the
      // CSV export (for researchers) only as the tooltip: the screen shows no field names
      h('th', { scope: 'row', title: `${c} in the CSV export` }, f.label || c, f.meaning ? h('div', { class: 'muted definition' }, f.meaning) : ''),
      h('td', {}, unitEl(f.unit)), h('td', { class: 'num' }, String(n)),
      h('td', { class: 'num' }, t ? signed(t.slope_per_session) : '–'),
      h('td', { class: 'num' }, t ? `[${signed(t.ci_low)}, ${signed(t.ci_high)}]` : '–'),
      perMonth(r, f),
      // the server's word: "too few sessions to judge" is not a "no" (no test could say no)
      // "too small to matter": a clear trend that moved the measure less than its band's floor
      h('td', { title: f.change === TOO_SMALL ? TOO_SMALL_WORDS : null }, t ? (f.change === 'yes' ? h('strong', {}, 'yes') : f.change || (t.distinguishable ? 'yes' : 'no')) : '–'),
      h('td', { class: 'num', title: b && b.min_half_width != null ? `the band is widened to ± ${fmtV(b.min_half_width)} around the mean: the smallest change that matters for this measure` : null }, b ? `${b.sd === 0 ? `${fmtOf(f, b.mean)} in each (no spread)` : `${fmtOf(f, b.mean)} ± ${fmtV(b.sd)}`}${b.min_half_width != null ? ' *' : ''}` : sameInBaseline(r, f)),
      h('td', {}, sessionLinks(r, f.outside_band)), h('td', {}, sessionLinks(r, f.outliers)));
  });
  // what the * of a band means, under the table where a band has it (not only on hover)
  const widened = r.columns.some((c) => r.features[c].band && r.features[c].band.min_half_width != null);
  const note = widened ? h('p', { class: 'muted table-note star-note' }, '* A measure marked * varied less in the baseline sessions than the smallest change that matters for the measure: its band is widened to that change (the value’s tooltip says how far).') : '';
  return [h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-labelledby': 'tt-cap' },
    h('table', { class: 'trend-table' },
      h('caption', { id: 'tt-cap', title: 'Trend: Theil–Sen slope with its 95 % interval; Change: Mann–Kendall test at 5 %, exact' },
        `Trends over ${counted(r.sessions.length, 'session')}: how much each measure changed from one session to the next, with the range it lies in (95 % interval). Change says yes only where the trend is clear and large enough to matter, and never with fewer than five sessions.`),
      h('thead', {}, h('tr', {}, TREND_COLUMNS.map(([x, words]) => h('th', { scope: 'col', title: words || null }, words ? h('abbr', { title: words }, x) : x)))),
      h('tbody', {}, rows))), note];
}

// a session without a value of a measure, in words: a tempo needs a clear pulse
function missingWords(col) { return splitColumn(col).feature.startsWith('tempo_bpm') ? 'no clear pulse' : 'no value'; }

// why session i has no value of a measure: the server's words, those of the client report
// (improv.reports.trend_plots.gaps): "no single tempo" on the axis and "no single tempo (a
// clear pulse only part of the time)" under the chart where the session's summary says "a
// clear pulse much of the time, around 69 BPM …, but no single tempo for the session", "no
// clear pulse" where there was none
function gapOf(f, col, i) { return (f.gaps && f.gaps[i]) || { mark: missingWords(col), why: missingWords(col) }; }

// the sessions without a value grouped by why, in the order met: "Sessions 4 and 9: no
// single tempo (…)"; the sessions as sessionNumbers or sessionRanges name them
function gapsByWhy(gaps, numbers, name) {
  const by = new Map();
  gaps.forEach((g, j) => { if (!by.has(g.why)) by.set(g.why, []); by.get(g.why).push(numbers[j]); });
  return [...by].map(([why, nums]) => `${name(nums)}: ${why}`).join('; ');
}

// "without a clear pulse", "without a single tempo": the gaps of a chart counted, in the
// words on its axis ("without a value" for several kinds)
const WITHOUT = { 'no clear pulse': 'without a clear pulse', 'no single tempo': 'without a single tempo' };

// Session numbers with their runs as ranges: "Sessions 1–8, 10, 12–24 and 30"; a run of two
// is written as two numbers
function sessionRanges(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b);
  const parts = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    if (j - i >= 2) parts.push(`${sorted[i]}–${sorted[j]}`);
    else for (let k = i; k <= j; k++) parts.push(String(sorted[k]));
    i = j + 1;
  }
  if (parts.length === 1 && !parts[0].includes('–')) return `Session ${parts[0]}`;
  return parts.length === 1 ? `Sessions ${parts[0]}` : `Sessions ${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

// up to this many sessions without a value are named in the sentence under a chart; more
// are counted there, and named behind "Which sessions"
const NAMED_GAPS = 5;

// The values of a client's only session, measure by measure
function oneSessionTable(r) {
  const s = r.sessions[0];
  const rows = r.columns.map((c) => {
    const f = r.features[c];
    return h('tr', { dataset: { column: c } },
      h('th', { scope: 'row', title: `${c} in the CSV export` }, f.label || c, f.meaning ? h('div', { class: 'muted definition' }, f.meaning) : ''),
      h('td', {}, unitEl(f.unit)), h('td', { class: 'num' }, f.values[0] == null ? gapOf(f, c, 0).why : fmtOf(f, f.values[0])));
  });
  return h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-labelledby': 'tt-cap' },
    h('table', { class: 'trend-table one-session' },
      h('caption', { id: 'tt-cap' }, 'Trends start with the second session; the values of ',
        h('a', { href: `#/session/${s.id}` }, `Session ${s.number || 1}`), ` (${fmtDate(s.started_utc)}) are below.`),
      h('thead', {}, h('tr', {}, ['Measure', 'Unit', 'Value'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows)));
}

// Where each session stands on a course chart's x axis, its label there and the axis' name,
// as the client report's course charts have it (improv.reports.trend_plots.session_axis):
// sessions on different days stand on their days (the distance between points is the time
// between sessions, so a break of a month shows), labelled "Nov 16" ("Nov 16, 25" where the
// sessions span more than one year). Where a day holds two sessions, a day axis would put
// them on one point, their labels over each other ("Dec 6" twice): then every session stands
// one step apart in its order, labelled with its number and day ("3 · Oct 19", as the page
// names it "Session 3"), the axis named "session number · day".
function sessionAxis(sessions) {
  const years = new Set(sessions.map((s) => new Date(s.started_utc).getFullYear())).size > 1;
  const local = sessions.map((s) => localDay(s.started_utc)); // the days the therapist lived
  if (new Set(local).size === local.length) {
    return { at: sessions.map((s) => s.days), labels: sessions.map((s) => axisDay(s.started_utc, years)), name: '', width: years ? 62 : 44 };
  }
  return { at: sessions.map((s, i) => i + 1), labels: sessions.map((s, i) => `${s.number || i + 1} · ${axisDay(s.started_utc, years)}`), name: 'session number · day', width: years ? 86 : 66 };
}

function chart(r, col, color) {
  const f = r.features[col];
  const axisX = sessionAxis(r.sessions);
  // an axis with a name has a line more below it; room on the right for half the last label
  const W = 460, L = 52, R = axisX.name ? Math.ceil(axisX.width / 2) : 30, T = 10, B = axisX.name ? 48 : 34, H = 136 + B;
  const days = axisX.at;
  const d0 = days[0], d1 = days[days.length - 1];
  const vals = f.values.filter((v) => v != null);
  let lo = Math.min(...vals), hi = Math.max(...vals);
  if (f.band) { lo = Math.min(lo, f.band.low); hi = Math.max(hi, f.band.high); }
  if (f.fit) { lo = Math.min(lo, ...f.fit); hi = Math.max(hi, ...f.fit); }
  // round ticks from a round number below to one above; a share from 0 to 100 %, a 0-1
  // measure from 0 to 1, whatever its band says; never below 0 for a measure that never is
  // (a band of mean - 2 SD may reach below it)
  const axis = valueAxis(lo, hi, f.unit, { nonNegative: !vals.length || Math.min(...vals) >= 0 });
  lo = axis.lo; hi = axis.hi;
  const x = (d) => L + (d1 > d0 ? ((d - d0) / (d1 - d0)) * (W - L - R) : (W - L - R) / 2);
  // a value outside the axis (a band beyond 0-1, a trend line running off) is drawn at its edge
  const y = (v) => T + (1 - (Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * (H - T - B);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('role', 'img');
  const t = f.trend;
  const missing = r.sessions.map((s, i) => i).filter((i) => f.values[i] == null);
  const gaps = missing.map((i) => gapOf(f, col, i));
  const missingNums = missing.map((i) => r.sessions[i].number || i + 1);
  const marks = new Set(gaps.map((g) => g.mark));
  const tempoOnly = [...marks].every((m) => WITHOUT[m]);
  const without = !tempoOnly ? 'without a value' : marks.size === 1 ? WITHOUT[[...marks][0]] : 'without a tempo';
  const missingCount = `Not counted: ${missing.length} of ${r.sessions.length} sessions ${without}`;
  const named = missing.length <= NAMED_GAPS;
  const missingNote = !missing.length ? '' : named ? `${gapsByWhy(gaps, missingNums, sessionNumbers)}, not counted.` : `${missingCount}.`;
  svg.setAttribute('aria-label', `${f.label || col}: ${counted(vals.length, 'session')}; ${t ? `trend ${signed(t.slope_per_session)} per session, ${f.change === 'yes' ? 'a change' : f.change === TOO_SMALL ? 'a clear trend, too small to matter' : 'no clear change'}` : 'no trend'}` +
    `${f.band ? `; baseline band ${fmtOf(f, f.band.low)} to ${fmtOf(f, f.band.high)}` : ''}; ${counted(f.outside_band.length, 'session')} outside the band; ${counted(f.outliers.length, 'outlier')}.${missingNote ? ` ${missingNote}` : ''} The values are in the table below the chart.`);
  const el = (tag, attrs, text) => { const e = document.createElementNS(SVG, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); if (text != null) e.textContent = text; svg.append(e); return e; };
  if (f.band) {
    const top = y(f.band.high), bot = y(f.band.low);
    el('rect', { class: 'band', x: L, y: top, width: W - L - R, height: Math.max(1, bot - top), fill: BAND_FILL, 'fill-opacity': 0.45 });
    el('line', { class: 'band-mean', x1: L, x2: W - R, y1: y(f.band.mean), y2: y(f.band.mean), stroke: BAND_LINE, 'stroke-width': 1 });
  }
  // axes: round values on the left, the sessions' days below
  el('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#767676' });
  el('line', { x1: L, y1: T, x2: L, y2: H - B, stroke: '#767676' });
  for (const v of axis.ticks) {
    el('line', { x1: L - 3, x2: L, y1: y(v), y2: y(v), stroke: '#767676' });
    el('text', { class: 'tick', x: L - 6, y: y(v) + 4, 'font-size': 10, 'text-anchor': 'end', fill: '#333' }, f.unit === 'MIDI note' ? noteName(v) : fmtTick(v));
  }
  // every session's label where the labels fit side by side, else every second (third…) one
  const xs = days.map(x);
  // the words of a gap ("no clear pulse", "no single tempo") stand over it above the axis,
  // kept inside the plot, where the words of every gap fit side by side; else each gap is a
  // dash on the axis and the words are said once, under the chart (review 33: 60 gaps printed
  // their words over each other). 9 px letters, about 5.6 px wide each.
  const gapLabels = missing.map((i, j) => {
    const mark = gaps[j].mark, width = mark.length * 5.6;
    const left = Math.min(Math.max(xs[i] - width / 2, L + 2), W - 2 - width);
    return { i, mark, left, right: left + width };
  });
  const spelled = gapLabels.every((g, j) => j === 0 || g.left >= gapLabels[j - 1].right + 6);
  for (const i of labelledSessions(xs, axisX.width)) {
    el('line', { x1: xs[i], x2: xs[i], y1: H - B, y2: H - B + 4, stroke: '#767676' });
    el('text', { class: 'date', x: xs[i], y: H - B + 16, 'font-size': 10, 'text-anchor': 'middle', fill: '#333' }, axisX.labels[i]);
  }
  if (axisX.name) el('text', { class: 'axis-name', x: L + (W - L - R) / 2, y: H - 6, 'font-size': 10, 'text-anchor': 'middle', fill: '#555' }, axisX.name);
  // the course: a session without a value breaks the line (never bridged), and is marked on
  // the axis with why
  const pts = f.values.map((v, i) => (v == null ? null : [xs[i], y(v)]));
  let run = [];
  for (const p of [...pts, null]) {
    if (p) { run.push(p); continue; }
    if (run.length > 1) el('polyline', { class: 'course', points: run.map((q) => q.join(',')).join(' '), fill: 'none', stroke: LINE, 'stroke-width': 1 });
    run = [];
  }
  for (const g of gapLabels) {
    const i = g.i;
    if (spelled) {
      el('line', { class: 'no-value', x1: xs[i], x2: xs[i], y1: T, y2: H - B, stroke: '#9a9a9a', 'stroke-dasharray': '2 3' });
      el('text', { class: 'no-value', x: (g.left + g.right) / 2, y: H - B - 4, 'font-size': 9, 'text-anchor': 'middle', fill: '#555' }, g.mark);
    } else {
      el('line', { class: 'no-value-mark', x1: xs[i], x2: xs[i], y1: H - B - 8, y2: H - B, stroke: '#767676', 'stroke-width': 1.5, 'stroke-dasharray': '3 2' });
    }
  }
  if (f.fit) el('polyline', { class: 'trend-line', points: f.fit.map((v, i) => `${xs[i]},${y(v)}`).join(' '), fill: 'none', stroke: TREND, 'stroke-width': 1.6, 'stroke-dasharray': '6 4' });
  r.sessions.forEach((s, i) => {
    if (!pts[i]) return;
    const [cx, cy] = pts[i];
    const annotated = s.annotations > 0;
    const look = { fill: annotated ? color : '#ffffff', stroke: color, 'stroke-width': 1.6 };
    // outside the band: a triangle pointing the way it left the band (a circle is inside)
    if (f.outside_band.includes(s.id)) {
      const up = f.band && f.values[i] > f.band.mean;
      const d = up ? `M${cx},${cy - 6} L${cx + 6},${cy + 4} L${cx - 6},${cy + 4} Z` : `M${cx},${cy + 6} L${cx + 6},${cy - 4} L${cx - 6},${cy - 4} Z`;
      el('path', { class: `pt outside ${annotated ? 'filled' : 'hollow'}`, d, ...look });
    } else el('circle', { class: annotated ? 'pt filled' : 'pt hollow', cx, cy, r: 4, ...look });
    if (f.outliers.includes(s.id)) el('circle', { class: 'outlier', cx, cy, r: 9, fill: 'none', stroke: OUTLIER, 'stroke-width': 1.6 });
  });
  const rows = r.sessions.map((s, i) => h('tr', {}, h('td', {}, h('a', { href: `#/session/${s.id}` }, fmtDate(s.started_utc))),
    h('td', { class: 'num' }, f.values[i] == null ? gapOf(f, col, i).why : fmtOf(f, f.values[i])),
    h('td', {}, [s.annotations ? 'annotated' : '', f.outside_band.includes(s.id) ? 'outside band' : '', f.outliers.includes(s.id) ? 'outlier' : ''].filter(Boolean).join(', '))));
  return h('figure', { class: 'trend', dataset: { column: col } },
    h('figcaption', { title: col }, swatch(color), f.label || col, f.unit ? h('span', { class: 'muted' }, ' (', unitEl(f.unit), ')') : ''),
    svg,
    missingNote ? h('p', { class: 'muted small missing' }, spelled || named ? missingNote : `${missingCount} (the dashes on the axis).`) : '',
    named ? '' : h('details', { class: 'muted small missing-list' }, h('summary', {}, 'Which sessions'), h('p', {}, `${gapsByWhy(gaps, missingNums, sessionRanges)}.`)),
    h('details', {}, h('summary', {}, 'Values'), h('table', {}, h('thead', {}, h('tr', {}, ['Session', 'Value', ''].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, rows))));
}

function swatch(color) {
  const e = h('span', { class: 'sw player', 'aria-hidden': 'true' });
  e.style.background = color; // CSSOM, allowed by the style-src 'self' policy
  return e;
}

function signed(v) { return v == null ? '–' : (v > 0 ? '+' : v < 0 ? '−' : '') + fmtV(Math.abs(v)); }

// a value of measure f: a pitch as the nearest note with its number ("E4 (63.6)"), the
// rest as fmtV
function fmtOf(f, v) {
  if (f.unit !== 'MIDI note' || v == null || !isFinite(v)) return fmtV(v);
  return `${noteName(v)} (${v.toFixed(1)})`;
}

function fmtV(v) {
  if (v == null || !isFinite(v)) return '–';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 0.1 ? v.toFixed(2) : a === 0 ? '0' : v.toPrecision(2);
}
