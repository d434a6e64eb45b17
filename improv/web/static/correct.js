// Correcting a session's title or client code (PATCH /api/sessions/{id}); the earlier values
// stay in the session's history, listed under the form.
import { api, fmtDate, guard, h, say } from './api.js';

// "Session 7: duet" (or "Session 20261127-093012-3fa2" while the catalog has no number).
export function sessionName(s) {
  return `Session ${s.number || s.id}${s.title ? `: ${s.title}` : ''}`;
}

// A "Correct title or client" button with its form and the list of earlier corrections.
export function correctionPanel(s, onDone) {
  const title = h('input', { id: 'fix-title', size: '30', value: s.title || '' });
  const client = h('input', { id: 'fix-client', size: '8', value: s.client || '', autocomplete: 'off' });
  const by = h('input', { id: 'fix-by', size: '8', autocomplete: 'off', placeholder: 'T01' });
  const reason = h('input', { id: 'fix-reason', size: '30' });
  const history = h('ul', { class: 'corrections' });
  const form = h('form', { class: 'correct grid', hidden: true, onsubmit: (e) => {
    e.preventDefault();
    guard(async () => {
      const body = { by: by.value.trim() || null, reason: reason.value.trim() || null };
      if (title.value.trim() !== (s.title || '')) body.title = title.value.trim();
      if (client.value.trim() !== (s.client || '')) body.client = client.value.trim();
      if (body.title === undefined && body.client === undefined) { say('Nothing changed'); return; }
      await api(`/api/sessions/${s.id}`, { method: 'PATCH', body });
      say('Corrected; the earlier value is kept in the history');
      onDone();
    })();
  } },
  h('label', { for: 'fix-title' }, 'Title'), title, h('label', { for: 'fix-client' }, 'Client code'), client,
  h('label', { for: 'fix-by' }, 'Corrected by'), by, h('label', { for: 'fix-reason' }, 'Reason'), reason,
  h('button', { type: 'submit', class: 'primary' }, 'Save correction'));
  const open = h('button', { type: 'button', 'aria-expanded': 'false', onclick: () => {
    form.hidden = !form.hidden; open.setAttribute('aria-expanded', String(!form.hidden));
  } }, 'Correct title or client');
  api(`/api/sessions/${s.id}/revisions`).then((r) => history.replaceChildren(...r.revisions.map((v) => (v.field === 'percussion'
    // a MIDI input marked as a drum kit, or the mark taken away (sessions.revisions.mark_words)
    ? h('li', {}, `MIDI input ${v.input} (${v.player}) ${v.to ? 'marked as a drum kit' : 'no longer marked as a drum kit'} ${fmtDate(v.at_utc)}${v.by ? ` by ${v.by}` : ''}${v.reason ? ` (${v.reason})` : ''}`)
    : h('li', {}, `${v.field === 'title' ? 'Title' : 'Client code'} corrected ${fmtDate(v.at_utc)}${v.by ? ` by ${v.by}` : ''}: was `,
      h('s', {}, v.from || '(none)'), `, now ${v.to || '(none)'}${v.reason ? ` (${v.reason})` : ''}`))))).catch(() => {});
  return h('div', { class: 'correction' }, open, form, history);
}
