// The Clients page: every client code in the store with its sessions and open goals, from
// /api/clients; each row leads to the client's page (course over sessions, goals).
import { api, counted, fmtDay, h } from './api.js';
import { codeProblem, looksLikeName } from './record_setup.js';

// "1 min 30 s", "45 min", "3 h 20 min": time recorded, in words a therapist reads at a glance;
// under 10 minutes to 5 s (a 1:30 session read "2 min"), a dash for none
export function fmtDuration(s) {
  if (!(s > 0)) return '–';
  if (s < 600) {
    const total = Math.round(s / 5) * 5;
    if (total < 60) return 'under 1 min';
    const min = Math.floor(total / 60), sec = total % 60;
    return sec ? `${min} min ${sec} s` : `${min} min`;
  }
  const min = Math.round(s / 60);
  const hours = Math.floor(min / 60), rest = min % 60;
  if (!hours) return `${min} min`;
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
  // a narrow window (a zoom of 400 %) scrolls the table in its own box, not the page
  const box = rows.length ? h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Clients by code' }, table) : table;
  main.replaceChildren(h('h1', {}, 'Clients'), intro, box, unassigned, newClientForm(rows));
}

// A new client's code that reads like a name, kept as a pseudonym on this page (Open pressed
// again): the client's page says so with its first goal (not_a_name), as the server refuses
// such a code without it.  Kept for the browser tab's session, in small letters.
const NOT_A_NAME_KEY = 'improv.notAName';
const keptCodes = () => { try { return JSON.parse(sessionStorage.getItem(NOT_A_NAME_KEY) || '[]'); } catch (e) { return []; } };
export const keptAsCode = (code) => keptCodes().includes(String(code).toLowerCase());
export function keepAsCode(code) {
  try { sessionStorage.setItem(NOT_A_NAME_KEY, JSON.stringify([...new Set([...keptCodes(), String(code).toLowerCase()])])); } catch (e) { /* the server asks again */ }
}

// goals agreed at intake, before the first session: the client's page takes them (a code
// that differs only in case from a listed one is that client); a code that is no pseudonym
// code, or reads like a name, is said beside the field and the page stays
function newClientForm(rows) {
  const code = h('input', { id: 'new-client-code', size: '12', maxlength: '32', autocomplete: 'off',
    'aria-describedby': 'new-client-said' });
  const said = h('p', { id: 'new-client-said', class: 'code-check', role: 'status', 'aria-live': 'polite' });
  const say = (text) => {
    said.textContent = text;
    said.classList.toggle('error', !!text);
    if (text) code.setAttribute('aria-invalid', 'true'); else code.removeAttribute('aria-invalid');
  };
  let askedAbout = '';
  const open = (e) => {
    e.preventDefault();
    const typed = code.value.trim();
    if (!typed) { say('Type the new client\'s code first, e.g. C21.'); code.focus(); return; }
    const bad = codeProblem(typed);
    if (bad) { say(bad); code.focus(); return; }
    const known = rows.find((c) => c.client.toLowerCase() === typed.toLowerCase());
    if (!known && looksLikeName(typed) && askedAbout !== typed) {
      askedAbout = typed;  // said once; opening again goes ahead
      say(`"${typed}" looks like a name: a client code must not identify the person. Change it, or press Open again to use it anyway.`);
      code.focus();
      return;
    }
    say('');
    if (!known && askedAbout === typed) keepAsCode(typed);  // "use it anyway"
    location.hash = `#/client/${encodeURIComponent(known ? known.client : typed)}`;
  };
  code.addEventListener('input', () => say(''));
  return h('section', { class: 'panel new-client', 'aria-labelledby': 'new-client-head' },
    h('h2', { id: 'new-client-head' }, 'A new client'),
    h('p', { class: 'muted' }, 'Goals agreed with a client before the first session go on the client\'s page: type the client\'s code (a pseudonym such as C21, never the name) and open it.'),
    h('form', { class: 'row', onsubmit: open },
      h('label', { for: code.id }, 'Client code'), code,
      h('button', { type: 'submit' }, 'Open the client’s page')),
    said);
}
