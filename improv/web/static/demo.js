// The demo session's own words: a banner on its page (what to try, and how to delete it) and
// a line under the sessions list while a demo exists (review 28 "first", finding 9).
import { api, guard, h, sayNext } from './api.js';

// the banner on a demo session's page; onGone runs after it was deleted
export function demoBanner(s) {
  if (!s.demo) return '';
  return h('section', { class: 'panel demo-banner', 'aria-label': 'Demo session' },
    h('p', {}, h('strong', {}, 'This is a generated demo session: '),
      'try Play, click the timeline, add an annotation. When you are done: ',
      h('button', { type: 'button', class: 'danger', onclick: guard(async (e) => {
        if (!confirm('Delete this demo session? improv made it up; no real session is touched. You can make a new one from the Sessions page while there are no sessions.')) return;
        e.target.disabled = true;
        try { await api(`/api/sessions/${encodeURIComponent(s.id)}`, { method: 'DELETE' }); } catch (ex) { e.target.disabled = false; throw ex; }
        sayNext('The demo session is deleted');
        location.hash = '#/sessions';
      }) }, 'Delete the demo')));
}

// the line under the sessions list while a demo session is in it
export function demoListNote(sessions) {
  const demos = sessions.filter((x) => x.demo);
  if (!demos.length) return '';
  const one = demos.length === 1;
  return h('p', { class: 'muted demo-note' },
    one ? 'The session marked DEMO is a generated demo, to look around: ' : `The ${demos.length} sessions marked DEMO are generated demos, to look around: `,
    one ? h('a', { href: `#/session/${demos[0].id}` }, 'open it') : 'open one',
    ', and delete it there with "Delete the demo" when you are done.');
}
