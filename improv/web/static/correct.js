// Correcting a session's title or client code (PATCH /api/sessions/{id}) and renaming a player
// (POST /api/sessions/{id}/players/rename: 'Piano-client' taken from a track becomes 'client',
// so that the client's sessions are compared under one name); the earlier values stay in the
// session's history, listed under the form.
import { api, fmtDate, guard, h, say } from './api.js';

// "Session 7: duet" (or "Session 20261127-093012-3fa2" while the catalog has no number).
export function sessionName(s) {
  return `Session ${s.number || s.id}${s.title ? `: ${s.title}` : ''}`;
}

// One correction in the history's words (as sessions.revisions.revision_words and mark_words).
function revisionItem(v) {
  const who = `${fmtDate(v.at_utc)}${v.by ? ` by ${v.by}` : ''}`;
  const why = v.reason ? ` (${v.reason})` : '';
  if (v.field === 'percussion') { // a MIDI input marked as a drum kit, or the mark taken away
    return h('li', {}, `MIDI input ${v.input} (${v.player}) ${v.to ? 'marked as a drum kit' : 'no longer marked as a drum kit'} ${who}${why}`);
  }
  if (v.field === 'player') return h('li', {}, `Player ${v.from} renamed ${v.to} ${who}${why}`);
  return h('li', {}, `${v.field === 'title' ? 'Title' : 'Client code'} corrected ${who}: was `,
    h('s', {}, v.from || '(none)'), `, now ${v.to || '(none)'}${why}`);
}

// The focus on the "Correct title…" button of the page drawn anew after a correction (it
// comes with the session page's first drawing: looked for every 50 ms, for at most 10 s)
function focusWhenDrawn(old) {
  const until = performance.now() + 10000;
  const look = () => {
    const btn = [...document.querySelectorAll('button.correct-open')].find((b) => b !== old);
    if (btn) { if (!document.activeElement || document.activeElement === document.body) btn.focus(); return; }
    if (performance.now() < until) setTimeout(look, 50);
  };
  look();
}

// A "Correct title, client or players" button with its form and the list of earlier corrections.
export function correctionPanel(s, onDone, { renaming = () => {} } = {}) {
  const title = h('input', { id: 'fix-title', size: '30', value: s.title || '' });
  const client = h('input', { id: 'fix-client', size: '8', value: s.client || '', autocomplete: 'off' });
  const by = h('input', { id: 'fix-by', size: '8', autocomplete: 'off', placeholder: 'T01' });
  const reason = h('input', { id: 'fix-reason', size: '30' });
  // "Rename a player": which one, and its new name (a name another player has is refused)
  const player = h('select', { id: 'fix-player' }, h('option', { value: '' }, '(none)'),
    ...(s.players || []).map((p) => h('option', { value: p }, p)));
  const newName = h('input', { id: 'fix-player-name', size: '16', autocomplete: 'off', placeholder: 'client' });
  const history = h('ul', { class: 'corrections' });
  const form = h('form', { class: 'correct grid', hidden: true, onsubmit: (e) => {
    e.preventDefault();
    guard(async () => {
      const body = { by: by.value.trim() || null, reason: reason.value.trim() || null };
      if (title.value.trim() !== (s.title || '')) body.title = title.value.trim();
      if (client.value.trim() !== (s.client || '')) body.client = client.value.trim();
      const old = player.value; const renamed = newName.value.trim();
      if (old && !renamed) { say(`Type the new name of ${old}`, { error: true }); newName.focus(); return; }
      if (renamed && !old) { say('Choose the player to rename', { error: true }); player.focus(); return; }
      const rename = old && renamed !== old;
      if (body.title === undefined && body.client === undefined && !rename) { say('Nothing changed'); return; }
      if (rename) {
        // the page's mix names the old player: its sound stops speaking from here on
        renaming(true);
        try {
          await api(`/api/sessions/${s.id}/players/rename`, { method: 'POST',
            body: { old, new: renamed, by: body.by, reason: body.reason } });
        } catch (ex) { renaming(false); throw ex; }
      }
      if (body.title !== undefined || body.client !== undefined) {
        await api(`/api/sessions/${s.id}`, { method: 'PATCH', body });
      }
      say(rename
        ? `Player ${old} renamed ${renamed}: measured again under the new name when analysed; the earlier name is kept in the history`
        : 'Corrected; the earlier value is kept in the history');
      // the page is drawn anew: the focus goes to the new "Correct title…" button, not to
      // the top of the page
      const before = open;
      onDone();
      focusWhenDrawn(before);
    })();
  } },
  h('label', { for: 'fix-title' }, 'Title'), title, h('label', { for: 'fix-client' }, 'Client code'), client,
  h('label', { for: 'fix-player' }, 'Rename a player'), player,
  h('label', { for: 'fix-player-name' }, 'New name'), newName,
  h('label', { for: 'fix-by' }, 'Corrected by'), by, h('label', { for: 'fix-reason' }, 'Reason'), reason,
  h('button', { type: 'submit', class: 'primary' }, 'Save correction'));
  const open = h('button', { type: 'button', class: 'correct-open', 'aria-expanded': 'false', onclick: () => {
    form.hidden = !form.hidden; open.setAttribute('aria-expanded', String(!form.hidden));
  } }, 'Correct title, client or players');
  api(`/api/sessions/${s.id}/revisions`).then((r) => history.replaceChildren(...r.revisions.map(revisionItem))).catch(() => {});
  return h('div', { class: 'correction' }, open, form, history);
}
