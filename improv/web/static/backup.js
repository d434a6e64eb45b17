// The Backups page: where the store is, its last backup, "Back up now" into a folder (the last
// one used is proposed; backup disks plugged in are offered) and "Check the last backup".
// The work runs on the server (improv.web.api_backup) and the page polls its state.
import { api, counted, fmtDate, h, say } from './api.js';

const POLL_MS = 1000;

export async function backupPage(view) {
  document.title = 'Backups · improv';
  const d = await api('/api/backup');
  const status = h('p', { id: 'backup-status', role: 'status', 'aria-live': 'polite' });
  const folder = h('input', { id: 'backup-folder', type: 'text', value: d.proposed, size: 50,
    spellcheck: false, autocomplete: 'off', placeholder: `e.g. ${d.hints.example}` });
  const start = h('button', { type: 'button', class: 'primary', id: 'backup-start' }, 'Back up now');
  const check = h('button', { type: 'button', id: 'backup-check' }, 'Check the last backup');
  const last = h('p', { id: 'backup-last' });
  const holds = h('p', {});
  const name = h('code', {}, d.name);

  // what the store holds and its last backup (drawn again after each job)
  const drawStore = (o) => {
    holds.replaceChildren(`A backup of it holds ${counted(o.sessions, 'session')}`,
      o.clients ? ` and the goals of ${counted(o.clients, 'client')}` : '',
      `, about ${o.size} (the measures are not in it: improv works them out again after a restore).`,
      o.busy ? ` ${counted(o.busy, 'session')} being recorded now ${o.busy === 1 ? 'is' : 'are'} left out.` : '');
    if (o.last) {
      last.replaceChildren(h('strong', {}, `Last backup: ${o.last.ago}`),
        ` (${fmtDate(o.last.created_utc)}), to `, h('code', {}, o.last.to),
        o.last.sessions != null ? `, with ${counted(o.last.sessions, 'session')}` : '', '.',
        o.last.there ? '' : ' That disk is not plugged in now.');
    } else {
      last.replaceChildren(h('strong', {}, 'No backup has been made from this store yet.'));
    }
    check.hidden = !(o.last && o.last.there);
  };

  const showJob = (job) => {
    if (!job) return;
    status.textContent = job.sentence || job.error || '';
    status.classList.toggle('error', !job.running && job.ok === false);
    status.classList.toggle('ok', !job.running && job.ok === true);
    start.disabled = check.disabled = job.running;
  };

  const poll = async () => {
    if (!document.body.contains(view)) return;  // another page now: the job goes on
    let job;
    try { ({ job } = await api('/api/backup/job')); } catch (e) { say(e.message, { error: true }); return; }
    showJob(job);
    if (job && job.running) { setTimeout(poll, POLL_MS); return; }
    try {
      const o = await api('/api/backup');  // the new "last backup" and the next name
      drawStore(o);
      name.textContent = o.name;
    } catch (e) { say(e.message, { error: true }); }
  };

  const run = async (path, body) => {
    start.disabled = check.disabled = true;
    status.classList.remove('error', 'ok');
    status.textContent = 'Starting…';
    try {
      const r = await api(path, { method: 'POST', body });
      showJob(r.job);
      setTimeout(poll, POLL_MS);
    } catch (e) {  // a refusal in one sentence (a lost sign-in says how to sign in again)
      status.textContent = e.message;
      status.classList.add('error');
      start.disabled = check.disabled = false;
    }
  };
  start.addEventListener('click', () => run('/api/backup', { folder: folder.value }));
  check.addEventListener('click', () => run('/api/backup/check', {}));
  folder.addEventListener('keydown', (e) => { if (e.key === 'Enter' && !start.disabled) start.click(); });

  const disks = d.disks.length
    ? h('p', { class: 'backup-disks' }, 'Backup disks plugged in now: ',
      d.disks.map((disk) => h('button', { type: 'button', class: 'link', onclick: () => { folder.value = disk; folder.focus(); } },
        `use ${disk.split(/[\\/]/).filter(Boolean).pop()}`, h('span', { class: 'sr-only' }, ` (${disk})`))).flatMap((b, i) => (i ? [', ', b] : [b])))
    : h('p', { class: 'muted backup-disks' }, d.proposed
      ? `No other backup disk is plugged in now (${d.hints.disks}).`
      : `No backup disk found. Plug one in and reload this page, or type its folder: ${d.hints.disks}.`);

  drawStore(d);
  view.replaceChildren(h('h1', {}, 'Backups'),
    h('section', { class: 'panel', 'aria-labelledby': 'backup-where' },
      h('h2', { id: 'backup-where' }, 'Where your data is'),
      h('p', {}, 'Everything improv keeps (the recordings, annotations and notes, each client\'s goals, your setups and tags) is in one folder on this computer, the store: ',
        h('code', { id: 'backup-store' }, d.store)),
      holds, last, check),
    h('section', { class: 'panel', 'aria-labelledby': 'backup-now' },
      h('h2', { id: 'backup-now' }, 'Back up now'),
      h('p', {}, 'Plug in the backup disk and choose its folder. improv writes one new file there, ', name,
        ', and never overwrites anything; then it reads the backup back to check it. You may go on working meanwhile.'),
      disks,
      h('div', { class: 'backup-row' }, h('label', { for: 'backup-folder' }, 'Folder to back up into'), folder, start),
      status,
      h('p', { class: 'muted' }, 'The backup holds the recordings: keep the disk encrypted. ',
        h('a', { href: '/help/#backups-and-privacy', target: '_blank', rel: 'noopener' }, 'Bringing a backup back'), ' is in the Help.')));
  if (d.job) { showJob(d.job); if (d.job.running) setTimeout(poll, POLL_MS); }
}
