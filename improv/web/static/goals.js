// The client page's treatment goals: each goal with its versions, a small chart per
// indicator, the sessions marked with the goals active then, and forms to add, change,
// reach or drop a goal.  Every number (band, trend, verdict, reading) comes from the server
// (improv.reports.goals); this file only draws it.
import { api, axisDay, download, fmtTick, h, inPercent, labelledSessions, localDay, say, valueAxis } from './api.js';
import { keepAsCode, keptAsCode } from './clients.js';

// a day (YYYY-MM-DD) as the other pages write dates: "Jan 5, 2026" in an English browser
function day(iso) {
  if (!iso) return '';
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(y, m - 1, d).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

const SVG = 'http://www.w3.org/2000/svg';

// `focus`: a selector in the section for the keyboard focus once it is drawn (the goal just
// added, changed or ended; the control that was pressed); without it a control that had the
// focus and is drawn again keeps it, so that the focus never falls back to the top of the page
export async function goalsPanel(section, code, { focus = null } = {}) {
  const enc = encodeURIComponent(code);
  let r;
  try {
    r = await api(`/api/clients/${enc}/goals`);
  } catch (e) {
    section.replaceChildren(h('h2', { id: 'goals-h' }, 'Treatment goals'), h('p', { class: 'error', role: 'alert' }, e.message));
    return;
  }
  if (!document.body.contains(section)) return;
  const had = section.contains(document.activeElement) && document.activeElement.id ? `#${CSS.escape(document.activeElement.id)}` : null;
  const reload = (where = null) => goalsPanel(section, code, { focus: where });
  markSessions(r);
  const list = r.goals.map((g, k) => goalView(g, k + 1, r, reload));
  // without goals one plain sentence; the method (band, trend, verdict) once there are goals
  // and sessions to read them by (a client without sessions yet is said so once, at the top
  // of the page: client.js)
  const plan = `${r.plan_text.charAt(0).toUpperCase()}${r.plan_text.slice(1)}.`;
  const intro = !list.length
    ? h('p', { class: 'goals-intro' }, 'Agree a goal with the client, then pick one or two measures that would show progress.')
    : r.sessions.length
      ? h('p', { class: 'muted' }, `${plan} Each goal is followed over the sessions while it was active: the first three sessions give the baseline band; from the fifth session on, the trend gives a verdict.`)
      : h('p', { class: 'muted' }, plan);
  section.replaceChildren(h('h2', { id: 'goals-h' }, 'Treatment goals'), intro,
    hasCharts(r) ? legend() : '', ...list,
    !r.sessions.length && r.goals.length ? intakeReports(code) : '',
    goalForm(code, r, null, reload), planForm(code, r, reload),
    !r.sessions.length && r.goals.length ? deleteGoals(code, reload) : '');
  const target = (focus && section.querySelector(focus)) || (had && section.querySelector(had));
  if (target) target.focus();
}

// A question in the page before something that cannot be undone: the focus on Cancel (the
// safe answer, first), so that a second Enter or a repeating key does not answer yes; Escape
// or Cancel closes it and gives the focus back to the button that asked. `field`: a text
// field asked with it (why a goal is dropped), which gets the focus instead: Enter in it
// answers nothing, only the Yes button does.
function ask(box, opener, text, yes, onYes, { danger = false, field = null } = {}) {
  const close = () => { box.hidden = true; box.replaceChildren(); if (opener.isConnected) opener.focus(); };
  const cancel = h('button', { type: 'button', class: 'cancel', onclick: close }, 'Cancel');
  box.replaceChildren(h('span', {}, text), field || '', cancel,
    h('button', { type: 'button', class: danger ? 'primary danger' : 'primary', onclick: onYes }, yes));
  box.onkeydown = (e) => { if (e.key === 'Escape') { e.preventDefault(); close(); } };
  box.hidden = false;
  (field ? field.querySelector('input') : cancel).focus();
}

// a client without sessions yet: a report of the goals agreed (the intake's documentation);
// the course over sessions comes into it with the first session
function intakeReports(code) {
  const enc = encodeURIComponent(code);
  const btn = (label, fmt) => h('button', { type: 'button', onclick: async (e) => {
    e.target.disabled = true;
    say(`Preparing ${label}…`);
    try { await download(`/api/clients/${enc}/report.${fmt}`, `improv-client-${code}.${fmt}`); say(`${label} downloaded`); } catch (ex) { say(ex.message, { error: true }); }
    e.target.disabled = false;
  } }, label);
  return h('div', { class: 'row downloads', role: 'group', 'aria-label': 'Downloads' },
    h('span', { class: 'muted' }, 'The goals agreed, to print:'), btn('Report (HTML)', 'html'), btn('Report (PDF)', 'pdf'));
}

// a client without sessions (a goal agreed at intake, or a code typed wrong): its goals can
// be deleted here, after a question; a client with sessions is deleted with them
function deleteGoals(code, reload) {
  const confirm = h('div', { class: 'row confirm', role: 'alertdialog', 'aria-label': 'Delete the goals?', hidden: true });
  const opener = h('button', { type: 'button', id: 'delete-goals', onclick: () => ask(confirm, opener,
    `Delete every goal of client ${code}? This cannot be undone. `, 'Yes, delete the goals', async () => {
      try {
        await api(`/api/clients/${encodeURIComponent(code)}/goals`, { method: 'DELETE' });
        say(`The goals of client ${code} are deleted`);
        location.hash = '#/clients';
      } catch (e) { say(e.message, { error: true }); reload('#delete-goals'); }
    }, { danger: true }) }, 'Delete this client’s goals…');
  return h('div', { class: 'row actions delete-goals' }, opener, confirm);
}

// whether any goal has a chart (an indicator of a version in use)
function hasCharts(r) { return r.sessions.length > 0 && r.goals.some((g) => g.versions.some((v) => v.used && v.indicators.length)); }

// what the goal charts' marks mean, as the trend charts' legend says it (client.js)
function legend() {
  const sw = (cls, text) => h('span', { class: 'lg' }, h('span', { class: `sw ${cls}`, 'aria-hidden': 'true' }), text);
  return h('p', { class: 'legend goals-legend' },
    sw('band', 'baseline band (mean ± 2 SD of the first three sessions of the goal, never narrower than the smallest change that matters)'),
    sw('outside', 'outside band: a later session above (▲) or below (▼) the band'));
}

// the therapy's planned length (sessions and/or months)
function planForm(code, r, reload) {
  const n = h('input', { id: 'plan-sessions', type: 'number', min: '1', max: '1000', size: '4', value: r.plan && r.plan.sessions ? String(r.plan.sessions) : '' });
  const m = h('input', { id: 'plan-months', type: 'number', min: '0.5', max: '240', step: '0.5', size: '4', value: r.plan && r.plan.months ? String(r.plan.months) : '' });
  const save = async (e) => {
    e.preventDefault();
    try {
      await api(`/api/clients/${encodeURIComponent(code)}/plan`, { method: 'PUT', body: { sessions: n.value ? Number(n.value) : null, months: m.value ? Number(m.value) : null } });
      say('Planned length saved');
      reload('#plan-save');
    } catch (ex) { say(ex.message, { error: true }); }
  };
  return h('form', { class: 'row plan-form', 'aria-label': 'Planned length', onsubmit: save },
    h('span', {}, 'Planned length of the therapy:'), h('label', { for: 'plan-sessions' }, 'sessions'), n,
    h('label', { for: 'plan-months' }, 'or months'), m, h('button', { type: 'submit', id: 'plan-save' }, 'Save length'));
}

function markSessions(r) {
  const num = new Map(r.goals.map((g, k) => [g.id, k + 1]));
  for (const s of r.sessions) {
    const cell = document.querySelector(`td.goal-marks[data-session="${s.id}"]`);
    if (!cell) continue;
    const nums = s.goals.map((id) => num.get(id));
    cell.textContent = nums.length ? `${nums.length === 1 ? 'Goal' : 'Goals'} ${nums.join(', ')}` : '–';
    cell.title = s.goals.map((id) => `${num.get(id)}: ${r.goals[num.get(id) - 1].text}`).join('\n');
  }
}

function goalView(g, k, r, reload) {
  const state = g.status === 'active' ? `active since ${day(g.since)}` : `${g.status}: ${day(g.since)} to ${day(g.end)}`;
  // why it was dropped, as the therapist gave it (part of the treatment's history)
  const why = g.status !== 'active' && g.reason
    ? h('p', { class: 'end-reason' }, `${g.status === 'dropped' ? 'Why it was dropped' : 'Noted when it was reached'}: ${g.reason}`) : '';
  const versions = g.versions.map((v, n) => h('div', { class: 'goal-version' },
    g.versions.length > 1 || !v.used ? h('p', { class: 'muted' }, `${versionWords(g.versions, n)}: “${v.text}”`) : '',
    // no chart before the client's first session: there is nothing to draw yet
    v.used && r.sessions.length ? h('div', { class: 'trends' }, v.indicators.map((i) => chart(i, v, r))) : ''));
  // before the first session no chart says what a goal follows: its measures in words
  // (the server's: "Turn changes per minute of client & therapist, progress when it goes
  // up"), and no reading, which would only say again that there are no sessions yet
  const latest = g.versions.filter((v) => v.used).pop() || g.versions[g.versions.length - 1];
  const follows = latest.indicators.map((i) => i.follows).filter(Boolean);
  const article = h('article', { class: 'goal panel', dataset: { goal: g.id }, 'aria-labelledby': `goal-${g.id}` },
    // focusable by script: the focus goes here when the goal is added, changed or ended
    h('h3', { id: `goal-${g.id}`, tabindex: '-1' }, `Goal ${k}: ${g.text}`),
    h('p', { class: 'muted' }, state), why,
    r.sessions.length
      // the reading alone: the text and the dates are said above, in the page's own forms
      ? h('p', { class: 'reading' }, `${g.reading.charAt(0).toUpperCase()}${g.reading.slice(1)}.`)
      : h('p', { class: 'follows' }, follows.length ? `Follows: ${follows.join('; ')}.` : 'No measure or tag chosen: progress is not measured.'),
    versions);
  if (g.status === 'active') article.append(actions(g, r, reload, article));
  return article;
}

// A version's heading, as the client report and 'improv goals show' write it
// (improv.reports.goals.version_words): its period, or why it covers no day
function versionWords(vs, n) {
  const v = vs[n];
  const next = vs[n + 1];
  if (v.used || !next) return `Version ${n + 1}, ${day(v.since)} to ${v.until ? day(v.until) : 'now'}`;
  if (next.corrects_agreed) return `Version ${n + 1} (agreed on ${day(v.since)} as first entered; corrected to ${day(next.since)} by version ${n + 2}; not used)`;
  return `Version ${n + 1} (replaced the same day by version ${n + 2}; not used)`;
}

// whether the day a goal was agreed can still be corrected: it is active and has not been
// changed from a later day (sessions.goals.can_correct_agreed)
function canCorrectAgreed(g) { return g.status === 'active' && g.versions.filter((v) => v.used).length === 1; }

// the first day a goal can start on: the client's first session (the store refuses earlier
// days), or none before the first session
function firstDay(r) { return r.sessions.length ? r.sessions.map((x) => localDay(x.started_utc)).sort()[0] : null; }

// The day a goal was agreed, corrected (its versions from then on: the sessions from that
// day count for it); the day entered first stays in the goal's history
function agreedForm(g, r, reload) {
  const id = `agreed-${g.id}`;
  const first = firstDay(r);
  const on = h('input', { id: `${id}-on`, type: 'date', min: first, max: today(), value: g.since });
  const err = h('p', { class: 'error', role: 'alert' });
  const submit = async (e) => {
    e.preventDefault();
    err.textContent = '';
    try {
      await api(`/api/goals/${g.id}`, { method: 'PATCH', body: { agreed_on: on.value || null } });
      say(`The day agreed is corrected (the day entered before stays in the goal’s history)`);
      reload(`#goal-${CSS.escape(g.id)}`);
    } catch (ex) { err.textContent = ex.message; say(ex.message, { error: true }); }
  };
  return h('form', { class: 'goal-form agreed-form', 'aria-label': 'Correct the day agreed', onsubmit: submit, novalidate: true },
    h('fieldset', {}, h('legend', {}, 'Correct the day this goal was agreed'),
      h('div', { class: 'row' }, h('label', { for: on.id }, 'Agreed on'), on,
        h('span', { class: 'muted small' }, `Only sessions from this day on count for the goal${first ? ` (the earliest day: the first session, ${day(first)})` : ''}. The day entered before stays in the goal’s history.`)),
      h('div', { class: 'row actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save the day')), err));
}

// Reached and Dropped end a goal for good (a goal's log has no undo): each asks once more,
// naming the goal and the day, before anything is written
function actions(g, r, reload, article) {
  const on = h('input', { type: 'date', id: `end-${g.id}`, min: g.versions[g.versions.length - 1].since, max: today() });
  const confirm = h('div', { class: 'row confirm', role: 'alertdialog', 'aria-label': 'Confirm', hidden: true });
  const end = (op) => (e) => {
    const word = op === 'reach' ? 'reached' : 'dropped';
    const when = on.value ? `on ${day(on.value)}` : 'today';
    // why it is dropped (optional), saved with the goal as 'improv goals drop --reason' saves it
    const reason = op === 'drop' ? h('input', { id: `why-${g.id}`, class: 'end-reason', size: '40', maxlength: '500' }) : null;
    const field = reason ? h('span', { class: 'row end-why' }, h('label', { for: reason.id }, 'Why (optional)'), reason) : null;
    ask(confirm, e.currentTarget, `Mark “${g.text}” as ${word} ${when}? This cannot be undone.`, `Yes, mark as ${word}`, async () => {
      const body = { on: on.value || null, ...(reason && reason.value.trim() ? { reason: reason.value } : {}) };
      try { await api(`/api/goals/${g.id}/${op}`, { method: 'POST', body }); say(`Goal marked as ${word}`); reload(`#goal-${CSS.escape(g.id)}`); } catch (ex) { say(ex.message, { error: true }); }
    }, { field });
  };
  // one change form per goal: Change… opens it (the focus in its first field) and closes it
  let form = null;
  const change = h('button', { type: 'button', 'aria-expanded': 'false', onclick: () => {
    if (form && form.isConnected) {
      form.remove(); form = null;
      change.setAttribute('aria-expanded', 'false');
      return;
    }
    form = goalForm(r.client, r, g, reload);
    article.append(form);
    change.setAttribute('aria-expanded', 'true');
    form.querySelector('input.goal-text').focus();
  } }, 'Change…');
  // one form to correct the day agreed, opened and closed as the change form is
  let fix = null;
  const correct = canCorrectAgreed(g) ? h('button', { type: 'button', 'aria-expanded': 'false', onclick: () => {
    if (fix && fix.isConnected) {
      fix.remove(); fix = null;
      correct.setAttribute('aria-expanded', 'false');
      return;
    }
    fix = agreedForm(g, r, reload);
    article.append(fix);
    correct.setAttribute('aria-expanded', 'true');
    fix.querySelector('input').focus();
  } }, 'Correct the day it was agreed…') : '';
  return h('div', {}, h('div', { class: 'row actions' }, change, correct,
    h('label', { for: `end-${g.id}` }, 'Ends on (empty: today)'), on,
    h('button', { type: 'button', onclick: end('reach') }, 'Reached…'),
    h('button', { type: 'button', onclick: end('drop') }, 'Dropped…')), confirm);
}

// today as YYYY-MM-DD in the browser's time zone (the latest day a form takes)
function today() { return localDay(); }

// the add form (goal null) or the change form of goal g (a new version from a date on)
function goalForm(code, r, g, reload) {
  const id = g ? `edit-${g.id}` : 'new-goal';
  const text = h('input', { id: `${id}-text`, class: 'goal-text', size: '50', maxlength: '500', value: g ? g.text : '' });
  // a goal starts on or after the client's first session (the store refuses earlier days);
  // a change applies from the day its current version began on
  const first = firstDay(r);
  const from = g ? g.versions[g.versions.length - 1].since : first;
  const since = h('input', { id: `${id}-since`, type: 'date', min: from, max: today() });
  const err = h('p', { class: 'error', role: 'alert' });
  const rows = h('div', { class: 'goal-measures' });
  let nRows = 0;
  const addRow = (ind) => {
    const k = `${id}-m${nRows++}`;
    const m = measureSelect(r, ind && ind.measure);
    m.id = `${k}-measure`;
    const d = direction(ind && ind.direction);
    d.id = `${k}-dir`;
    const p = h('select', { id: `${k}-player`, class: 'goal-player' });
    playerOptions(p, r, m.value, ind && ind.player);
    // the Player list follows the measure: only those who have it (the one preselected)
    m.addEventListener('change', () => playerOptions(p, r, m.value, p.value));
    // what the chosen measure means in the playing and what higher means, in a therapist's
    // words (the server's: improv.reports.plain_measures), under the row and read with the
    // list by a screen reader
    const said = h('p', { id: `${k}-meaning`, class: 'muted small goal-measure-meaning', 'aria-live': 'polite' });
    const explain = () => { said.textContent = (r.choices.measure_meanings || {})[m.value] || ''; said.hidden = !said.textContent; };
    m.setAttribute('aria-describedby', said.id);
    m.addEventListener('change', explain);
    explain();
    // every select named by a label of its own (a screen reader says more than "combo box")
    // one element per measure (the submit reads each one's selects): the row and its sentence
    rows.append(h('div', { class: 'goal-measure-item' }, h('div', { class: 'row goal-measure-row' },
      h('label', { for: m.id }, 'Measure'), m, h('label', { for: d.id }, 'progress when it goes'), d,
      h('label', { for: p.id }, 'Player'), p), said));
  };
  (g && g.indicators.length ? g.indicators : [null]).forEach(addRow);
  // tags grouped and titled as the annotation form does (Common tags, "IAP · autonomy",
  // "Practice · mood"), each value under its dimension ("leader"), not as a code; a value two
  // dimensions share ("calm") is told apart by its group
  const tagOpt = (t) => h('option', { value: t, title: t, selected: g && g.tags[0] && g.tags[0].tag === t }, t.includes(':') ? t.slice(t.indexOf(':') + 1) : t);
  const dims = [...new Set(r.choices.tags.filter((t) => t.includes(':')).map((t) => t.slice(0, t.indexOf(':'))))];
  const iap = new Set(r.choices.iap || []);
  const dimGroup = (d) => h('optgroup', { label: `${iap.has(d) ? 'IAP' : 'Practice'} · ${d}` }, r.choices.tags.filter((t) => t.startsWith(`${d}:`)).map(tagOpt));
  const plain = r.choices.tags.filter((t) => !t.includes(':'));
  const tag = h('select', { id: `${id}-tag`, class: 'goal-tag' }, h('option', { value: '' }, '(none)'),
    plain.length ? h('optgroup', { label: 'Common tags' }, plain.map(tagOpt)) : '',
    dims.filter((d) => iap.has(d)).map(dimGroup), dims.filter((d) => !iap.has(d)).map(dimGroup));
  const tagDir = direction(g && g.tags[0] && g.tags[0].direction);
  tagDir.id = `${id}-tag-dir`;
  const submit = async (e) => {
    e.preventDefault();
    const indicators = [...rows.children].map((row) => ({ measure: row.querySelector('.goal-measure').value, direction: row.querySelector('.goal-dir').value, player: row.querySelector('.goal-player').value || null })).filter((i) => i.measure && i.measure !== MORE);
    const body = { text: text.value, since: since.value || null, indicators, tags: tag.value ? [{ tag: tag.value, direction: tagDir.value }] : [] };
    if (!g && keptAsCode(code)) body.not_a_name = true;  // a new client's code, kept as one
    err.textContent = '';
    try {
      const saved = g ? await api(`/api/goals/${g.id}`, { method: 'PATCH', body })
        : await api(`/api/clients/${encodeURIComponent(code)}/goals`, { method: 'POST', body });
      say(g ? 'Goal changed (the earlier version is kept)' : 'Goal added');
      // the focus on the goal added or changed (its heading), not the top of the page
      reload(`#goal-${CSS.escape((saved && saved.id) || (g && g.id) || '')}`);
    } catch (ex) {
      err.textContent = ex.message;
      say(ex.message, { error: true });
      // a new client's code that reads like a name: the server asks, the answer is here
      if (!g && ex.status === 400 && /looks like a name/.test(ex.message)) {
        err.append(' ', h('button', { type: 'button', onclick: (ev) => { keepAsCode(code); submit(ev); } }, 'Use it anyway'));
        return;
      }
      // a Player list still at "choose who": there is where the answer goes
      const unchosen = [...rows.querySelectorAll('select.goal-player')].find((p) => p.required && !p.value);
      if (unchosen) unchosen.focus();
    }
  };
  // the date picker greys out the days a goal cannot start on (min, max), and the server's
  // one-line reason is said next to the button (novalidate: not the browser's own bubble)
  return h('form', { class: 'goal-form', 'aria-label': g ? 'Change goal' : 'Add a goal', onsubmit: submit, novalidate: true },
    h('fieldset', {}, h('legend', {}, g ? 'Change this goal from a day on (the earlier version is kept)' : 'Add a goal'),
      h('div', { class: 'row' }, h('label', { for: `${id}-text` }, 'Goal'), text),
      h('div', { class: 'row' }, h('label', { for: `${id}-since` }, g ? 'Applies from' : 'Agreed on'), since,
        h('span', { class: 'muted small' }, g
          ? `empty: today. The earliest day: ${day(from)}, when the current version began${canCorrectAgreed(g) ? ' (to count earlier sessions, correct the day it was agreed)' : ''}.`
          : `empty: today. Only sessions from this day on count for the goal${first ? ` (the earliest day: the first session, ${day(first)})` : ''}.`)),
      h('p', { class: 'muted small' }, 'One or two measures that would show progress, and whether up or down is progress:'), rows,
      h('button', { type: 'button', onclick: () => addRow(null) }, 'Another measure'),
      h('div', { class: 'row' }, h('label', { for: tag.id }, 'Tag counted per session'), tag,
        h('label', { for: tagDir.id }, 'progress when it goes'), tagDir),
      h('div', { class: 'row actions' }, h('button', { type: 'submit', class: 'primary' }, g ? 'Save change' : 'Add goal')), err));
}

// a player or a pair as the page names them: "client & therapist", never "client|therapist"
const who = (n) => n.split('|').join(' & ');

// The Player list of a goal's measure row: the players or pairs whose sessions have the
// measure (api_goals: measure_players); one of them: that one, chosen; several: one must be
// chosen (the first entry says so, there is no "any player": the server would not know which
// one is meant). A measure not measured for this client yet (every one before the first
// session) offers those that can have it: the players for one player's measure, the pairs
// for a measure of two (api_goals: goal_indicators.fitting_owners). None chosen: every player
// and pair, and "any player". The player a goal already has stays offered.
function playerOptions(p, r, measure, keep) {
  const opt = (n) => h('option', { value: n, selected: keep === n }, who(n));
  const have = measure && measure !== MORE ? (r.choices.measure_players || {})[measure] : null;
  if (!have || !have.length) {
    p.required = false;
    p.replaceChildren(h('option', { value: '' }, 'any player'), ...r.choices.players.map(opt));
  } else {
    const offered = keep && !have.includes(keep) ? [...have, keep] : have;
    p.required = offered.length > 1;
    p.replaceChildren(...(p.required ? [h('option', { value: '' }, 'choose who')] : []), ...offered.map(opt));
    if (!p.required) p.value = offered[0];
  }
  if (keep && [...p.options].some((o) => o.value === keep)) p.value = keep;
}

// the value of the measure select's "More measures…" choice (no measure has this name)
const MORE = '…more';

// A goal's measure: "(none)", the common measures, and "More measures…", which puts the
// others in the list (those this client's sessions have values of, then those not measured
// for this client yet), so that the list a therapist first sees is short. The server offers
// only measures that can show progress (api_goals.offered_as_goal); a measure the goal
// already uses stays selectable even if it is not offered any more.
function measureSelect(r, chosen) {
  // labels on screen (from the feature list, via the server); what each means as a tooltip,
  // never a field name
  const labels = r.choices.measure_labels || {};
  const meanings = r.choices.measure_meanings || {};
  const opt = (n) => h('option', { value: n, title: meanings[n] || null, selected: chosen === n }, labels[n] || n);
  const common = r.choices.common_measures || [];
  const measured = new Set(r.choices.measured || r.choices.measures);
  const rest = r.choices.measures.filter((n) => !common.includes(n));
  const group = (label, names) => (names.length ? h('optgroup', { label }, names.map(opt)) : '');
  const m = h('select', { class: 'goal-measure' });
  const fill = (all) => m.replaceChildren(h('option', { value: '' }, '(none)'),
    chosen && !r.choices.measures.includes(chosen) ? group('This goal’s measure', [chosen]) : '',
    group('Common measures', common),
    ...(all ? [group('More measures of this client', rest.filter((n) => measured.has(n))),
      group('Not measured for this client yet', rest.filter((n) => !measured.has(n)))]
      : rest.length ? [h('option', { value: MORE }, 'More measures…')] : []));
  fill(rest.includes(chosen));
  // "More measures…" chooses nothing: the longer list comes with the measure chosen before
  // still selected (arrow keys go on from there into the new groups), and opens where the
  // browser lets a page open it
  let last = chosen || '';
  m.addEventListener('change', () => {
    if (m.value !== MORE) { last = m.value; return; }
    fill(true);
    m.value = last;
    m.focus();
    try { m.showPicker(); } catch { /* no showPicker here: the list is there on the next click */ }
  });
  return m;
}

function direction(value) {
  return h('select', { class: 'goal-dir' },
    h('option', { value: 'up', selected: value !== 'down' }, 'up'), h('option', { value: 'down', selected: value === 'down' }, 'down'));
}

function chart(raw, v, r) {
  const ind = inPercent(raw);
  // the sessions stand one step apart in their order, labelled with their days ("Nov 16");
  // where a day holds two of them, with number and day ("3 · Oct 19") and the axis named
  // "session number · day", as on the course charts (client.js sessionAxis)
  const started = new Map(r.sessions.map((s) => [s.id, s]));
  const shown = v.sessions.map((id) => started.get(id) || { id });
  const local = shown.map((s) => (s.started_utc ? localDay(s.started_utc) : s.id));
  const numbered = new Set(local).size < local.length;
  const years = new Set(shown.filter((s) => s.started_utc).map((s) => new Date(s.started_utc).getFullYear())).size > 1;
  const dayOf = (s) => (s.started_utc ? axisDay(s.started_utc, years) : '');
  const labels = shown.map((s, i) => (numbered ? `${s.number || i + 1} · ${dayOf(s)}` : dayOf(s)));
  const space = numbered ? (years ? 76 : 58) : (years ? 54 : 40); // a label's room [px]
  // room on the right for half the last label ("Jan 26" was cut at its "6")
  const W = 300, L = 40, R = Math.ceil(space / 2) - 4, T = 8, B = numbered ? 34 : 22, H = 88 + B;
  const vals = ind.values.filter((x) => x != null);
  const lo0 = Math.min(...vals, ...(ind.band ? [ind.band.low] : [])), hi0 = Math.max(...vals, ...(ind.band ? [ind.band.high] : []));
  // round ticks; a share from 0 to 100 %, a 0-1 measure from 0 to 1 (a band of mean ± 2 SD
  // went up to 1.38 on "Tempo stability (0-1)"), never below 0 for values that never are, as
  // on the course charts
  const axis = valueAxis(lo0, hi0, ind.unit, { nonNegative: !vals.length || Math.min(...vals) >= 0 });
  const { lo, hi } = axis;
  const n = ind.values.length;
  const x = (i) => L + (n > 1 ? (i / (n - 1)) * (W - L - R) : (W - L - R) / 2);
  const y = (val) => T + (1 - (Math.min(hi, Math.max(lo, val)) - lo) / (hi - lo)) * (H - T - B);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('role', 'img');
  const nOut = (ind.outside_band || []).length;
  svg.setAttribute('aria-label', `${ind.label}, ${vals.length} sessions: ${ind.reading}${nOut ? `; ${nOut === 1 ? '1 session' : `${nOut} sessions`} outside the band` : ''}`);
  const el = (tag, attrs, text) => { const e = document.createElementNS(SVG, tag); for (const [k, val] of Object.entries(attrs)) e.setAttribute(k, val); if (text != null) e.textContent = text; svg.append(e); return e; };
  if (ind.band) el('rect', { class: 'band', x: L, y: y(ind.band.high), width: W - L - R, height: Math.max(1, y(ind.band.low) - y(ind.band.high)), fill: '#9ecae1', 'fill-opacity': 0.45 });
  el('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#767676' });
  el('line', { x1: L, y1: T, x2: L, y2: H - B, stroke: '#767676' });
  for (const val of axis.ticks) el('text', { class: 'tick', x: L - 4, y: y(val) + 4, 'font-size': 9, 'text-anchor': 'end', fill: '#333' }, fmtTick(val));
  // the sessions' labels: each one where they fit, else every second (third…) one
  const xs = ind.values.map((val, i) => x(i));
  for (const i of labelledSessions(xs, space)) {
    el('text', { class: 'date', x: xs[i], y: H - B + 16, 'font-size': 9, 'text-anchor': 'middle', fill: '#333' }, labels[i]);
  }
  if (numbered) el('text', { class: 'axis-name', x: L + (W - L - R) / 2, y: H - 4, 'font-size': 9, 'text-anchor': 'middle', fill: '#555' }, 'session number · day');
  // a session without a value breaks the line (never bridged); its words stand over it where
  // the words of every gap fit side by side, else each gap is a dash on the axis and the words
  // are said once under the chart (as on the client page's charts; review 33)
  const gapWords = (ind.measure || '').startsWith('tempo_bpm') ? 'no clear pulse' : 'no value';
  const gapWidth = gapWords.length * 5;  // 8 px letters
  const gaps = [];
  let run = [];
  for (const [i, val] of [...ind.values, null].entries()) {
    if (val != null) { run.push([x(i), y(val)]); continue; }
    if (run.length > 1) el('polyline', { points: run.map((p) => p.join(',')).join(' '), fill: 'none', stroke: '#1f5fbf', 'stroke-width': 1.4 });
    if (i < n) gaps.push(Math.min(Math.max(x(i) - gapWidth / 2, L + 2), W - 2 - gapWidth));
    run = [];
  }
  const spelled = gaps.every((left, j) => j === 0 || left >= gaps[j - 1] + gapWidth + 6);
  for (const left of gaps) {
    if (spelled) el('text', { class: 'no-value', x: left + gapWidth / 2, y: H - B - 3, 'font-size': 8, 'text-anchor': 'middle', fill: '#555' }, gapWords);
    else el('line', { class: 'no-value-mark', x1: left + gapWidth / 2, x2: left + gapWidth / 2, y1: H - B - 8, y2: H - B, stroke: '#767676', 'stroke-width': 1.5, 'stroke-dasharray': '3 2' });
  }
  // a session outside the band (improv.reports.compare.outside_band, as on the trend charts):
  // a triangle pointing the way it left the band; a circle is inside
  const outside = new Set(ind.outside_band || []);
  ind.values.forEach((val, i) => {
    if (val == null) return;
    const cx = x(i), cy = y(val);
    if (outside.has(v.sessions[i])) {
      const up = ind.band && val > ind.band.mean;
      const d = up ? `M${cx},${cy - 5} L${cx + 5},${cy + 3} L${cx - 5},${cy + 3} Z` : `M${cx},${cy + 5} L${cx + 5},${cy - 3} L${cx - 5},${cy - 3} Z`;
      el('path', { class: `pt outside ${up ? 'above' : 'below'}`, d, fill: '#1f5fbf' });
    } else el('circle', { class: 'pt', cx, cy, r: 3, fill: '#1f5fbf' });
  });
  const verdict = ind.verdict + (ind.towards == null ? '' : ind.towards ? ', towards the goal' : ', away from the goal');
  return h('figure', { class: 'trend goal-chart', dataset: { indicator: ind.label } },
    // units in parentheses, as in every table and report: "client leads (%)"
    h('figcaption', {}, `${ind.label}${['%', 'BPM', 'dB', 'dBFS', 'notes/s', 'onsets/s', 'ms', 's', 'semitones'].includes(ind.unit) ? ` (${ind.unit})` : ''} · progress when it ${ind.direction === 'down' ? 'falls' : 'rises'}`,
      h('span', { class: 'muted' }, ` · ${verdict}`),
      // the band by its ends, the values a session is judged against (as 'improv goals show')
      ind.band_ends ? h('span', { class: 'band-ends' }, ` · band ${ind.band_ends}`) : ''), svg,
    spelled ? '' : h('p', { class: 'muted small missing' }, `${gaps.length} of ${n} sessions ${gapWords === 'no clear pulse' ? 'without a clear pulse' : 'without a value'}: the dashes on the axis; not counted.`));
}
