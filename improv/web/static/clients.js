// The Clients page: every client code in the store with its sessions and open goals, from
// /api/clients; each row leads to the client's page (course over sessions, goals).
import { api, counted, fmtDay, h } from './api.js';

// "45 min", "3 h 20 min": time recorded, in words a therapist reads at a glance
export function fmtDuration(s) {
  const min = Math.round((s || 0) / 60);
  if (!min) return s > 0 ? 'under 1 min' : '0 min';
  if (min < 60) return `${min} min`;
  const hours = Math.floor(min / 60), rest = min % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

export async function clientsPage(main) {
  document.title = 'Clients · improv';
  const d = await api('/api/clients');
  const rows = d.clients;
  const table = rows.length ? h('table', { class: 'sessions clients' },
    h('caption', { class: 'sr-only' }, 'Clients by code'),
    h('thead', {}, h('tr', {}, ['Client', 'Sessions', 'First session', 'Latest session', 'Time recorded', 'Open goals']
      .map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((c) => h('tr', { dataset: { client: c.client } },
      h('td', {}, h('a', { href: `#/client/${encodeURIComponent(c.client)}` }, c.client),
        c.demo ? h('span', { class: 'badge demo' }, 'DEMO') : ''),
      h('td', {}, String(c.sessions)),
      // a client with goals agreed before the first session: no session to name yet
      c.latest ? h('td', {}, fmtDay(c.first_utc)) : h('td', { class: 'muted' }, 'no sessions yet'),
      c.latest ? h('td', {}, h('a', { href: `#/session/${c.latest.id}` },
        c.latest.number ? `Session ${c.latest.number}` : c.latest.id), h('span', { class: 'muted' }, ` · ${fmtDay(c.latest.started_utc)}`)) : h('td', { class: 'muted' }, '–'),
      h('td', {}, fmtDuration(c.recorded_s)),
      h('td', {}, c.active_goals ? String(c.active_goals) : h('span', { class: 'muted' }, 'none')))))) :
    h('p', {}, 'No clients yet. A session recorded or imported with a client code brings its client here.');
  const unassigned = d.unassigned ? h('p', { class: 'muted' },
    `${counted(d.unassigned, 'session has', 'sessions have')} no client code; `,
    h('a', { href: '#/sessions' }, 'the Sessions page'), ' lists them.') : '';
  const intro = rows.length ? h('p', { class: 'muted' }, 'A client\'s page shows how the playing changed over the sessions, next to the treatment goals.') : '';
  main.replaceChildren(h('h1', {}, 'Clients'), intro, table, unassigned, newClientForm(rows));
}

// goals agreed at intake, before the first session: the client's page takes them (a code
// that differs only in case from a listed one is that client)
function newClientForm(rows) {
  const code = h('input', { id: 'new-client-code', size: '12', maxlength: '64', autocomplete: 'off' });
  const open = (e) => {
    e.preventDefault();
    const typed = code.value.trim();
    if (!typed) { code.focus(); return; }
    const known = rows.find((c) => c.client.toLowerCase() === typed.toLowerCase());
    location.hash = `#/client/${encodeURIComponent(known ? known.client : typed)}`;
  };
  return h('form', { class: 'row new-client', 'aria-label': 'A new client', onsubmit: open },
    h('label', { for: code.id }, 'Goals agreed before the first session: client code'), code,
    h('button', { type: 'submit' }, 'Open the client’s page'));
}
