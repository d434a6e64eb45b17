// The session page: timeline, synced playback, annotations, notes, analysis.
import { api, counted, download, fmtDate, fmtTime, guard, h, mediaUrl, OFTEN_PULSED, playerColor, pulseWithoutOneTempo, say, sayNext, unitEl } from './api.js';
import { correctionPanel, sessionName } from './correct.js';
import { demoBanner } from './demo.js';
import { IAP, tagChips, tagsInWords } from './tagchips.js';
import { Timeline, annotationLane, beatLane, curveLane, gapLane, imitationLane, inputName, pianoRollLane, waveformLane } from './timeline.js';

// the single-key shortcuts (m, + −; space and ← → off the timeline) on or off, remembered in
// the browser; on unless switched off (WCAG 2.1.4)
const SINGLE_KEYS = 'improv.singleKeyShortcuts';
function singleKeys() { return localStorage.getItem(SINGLE_KEYS) !== '0'; }

const EMPTY_ROLL = { start: new Float32Array(0), end: new Float32Array(0), pitch: new Uint8Array(0), velocity: new Uint8Array(0) };

// notes-roll.bin: "IRL1", uint32 header length, JSON header, float32 start/end per player,
// then uint8 pitch/velocity per player (improv.web.api_sessions.piano_roll_bin)
export function parseRoll(buf) {
  const dv = new DataView(buf);
  if (new TextDecoder().decode(new Uint8Array(buf, 0, 4)) !== 'IRL1') throw new Error('bad piano roll data');
  const hlen = dv.getUint32(4, true);
  const head = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 8, hlen)));
  let off = 8 + hlen;
  const out = {};
  for (const [p, n] of head.players) {
    out[p] = { start: new Float32Array(buf, off, n), end: new Float32Array(buf, off + 4 * n, n) };
    off += 8 * n;
  }
  for (const [p, n] of head.players) {
    out[p].pitch = new Uint8Array(buf, off, n); out[p].velocity = new Uint8Array(buf, off + n, n);
    off += 2 * n;
  }
  return out;
}

export async function sessionPage(main, id, params) {
  // two requests for the first drawing: the page bundle (JSON) and the piano roll (binary)
  performance.mark('session-start');
  const rollP = api(`/api/sessions/${id}/notes-roll.bin`).then(parseRoll);
  rollP.catch(() => {});
  const page = await api(`/api/sessions/${id}/page`);
  performance.mark('page-bundle');
  const { session: s, vocabulary: vocab } = page;
  // tags in the tag picker's words ("IAP · autonomy: partner"), never as codes
  // ("autonomy:partner"): the codes are for --json and the exports
  const tagWords = (tags) => tagsInWords(tags, vocab.iap);
  document.title = `${sessionName(s)} · improv`;
  const state = { annotations: [], editing: null };
  const named = inputNames(s);
  let showAllInputs = false; // the Measures table: each player's other inputs too
  // a page drawn anew in the same place (after a correction): the old page's sound stops and
  // its request is dropped, so it cannot speak over the new page
  for (const old of main.querySelectorAll('audio.player')) { old.pause(); old.removeAttribute('src'); old.load(); }
  const audio = h('audio', { preload: 'metadata', class: 'player' });
  // while a player is renamed the mix of the old names fails: not a "Cannot play" to show
  let renaming = false;
  // every player is heard: the recordings and the MIDI players (rendered with FluidSynth)
  // mixed by the server for the players switched on (improv.playback.mix); mute and solo
  // switch players on and off. The audio's format is part of the URL: after compressing,
  // the browser must not mix cached WAV ranges with the FLAC
  const heard = new Set(s.players);
  const mixSource = () => (heard.size && (s.audio.length || s.midi_players.length)
    ? { label: `players: ${[...heard].join(', ')}`, url: `/api/sessions/${id}/mix.wav?players=${encodeURIComponent([...heard].join(','))}&f=${s.audio.map((a) => a.format).join('+')}`, t0: 0 }
    : null);
  let source = mixSource();

  const timeOut = h('output', { class: 'time', 'aria-live': 'off' }, '0:00.0');
  const playBtn = h('button', { type: 'button', class: 'primary', dataset: { key: 'Space' }, onclick: () => toggle() }, 'Play');
  const markerBtn = h('button', { type: 'button', dataset: { key: 'm' }, onclick: () => addMarker() }, 'Marker (m)');
  const hearBox = h('span', { class: 'hear', role: 'group', 'aria-label': 'Players to hear' });
  const hearPlayers = () => {
    setSource(mixSource());
    if (!source) { audio.pause(); say('No player is switched on: switch one on to hear it'); }
    // a player switched on again: the message that none is (from here or from Play) is over
    else if (document.getElementById('status').textContent.startsWith('No player is switched on')) say('');
    hearBox.replaceChildren('Hear: ', ...s.players.map((p) => h('span', { class: 'hear-player' },
      h('label', {}, h('input', { type: 'checkbox', checked: heard.has(p), 'data-player': p,
        onchange: (e) => { if (e.target.checked) heard.add(p); else heard.delete(p); hearPlayers(); } }), ' ', p), ' ',
      // a small button of its own: "client only" read as the checkbox's label before
      h('button', { type: 'button', class: 'solo', title: `Hear only ${p}`, 'aria-label': `solo: hear only ${p}`, onclick: () => { heard.clear(); heard.add(p); hearPlayers(); } }, 'solo'))),
    ...(heard.size < s.players.length ? [' · ', h('button', { type: 'button', class: 'link', onclick: () => { s.players.forEach((p) => heard.add(p)); hearPlayers(); } }, 'hear all')] : []));
  };
  const transport = h('div', { class: 'transport', role: 'toolbar', 'aria-label': 'Playback' },
    playBtn,
    h('button', { type: 'button', dataset: { key: 'ArrowLeft' }, onclick: () => seek(tl.cursor - 5) }, '−5 s'),
    h('button', { type: 'button', dataset: { key: 'ArrowRight' }, onclick: () => seek(tl.cursor + 5) }, '+5 s'),
    timeOut, h('span', { class: 'muted' }, ` / ${fmtTime(s.duration_s)}`),
    source ? hearBox : h('span', { class: 'muted' }, 'no audio or MIDI to play'),
    h('button', { type: 'button', dataset: { key: '+' }, onclick: () => tl.zoom(0.5) }, 'Zoom in'),
    h('button', { type: 'button', dataset: { key: '-' }, onclick: () => tl.zoom(2) }, 'Zoom out'),
    h('button', { type: 'button', onclick: () => tl.fit() }, 'Whole session'),
    markerBtn,
  );
  // the switch for the single-key shortcuts, in the page's keyboard help
  const keysBox = h('input', { type: 'checkbox', id: 'single-keys', checked: singleKeys(), onchange: () => {
    localStorage.setItem(SINGLE_KEYS, keysBox.checked ? '1' : '0');
    markShortcuts();
  } });
  // its height (it wraps in a narrow window) for the scroll padding that keeps a control reached
  // with Tab clear of it while it sticks (app.css --transport-h)
  new ResizeObserver(() => { if (transport.isConnected) document.documentElement.style.setProperty('--transport-h', `${transport.offsetHeight}px`); }).observe(transport);

  const tlBox = h('div', { class: 'timeline' });
  const tl = new Timeline(tlBox, {
    duration: s.duration_s, players: s.players,
    onSeek: (t) => seek(t),
    onSelect: ([a, b]) => { fillForm({ t: a, end: b }); say(`Selected ${fmtTime(a)}–${fmtTime(b)}: add an annotation below`); },
  });
  // the play position is a slider of its own, the area over the lanes: a slider's content is
  // presentational to a screen reader, so the lane labels, the Beats box and the scroll range
  // stay outside it (they were inside the whole timeline's slider)
  const slider = tl.overlay;
  for (const [k, v] of Object.entries({ tabindex: '0', role: 'slider', 'aria-label': 'Playback position (arrows seek, space plays)',
    'aria-valuemin': '0', 'aria-valuemax': String(Math.round(s.duration_s)), 'aria-valuenow': '0', 'aria-valuetext': '0:00' })) slider.setAttribute(k, v);

  // the plain summary (improv.reports.summary_text), filled in with the measures
  const summaryBox = h('div', { class: 'summary', id: 'summary', 'aria-label': 'Summary' }, h('span', { class: 'muted' }, 'Summary: not analysed yet.'));
  const withAppendix = h('input', { type: 'checkbox' });  // the session report's technical appendix
  // the verbal notes are in the report unless unticked (supervision, case review)
  const withNotes = h('input', { type: 'checkbox', checked: true });
  const header = h('div', { class: 'session-head' },
    h('h1', {}, sessionName(s), s.demo ? [' ', h('span', { class: 'badge demo' }, 'DEMO')] : ''),
    demoBanner(s),
    h('p', { class: 'meta' },
      s.client ? h('a', { href: `#/client/${encodeURIComponent(s.client)}` }, `Client ${s.client}`) : 'No client', ' · ',
      fmtDate(s.started_utc), ' · ', fmtTime(s.duration_s, 0), ' · players: ', s.players.join(', '), ' · ', s.id, ' ',
      h('button', { type: 'button', class: 'danger', onclick: guard(async () => {
        const what = `"${s.title || s.id}"${s.client ? ` of client ${s.client}` : ''}, ${fmtDate(s.started_utc)}`;
        if (!confirm(`Delete the session ${what} (${s.id}) with all its files? This cannot be undone.`)) return;
        await api(`/api/sessions/${id}`, { method: 'DELETE' });
        source = null; // its sound is gone with it: a load failing now is no news
        sayNext(`Session ${what} deleted`);
        location.hash = '#/sessions';
      }) }, 'Delete session')), correctionPanel(s, () => sessionPage(main, id, new URLSearchParams()), { renaming: (on) => { renaming = on; } }),
    kitsLine(),
    storageLine(),
    summaryBox,
    h('div', { class: 'row', role: 'group', 'aria-label': 'Session report' },
      ...['html', 'pdf'].map((fmt) => h('button', { type: 'button', onclick: async (e) => {
        e.target.disabled = true;
        // a report needs the measures: an unanalysed session is analysed first, as
        // `improv report` does, and one measured in the background is waited for
        try { await measured(); } catch (ex) { say(ex.message, { error: true }); e.target.disabled = false; return; }
        say(`Preparing the ${fmt.toUpperCase()} report (a few seconds)…`);
        // the therapist's part by default; research and supervision tick the appendix
        const full = withAppendix.checked;
        const notes = withNotes.checked;
        try { await download(`/api/sessions/${id}/report.${fmt}?appendix=${full}&notes=${notes}`, `improv-session-${s.id}${full ? '-full' : ''}${notes ? '' : '-without-notes'}.${fmt}`); say(`Report downloaded${notes ? '' : ' (verbal notes left out)'}`); } catch (ex) { say(ex.message, { error: true }); }
        e.target.disabled = false;
      } }, `Report (${fmt.toUpperCase()})`)),
      h('label', { title: 'Every measure of every input and the figure of the playing together, for research and supervision: many more pages' }, withAppendix, ' with the technical appendix'),
      h('label', { title: 'Untick for a report that leaves the practice (supervision, case review): the notes are left out, the annotations stay' }, withNotes, ' with the verbal notes')));

  // which MIDI inputs are drum kits: their notes are drums on every channel, not only on
  // channel 10 (no key or pitch from them); a change is kept in the session's history
  // (POST /api/sessions/{id}/percussion, sessions.revisions.mark_percussion). Each input by its
  // player and kind ("therapist's MIDI file 2"), never by its file or device name.
  function kitsLine() {
    if (!s.midi_inputs.length) return '';
    return h('p', { class: 'meta kits', role: 'group', 'aria-label': 'Drum kits' }, 'Drum kit: ',
      s.midi_inputs.map((k, i) => h('label', { class: 'kit' }, h('input', { type: 'checkbox', id: `kit-${i}`, checked: k.percussion, onchange: guard(async (e) => {
        e.target.disabled = true;
        try { await api(`/api/sessions/${id}/percussion`, { method: 'POST', body: { input: k.name, player: k.player, percussion: e.target.checked } }); } catch (ex) { e.target.checked = k.percussion; e.target.disabled = false; throw ex; }
        say(`${named.midi[i]} ${e.target.checked ? 'marked as a drum kit' : 'no longer marked as a drum kit'}: measured again when analysed; the change is kept in the history`);
        // the page is drawn anew (the session changed): the focus stays on this box
        const y = window.scrollY;
        await sessionPage(main, id, new URLSearchParams());
        window.scrollTo(0, y);
        document.getElementById(`kit-${i}`)?.focus({ preventScroll: true });
      }) }), ` ${named.midi[i]} `)));
  }

  // how the audio is stored, and lossless compression of recorded WAV (sessions.compress)
  function storageLine() {
    if (!s.audio.length) return '';
    const mb = s.audio.reduce((n, a) => n + a.bytes, 0) / 1e6;
    const formats = [...new Set(s.audio.map((a) => a.format.toUpperCase()))].join(' + ');
    const line = h('p', { class: 'meta storage' }, `Audio: ${mb.toFixed(1)} MB ${formats}`);
    if (s.audio.some((a) => a.format === 'wav')) {
      line.append(' ', h('button', { type: 'button', onclick: guard(async (e) => {
        e.target.disabled = true;
        say('Compressing the audio (lossless, checked sample by sample)…');
        let r;
        try { r = await api(`/api/sessions/${id}/compress`, { method: 'POST' }); } finally { e.target.disabled = false; }
        s.audio = r.session.audio;
        if (source) setSource(mixSource());  // the same place, now from the FLAC
        const done = r.inputs.filter((x) => x.status === 'compressed');
        const kept = r.inputs.filter((x) => x.status === 'kept');
        const before = done.reduce((n, x) => n + x.bytes_before, 0) / 1e6, after = done.reduce((n, x) => n + x.bytes_after, 0) / 1e6;
        say([done.length ? `Audio compressed: ${before.toFixed(1)} MB → ${after.toFixed(1)} MB (FLAC, lossless)` : 'No audio compressed',
          ...kept.map((x) => `${named.audio[s.audio.findIndex((a) => a.name === x.name)] || 'a recording'} kept as WAV: ${x.reason}`)].join('. '));
        line.replaceWith(storageLine());
      }), title: 'Stores the recordings as FLAC: about half the space, every sample kept (checked before the WAV is removed)' }, 'Compress audio (lossless)'));
    }
    return line;
  }

  // what the recording did not get: inputs lost for a while, and the recorder's warnings
  // (improv.web.api_sessions from sessions.session.Session.not_recorded and .warnings)
  const gaps = s.not_recorded || [];
  const groups = s.not_recorded_groups || gaps.map((g) => ({ ...g, count: 1, total_s: g.end - g.t }));
  // what the recorder said live, less its "plug it in again" and "recorded again" lines, true
  // only while it recorded and said in past tense by the stretches below (the server's
  // sessions.gap_words.warnings_afterwards); first, as the recorder put them (why a recording
  // stopped comes first), then the stretches not recorded
  const warnings = s.warnings_afterwards || [];
  const recNotes = (groups.length || warnings.length) ? h('section', { class: 'panel recording-notes', 'aria-labelledby': 'rec-h' },
    h('h2', { id: 'rec-h' }, 'While recording'),
    h('ul', {},
      warnings.map((w) => h('li', {}, w)),
      groups.map((g) => {
        // "Digital Piano (client) was unplugged 0:07.5–0:15.0: nothing recorded from it then",
        // its times a button to the stretch (sessions.gap_words)
        const at = g.text.indexOf(g.span);
        return h('li', { class: 'gap-group' }, g.text.slice(0, at),
          h('button', { type: 'button', class: 'link', onclick: () => seek(g.t), 'aria-label': `Go to the gap ${fmtSpan(g)}` }, g.span),
          g.text.slice(at + g.span.length));
      }))) : '';

  // the timeline's events in words (WCAG 1.1.1: the lanes are drawn on canvases): the
  // annotations, the stretches not recorded, and once measured each pair's turns (a second or
  // more of one playing without the other) and imitation episodes, in time order, each time a
  // button that moves the play head there; made when opened, and again when they change
  const asText = h('details', { class: 'timeline-text' }, h('summary', {}, 'Timeline as text'), h('div', {}));
  asText.addEventListener('toggle', () => renderAsText());
  function renderAsText() {
    if (!asText.open) return;
    const rows = [];
    for (const a of state.annotations) {
      const tags = tagWords(isSuggestion(a) ? a.tags.filter((t) => t !== 'suggestion') : a.tags);
      rows.push({ t: a.t, end: a.end, lane: isSuggestion(a) ? 'Annotation (suggested)' : 'Annotation',
        // "client: IAP · autonomy: leader — settles": the words of the tags hold colons
        what: `${a.player || everyone(s)}: ${[tags, (a.text || '').trim()].filter(Boolean).join(' — ')}` });
    }
    for (const g of gaps) rows.push({ t: g.t, end: g.end, lane: 'Not recorded', what: g.text });
    for (const d of state.dialogue || []) {
      for (const u of d.turns || []) {
        const others = d.pair.filter((p) => p !== u.player).join(' & ');
        rows.push({ t: u.start, end: u.end, lane: 'Turn', what: s.players.length === 2 ? `${u.player} played alone` : `${u.player} played without ${others}` });
      }
      for (const e of d.imitations || []) {
        rows.push({ t: e.t, end: e.end, lane: 'Imitation', what: `${e.imitator} imitates ${e.model}: what ${e.model} played at ${fmtTime(e.source_t)}, ${e.lag_s.toFixed(1)}\u00a0s earlier` });
      }
    }
    rows.sort((p, q) => p.t - q.t || (p.end ?? p.t) - (q.end ?? q.t));
    const note = state.dialogue ? '' : h('p', { class: 'muted small' }, 'The turns and imitation episodes are listed once the session is measured.');
    asText.lastChild.replaceChildren(note, rows.length ? h('div', { class: 'table-scroll' }, h('table', { class: 'timeline-events' },
      h('caption', { class: 'sr-only' }, 'The timeline as text, in time order'),
      h('thead', {}, h('tr', {}, ['Time', 'Lane', 'What'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((r) => h('tr', {},
        h('td', { class: 'when' }, h('button', { type: 'button', class: 'link', onclick: () => seek(r.t) }, fmtSpan(r))),
        h('td', {}, r.lane), h('td', {}, r.what))))))
      : h('p', { class: 'muted' }, 'Nothing on the timeline yet.'));
  }

  // annotation form and list
  const form = annotationForm(s, vocab, {
    onSave: async (data) => {
      if (state.editing) {
        // the revision the form was opened with: a change made meanwhile elsewhere (another
        // tab, the command line) is not overwritten silently (409, and the list is reloaded)
        try {
          await api(`/api/sessions/${id}/annotations/${state.editing}`, { method: 'PATCH', body: { ...data.changes, rev: state.editingRev } });
        } catch (ex) {
          if (ex.status === 409) await loadAnnotations();
          throw ex;
        }
        say('Annotation changed (the earlier version stays in its history)');
      } else {
        await api(`/api/sessions/${id}/annotations`, { method: 'POST', body: data.create });
        say('Annotation added');
      }
      state.editing = null; state.editingRev = null; form.reset(); tl.setSelection(null);
      await loadAnnotations();
    },
    onCancel: () => { state.editing = null; form.reset(); },
  });
  // a selection on the timeline starts a new annotation, also in the middle of an edit (the
  // form says "New annotation" then: saving must not overwrite the one that was being edited)
  const fillForm = (a) => { state.editing = null; form.fill(a); };
  const annTable = h('table', { class: 'annotations' });
  // deleted annotations stay in the log: shown on request, each with Restore
  const showDeleted = h('input', { type: 'checkbox', id: 'ann-show-deleted', onchange: () => loadAnnotations() });
  const analysisBox = h('section', { class: 'panel analysis', 'aria-labelledby': 'an-h' }, h('h2', { id: 'an-h' }, 'Measures'));
  const progress = h('p', { role: 'status', class: 'analysing' });
  const notesBox = h('section', { class: 'panel notes', 'aria-labelledby': 'notes-h' }, h('h2', { id: 'notes-h' }, 'Notes'));
  // the roles the dialogue analysis suggests, once it is measured (loadRoles)
  const rolesBox = h('section', { class: 'panel roles', 'aria-labelledby': 'roles-h', hidden: true });

  // the notes and measures, beside them the annotation form, and under both the annotation
  // table across the page's width (its rows carry up to four buttons and a suggestion's
  // text: squeezed into one column, they ran past the panel). In one column (narrow windows)
  // the same order: the notes and measures no longer come after the long form (its tag
  // groups are over a thousand pixels tall there)
  main.replaceChildren(header, recNotes, transport, tlBox, asText, audio,
    h('div', { class: 'cols' },
      h('div', { class: 'side' }, notesBox, analysisBox, rolesBox),
      h('section', { class: 'panel ann-new', 'aria-label': 'New annotation' }, form.el),
      h('section', { class: 'panel ann-list', 'aria-labelledby': 'ann-h' }, h('h2', { id: 'ann-h' }, 'Annotations'),
        h('div', { class: 'table-scroll' }, annTable),
        h('label', { class: 'muted show-deleted' }, showDeleted, ' Show deleted annotations'))),
    h('section', { class: 'muted shortcuts', 'aria-labelledby': 'keys-h' }, h('h2', { id: 'keys-h' }, 'Keys'),
      h('p', {}, 'On the timeline (Tab to it, or click it): space play/pause · ← → 5 s (shift: 30 s) · Home/End start/end · m marker · + − zoom. ',
        'With single-key shortcuts on, space, ← →, m and + − work too when no control has the focus, and ← →, m and + − on the playback buttons; never in a field, a link or another button.'),
      h('label', {}, keysBox, ' Single-key shortcuts (m, + −, and space and ← → outside the timeline)')));

  // -- playback ------------------------------------------------------------------------
  // The <audio> sends no token header: it plays a short-lived signed address of the mix
  // (mediaUrl), and a new one is asked for before it plays or seeks with one about to end.
  const RENEW_MS = 60000;
  const stale = () => source && source.signed && Date.now() > source.signed.until - RENEW_MS;
  async function setSource(src) {
    const was = !audio.paused;
    source = src;
    if (!src) return;
    let signed;
    try { signed = await (src.signing = mediaUrl(src.url)); } catch (e) { say(e.message, { error: true }); return; }
    if (source !== src) return;  // other players were chosen meanwhile
    src.signed = signed;
    audio.src = signed.url;
    // the first time, the server renders the MIDI players (about a minute for an hour): say so
    // (not over a message the user still needs: an error, or one with a button such as Undo)
    const slow = setTimeout(() => {
      const st = document.getElementById('status');
      if (audio.isConnected && !st.classList.contains('error') && !st.querySelector('button')) say('Preparing the sound: the MIDI players are rendered once for this session (up to a minute or two)…');
    }, 1500);
    audio.addEventListener('loadedmetadata', () => {
      if (!audio.isConnected) return;  // the page was left or drawn anew meanwhile
      if (document.getElementById('status').textContent.startsWith('Preparing the sound')) say('Ready to play');
      // where the play head is now: the user may have moved it while the sound loaded
      clearTimeout(slow); seek(tl.cursor); if (was) audio.play();
    }, { once: true });
    audio.addEventListener('error', () => clearTimeout(slow), { once: true });
  }
  // (not once this page was left, nor once it was drawn anew in the same place after a
  // correction: the next page's status line is not this one's, and a player renamed meanwhile
  // makes the old mix's address fail)
  // an address that ended meanwhile (the page was open for long): a new one, where it was
  audio.addEventListener('error', () => { if (!audio.isConnected || renaming) return; if (stale()) { setSource(source); return; } if (source) say(`Cannot play ${source.label}`, { error: true }); });
  function seek(t) {
    t = Math.min(s.duration_s, Math.max(0, t));
    tl.setCursor(t);
    if (stale()) { setSource(source); showTime(); return; }  // it seeks to the cursor when loaded
    if (source && audio.readyState >= 1) audio.currentTime = Math.max(0, t - source.t0);
    else if (source) audio.addEventListener('loadedmetadata', () => { audio.currentTime = Math.max(0, tl.cursor - source.t0); }, { once: true });
    showTime();
  }
  function showTime() {
    timeOut.textContent = fmtTime(tl.cursor);
    slider.setAttribute('aria-valuenow', String(Math.round(tl.cursor)));
    slider.setAttribute('aria-valuetext', fmtTime(tl.cursor, 0));
  }
  async function toggle() {
    if (!source) {
      // every player switched off is not a session without sound
      const nothing = !(s.audio.length || s.midi_players.length);
      say(nothing ? 'This session has no audio or MIDI to play' : 'No player is switched on: tick one under Hear, or press “hear all”', { error: true });
      return;
    }
    if (audio.paused) {
      if (source.signing) await source.signing.catch(() => {});  // Play right after the page came
      if (stale()) await setSource(source);
      try { await audio.play(); } catch (e) { say(`Cannot play: ${e.message}`, { error: true }); }
    } else audio.pause();
  }
  let raf = 0;
  const tick = () => {
    if (source && !audio.paused) { tl.setCursor(audio.currentTime + source.t0); showTime(); }
    raf = requestAnimationFrame(tick);
  };
  audio.addEventListener('play', () => { playBtn.textContent = 'Pause'; main.dataset.playing = '1'; });
  audio.addEventListener('pause', () => { playBtn.textContent = 'Play'; main.dataset.playing = ''; });
  raf = requestAnimationFrame(tick);
  if (source) hearPlayers();

  // a refused marker is said in the status line (guard), not lost as an unhandled rejection
  const addMarker = guard(async () => {
    const a = await api(`/api/sessions/${id}/annotations`, { method: 'POST', body: { t: +tl.cursor.toFixed(3), tags: ['marker'] } });
    say(`Marker at ${fmtTime(a.t)}`);
    await loadAnnotations();
  });

  // -- keyboard --------------------------------------------------------------------------
  // The timeline's slider takes its own keys (space, arrows, Home/End) and, with single-key
  // shortcuts on, m and + −. The page itself (no control in focus: the body, or main, where a
  // navigation puts the focus) and the playback toolbar's buttons take space (not on a button:
  // it presses it), ← → and m, + − only while single-key shortcuts are on; Home/End there
  // scroll the page as everywhere. A link, another button, a field, a folded tag group's title
  // (<summary>) keep every key: a stray "m" never writes a marker. WCAG 2.1.4: the shortcuts
  // can be switched off (keysBox, remembered in the browser).
  const onKey = (e) => {
    if (!document.body.contains(tlBox)) { document.removeEventListener('keydown', onKey); cancelAnimationFrame(raf); audio.pause(); return; }
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    const at = e.target;
    const onSlider = at === slider;
    const onPage = at === document.body || at === main || at === document.getElementById('main');
    const onPlayer = !onSlider && at instanceof HTMLButtonElement && transport.contains(at);
    if (!onSlider && !((onPage || onPlayer) && singleKeys())) return;
    const step = e.shiftKey ? 30 : 5;
    if (e.key === ' ' && !onPlayer) { e.preventDefault(); toggle(); }
    else if (e.key === 'ArrowLeft') { e.preventDefault(); seek(tl.cursor - step); }
    else if (e.key === 'ArrowRight') { e.preventDefault(); seek(tl.cursor + step); }
    else if (e.key === 'Home' && onSlider) { e.preventDefault(); seek(0); }
    else if (e.key === 'End' && onSlider) { e.preventDefault(); seek(s.duration_s); }
    else if (!singleKeys()) return;
    else if (e.key === 'm' || e.key === 'M') { e.preventDefault(); addMarker(); }
    else if (e.key === '+' || e.key === '=') tl.zoom(0.5);
    else if (e.key === '-') tl.zoom(2);
  };
  document.addEventListener('keydown', onKey);
  // the buttons name their keys only while the keys work
  function markShortcuts() {
    const on = singleKeys();
    for (const b of transport.querySelectorAll('[data-key]')) {
      if (on) b.setAttribute('aria-keyshortcuts', b.dataset.key); else b.removeAttribute('aria-keyshortcuts');
    }
    markerBtn.textContent = on ? 'Marker (m)' : 'Marker';
  }
  markShortcuts();

  // -- lanes ---------------------------------------------------------------------------
  const waveP = Promise.all(s.audio.map((a, i) => waveformLane(tl, s, { ...a, label: named.audio[i] }, page.peaks[a.name])));
  const [roll] = await Promise.all([rollP, waveP]);
  performance.mark('lane-data');
  for (const p of s.midi_players) pianoRollLane(tl, s, p, roll[p] || EMPTY_ROLL);
  if (gaps.length) gapLane(tl, gaps, groups);
  // on the timeline, where room is short, each tag's value ("partner", as the chips and the
  // role labels "partner · client" say it); the table below says the rest
  annotationLane(tl, s, () => state.annotations, { tagWords: (tags) => tags.map((t) => t.slice(t.indexOf(':') + 1)).join(', ') });
  state.annotations = page.annotations;
  const start = params.get('t');
  tl.fit();
  if (start) seek(+start);
  tl.drawNow();
  tlBox.dataset.ready = '1';
  performance.mark('timeline-ready');
  // the rest after the timeline is on screen
  // background loads: an error shows in the status line while this page is shown; a page that
  // was left (or whose session was just deleted) stays quiet
  const quietly = (p) => p.catch((e) => { if (document.body.contains(main)) say(e.message, { error: true }); });
  requestAnimationFrame(() => { renderAnnotations(); quietly(loadNotes()); loadAnalysis(); });

  async function loadAnnotations() {
    const all = (await api(`/api/sessions/${id}/annotations${showDeleted.checked ? '?include_deleted=true' : ''}`)).annotations;
    state.annotations = all.filter((a) => !a.deleted);
    state.deleted = all.filter((a) => a.deleted);
    renderAnnotations();
    renderNoNotes();
    tl.draw();
    refreshSummary();
    if (!rolesBox.hidden) await loadRoles();  // how many are left to review
  }

  // the plain summary counts the annotations and markers: said again after each change
  async function refreshSummary() {
    if (!summaryBox.querySelector('dl')) return; // not measured yet
    const r = await api(`/api/sessions/${id}/summary`).catch(() => null);
    if (r && r.status === 'ok' && document.body.contains(summaryBox)) {
      showSummary(summaryBox, r.plain_summary);
    }
  }

  async function restoreAnnotation(a) {
    await api(`/api/sessions/${id}/annotations/${a.id}/restore`, { method: 'POST', body: {} });
    say(`Annotation at ${fmtTime(a.t)} restored`);
    await loadAnnotations();
  }

  function deletedRows() {
    if (!showDeleted.checked) return [];
    if (!state.deleted || !state.deleted.length) {
      return [h('tr', { class: 'deleted' }, h('td', { colspan: '5', class: 'muted' }, 'No deleted annotations'))];
    }
    return state.deleted.map((a) => h('tr', { class: 'deleted', dataset: { id: a.id } },
      h('td', { class: 'when' }, fmtSpan(a)),
      h('td', {}, a.player || everyone(s)),
      h('td', {}, tagWords(a.tags)),
      h('td', { class: 'text' }, h('s', {}, a.text),
        h('span', { class: 'muted' }, ` (deleted ${fmtDate(a.deleted_utc)}${a.deleted_by ? ` by ${a.deleted_by}` : ''}${a.deleted_reason ? `: ${a.deleted_reason}` : ''})`)),
      h('td', { class: 'actions' },
        h('button', { type: 'button', onclick: () => restoreAnnotation(a).catch((ex) => say(ex.message, { error: true })), 'aria-label': `Restore annotation at ${fmtTime(a.t)}` }, 'Restore'))));
  }

  function renderAnnotations() {
    renderAsText();
    annTable.replaceChildren(
      h('caption', { class: 'sr-only' }, 'Annotations of this session'),
      h('thead', {}, h('tr', {}, ['Time', 'Player', 'Tags', 'Text', ''].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, state.annotations.map((a) => {
        const hist = h('div', { class: 'history', hidden: true });
        // a role the analysis suggested: "suggested" until confirmed here, then "confirmed"
        const suggested = isSuggestion(a);
        const tagsShown = suggested ? a.tags.filter((t) => t !== 'suggestion') : a.tags;
        return [h('tr', { dataset: { id: a.id }, class: suggested ? 'suggested' : '' },
          h('td', { class: 'when' }, h('button', { type: 'button', class: 'link', onclick: () => seek(a.t), 'aria-label': `Play from ${fmtSpan(a)}` },
            fmtSpan(a))),
          h('td', {}, a.player || everyone(s)),
          h('td', {}, tagWords(tagsShown),
            suggested ? h('span', { class: 'badge suggested', title: 'Suggested by the analysis: confirm or discard it' }, 'suggested')
              : a.source === 'suggestion' ? h('span', { class: 'badge confirmed', title: 'Suggested by the analysis and confirmed' }, 'confirmed') : ''),
          // corrections of its content only (improv.web.api_annotations.annotations_with_edits):
          // confirming a suggestion, deleting and restoring are none
          h('td', { class: 'text' }, a.text, a.edits > 0 ? h('span', { class: 'muted' }, ` (edited${a.edits > 1 ? ` ${a.edits} times` : ''})`) : ''),
          h('td', { class: 'actions' },
            suggested ? [
              h('button', { type: 'button', class: 'primary', onclick: guard(() => reviewOne('confirm', a)), 'aria-label': `Confirm the suggestion at ${fmtTime(a.t)}` }, 'Confirm'),
              h('button', { type: 'button', class: 'danger', onclick: guard(() => reviewOne('discard', a)), 'aria-label': `Discard the suggestion at ${fmtTime(a.t)}` }, 'Discard')] : '',
            h('button', { type: 'button', onclick: () => { state.editing = a.id; state.editingRev = a.rev; form.fill(a, true); }, 'aria-label': `Edit annotation at ${fmtTime(a.t)}` }, 'Edit'),
            h('button', { type: 'button', 'aria-expanded': 'false', onclick: guard(async (e) => {
              const open = hist.hidden;
              e.target.setAttribute('aria-expanded', String(open));
              if (open) {
                const r = await api(`/api/sessions/${id}/annotations/${a.id}/history`);
                // in words: "Changed 27 Nov 10:02 by T01: 0:20.0 IAP · autonomy: leader — leads"
                const did = { create: 'Created', edit: 'Changed', delete: 'Deleted', restore: 'Restored' };
                hist.replaceChildren(h('ol', {}, r.history.map((v) => {
                  const st = v.state || {};
                  const tags = tagWords(st.tags);
                  const reason = v.changes && v.changes.reason ? ` (reason: ${v.changes.reason})` : '';
                  return h('li', {}, `${did[v.op] || v.op} ${fmtDate(v.at_utc)}${v.by ? ` by ${v.by}` : ''}: ${fmtSpan(st)}`,
                    `${tags ? ` ${tags}` : ''}${st.text ? ` — ${st.text}` : ''}${reason}`);
                })));
              }
              hist.hidden = !open;
            }), 'aria-label': `History of annotation at ${fmtTime(a.t)}` }, 'History'),
            suggested ? '' : h('button', { type: 'button', class: 'danger', onclick: guard(async () => {
              if (!confirm('Delete this annotation? It stays in the history.')) return;
              try {
                await api(`/api/sessions/${id}/annotations/${a.id}?rev=${a.rev}`, { method: 'DELETE' });
              } catch (ex) {
                if (ex.status === 409) await loadAnnotations();  // changed meanwhile: show it
                throw ex;
              }
              say('Annotation deleted (kept in its history)', { action: { label: 'Undo', run: () => restoreAnnotation(a) } });
              const at = [...annTable.querySelectorAll('tr[data-id]')].findIndex((tr) => tr.dataset.id === a.id);
              await loadAnnotations();
              // focus moves on to the row that took its place (or the Undo), not to the page top
              const rows = annTable.querySelectorAll('tr[data-id]:not(.deleted)');
              (rows[Math.min(at, rows.length - 1)]?.querySelector('button') || document.querySelector('#status button'))?.focus();
            }), 'aria-label': `Delete annotation at ${fmtTime(a.t)}` }, 'Delete'))),
          h('tr', { class: 'history-row' }, h('td', { colspan: '5' }, hist))];
      }), deletedRows()));
  }

  // -- notes ---------------------------------------------------------------------------
  // a note typed in "Note at this moment" while recording is an annotation tagged note on the
  // timeline, not the session's notes: an empty panel points to those notes, each time a link
  // there (it read "No notes yet." beside them: review rev-pulse, finding 7); said anew when
  // the annotations change
  const noNotes = h('span', { class: 'muted no-notes' });
  function renderNoNotes() {
    const live = state.annotations.filter((a) => a.source === 'recording' && (a.tags || []).includes('note') && !(a.tags || []).includes('marker'));
    if (!live.length) { noNotes.replaceChildren('No notes yet.'); return; }
    const shown = live.slice(0, 6).map((a) => h('button', { type: 'button', class: 'timeref', onclick: () => { seek(a.t); say(`Jumped to ${fmtTime(a.t)}`); }, 'aria-label': `Go to the note written while recording at ${fmtSpan(a)}` }, fmtSpan(a)));
    const times = shown.flatMap((b, i) => [i === 0 ? '' : i === shown.length - 1 && live.length <= 6 ? ' and ' : ', ', b]);
    noNotes.replaceChildren(`No session notes yet; ${live.length === 1 ? '1 note written while recording is' : `${live.length} notes written while recording are`} on the timeline at `,
      ...times, live.length > 6 ? ', …' : '', '.');
  }
  async function loadNotes() {
    const n = await api(`/api/sessions/${id}/notes`);
    const view = h('div', { class: 'notes-text' });
    let pos = 0;
    for (const r of n.refs) {
      view.append(n.text.slice(pos, r.start));
      view.append(r.in_session
        ? h('button', { type: 'button', class: 'timeref', dataset: { t: String(r.t) }, onclick: () => { seek(r.t); say(`Jumped to ${fmtTime(r.t)}`); }, 'aria-label': `Jump to ${r.text}` }, r.text)
        : h('span', { class: 'timeref-out', title: 'outside the session' }, r.text));
      pos = r.end;
    }
    view.append(n.text.slice(pos));
    if (!n.text) view.append(noNotes);
    renderNoNotes();
    const area = h('textarea', { rows: '8', 'aria-label': 'Session notes (time references like 12:30 become links)' }, n.text);
    const editor = h('div', { hidden: true }, area,
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'primary', onclick: guard(async () => {
          const r = await api(`/api/sessions/${id}/notes`, { method: 'PUT', body: { text: area.value } });
          say(r.changed ? 'Notes saved (the earlier version is kept)' : 'Notes unchanged');
          // keyboard users go on from the notes, not from the top of the page: the first
          // button they can see (a time link, or Edit notes; the editor's are hidden again)
          quietly(loadNotes().then(() => [...notesBox.querySelectorAll('button')]
            .find((b) => b.offsetParent !== null)?.focus()));
        }) }, 'Save notes'),
        // back to the button that opened the editor, not to the top of the page
        h('button', { type: 'button', onclick: () => { area.value = n.text; editor.hidden = true; view.hidden = false; editBtn.focus(); } }, 'Cancel')));
    const editBtn = h('button', { type: 'button', onclick: () => { editor.hidden = false; view.hidden = true; area.focus(); } }, 'Edit notes');
    notesBox.replaceChildren(h('h2', { id: 'notes-h' }, 'Notes'), view, editor,
      h('div', { class: 'row' },
        editBtn,
        n.history.length ? h('span', { class: 'muted' }, counted(n.history.length, 'saved version')) : ''));
  }

  // -- roles the analysis suggests ------------------------------------------------------
  // improv.web.api_roles: the dialogue's role suggestions (improv.analyze.roles), added as
  // annotations tagged "suggestion" as `improv analyze --dialogue --accept-roles` does, then
  // confirmed (the tag removed: a new revision) or discarded (deleted, kept in the history)
  // how clearly the playing points to a role is said in words, as the suggestions' own text
  // says it (improv.analyze.roles.indication_words): "a clear indication" from the least
  // confidence added by default, else "some" or "a weak" one, here together "less clear"
  let lessSure = false; // "also the less clear ones" ticked
  let roles = null;     // the last answer of GET …/roles
  let rolesNote = null; // what the section's last action did: { text, undo }, said beside it
  async function loadRoles() {
    try { roles = await api(`/api/sessions/${id}/roles`); } catch (ex) {
      if (ex.status === 409) { rolesBox.hidden = true; return; }  // not measured (any more)
      throw ex;
    }
    if (document.body.contains(rolesBox)) renderRoles();
  }

  // `ask`: 'confirm' or 'discard' while "Confirm all" or "Discard all remaining" asks first
  function renderRoles(ask = null) {
    const o = roles;
    rolesBox.hidden = false;
    const n = o.suggestions.length;
    const head = h('h2', { id: 'roles-h', tabindex: '-1' }, 'Roles the analysis suggests');
    const intro = h('p', {}, 'From the playing, the analysis suggests a role for each player in each stretch of the session, after Bruscia’s autonomy profile (leader, follower, partner, dependent, resister; and solo or silence). ',
      h('strong', {}, 'These are suggestions from the measures, not an assessment'), ': add them as annotations, then confirm or discard each.');
    if (!n) { rolesBox.replaceChildren(head, intro, h('p', { class: 'muted' }, 'The analysis suggests no role in this session.')); return; }
    const players = [...new Set(o.pairs.flat())];
    const shown = ROLE_ORDER.filter((r) => o.counts.some((c) => c.role === r));
    const cell = (p, r) => {
      const c = o.counts.find((x) => x.player === p && x.role === r);
      if (!c) return '–';
      return c.sure < c.n ? `${c.n} (${c.n - c.sure} less clear)` : String(c.n);
    };
    const table = h('div', { class: 'table-scroll' }, h('table', { class: 'role-counts' },
      h('caption', {}, `${counted(n, 'suggestion')}: how many stretches of each role`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Role'), players.map((p) => h('th', { scope: 'col' }, p)))),
      h('tbody', {}, shown.map((r) => h('tr', { dataset: { role: r } }, h('th', { scope: 'row' }, r), players.map((p) => h('td', { dataset: { player: p } }, cell(p, r))))))));
    const st = o.states;
    const less = o.counts.reduce((k, c) => k + c.n - c.sure, 0);
    const lessNote = less ? h('p', { class: 'muted small' }, 'Less clear: the playing gives only some or a weak indication of the role, not a clear one (a “resister” never gives a clear one, as the measures cannot tell ignoring the other from opposing them). They are added only on request.') : '';
    const done = [st.confirmed ? `${st.confirmed} confirmed` : '', st.discarded ? `${st.discarded} discarded` : ''].filter(Boolean).join(', ');
    const where = `${st.new ? `${st.new} not in the annotations yet` : 'all are in the annotations'}${done ? `; ${done}` : ''}`;
    const newLess = st.new - o.new_sure;
    const addRow = h('div', { class: 'row' },
      h('button', { type: 'button', class: 'primary', onclick: guard(async (e) => {
        e.target.disabled = true;
        try { await addRoles(); } finally { e.target.disabled = false; }
      }) }, 'Add them as annotations to review'),
      newLess ? h('label', {}, h('input', { type: 'checkbox', checked: lessSure, onchange: (e) => { lessSure = e.target.checked; } }), ` also the ${newLess} less clear`) : '');
    const pending = state.annotations.filter(isSuggestion);
    let reviewEl = '';
    if (pending.length && ask) {
      const k = pending.length;
      const yes = h('button', { type: 'button', class: ask === 'confirm' ? 'primary' : 'danger', onclick: guard((e) => reviewAll(ask, pending, e.target)) },
        ask === 'confirm' ? `Confirm all ${k}` : `Discard ${k}`);
      reviewEl = h('div', { class: 'confirm roles-ask', role: 'group', 'aria-label': ask === 'confirm' ? 'Confirm all suggestions?' : 'Discard all remaining suggestions?' },
        h('p', {}, ask === 'confirm'
          ? `Confirm all ${counted(k, 'suggested role')} as your annotations? Each keeps its suggested version in its history.`
          : `Discard the ${counted(k, 'remaining suggestion')}? They stay in the history (“Show deleted annotations” lists them, to restore).`),
        h('div', { class: 'row' }, yes, h('button', { type: 'button', onclick: () => { renderRoles(); rolesBox.querySelector('.roles-review button')?.focus(); } }, 'Cancel')));
      requestAnimationFrame(() => yes.focus());
    } else if (pending.length) {
      reviewEl = h('div', { class: 'row roles-review' },
        h('span', {}, `${counted(pending.length, 'suggestion')} to review in the annotation table (marked “suggested”): confirm or discard each there, or`),
        h('button', { type: 'button', onclick: () => renderRoles('confirm') }, 'Confirm all'),
        h('button', { type: 'button', class: 'danger', onclick: () => renderRoles('discard') }, 'Discard all remaining'));
    }
    const note = h('p', { class: 'roles-note', role: 'status' }, rolesNote ? [rolesNote.text, rolesNote.undo
      ? [' ', h('button', { type: 'button', class: 'link', onclick: guard(async (e) => { e.target.disabled = true; await rolesNote.undo(); }) }, 'Undo')] : ''] : '');
    rolesBox.replaceChildren(head, intro, table, lessNote, h('p', { class: 'roles-state' }, `Of these, ${where}.`), addRow, note, reviewEl);
  }

  async function addRoles() {
    const r = await api(`/api/sessions/${id}/roles/annotations`, { method: 'POST', body: lessSure ? { min_confidence: 0 } : {} });
    const left = r.states.new;
    lessSure = false;
    rolesNote = { text: r.added ? `${counted(r.added, 'role suggestion')} added as annotations to review (marked “suggested” in the annotation table)${left ? `; ${left} less clear not added` : ''}.`
      : left ? `None added: the ${left} not in the annotations yet are less clear; tick “also the ${left} less clear” to add them.`
        : `None added: all ${counted(r.suggestions.length, 'suggestion')} are in the annotations already.` };
    await loadAnnotations();
  }

  // confirm or discard suggestions (the revisions the page shows: changed meanwhile is a 409,
  // and the list is shown anew)
  async function review(kind, list) {
    try {
      return await api(`/api/sessions/${id}/roles/${kind}`, { method: 'POST', body: { annotations: list.map((a) => ({ id: a.id, rev: a.rev })) } });
    } catch (ex) {
      if (ex.status === 409) await loadAnnotations();
      throw ex;
    }
  }
  async function reviewOne(kind, a) {
    const at = [...annTable.querySelectorAll('tr[data-id]')].findIndex((tr) => tr.dataset.id === a.id);
    await review(kind, [a]);
    const what = `${tagWords(a.tags.filter((t) => t !== 'suggestion'))} at ${fmtSpan(a)}`;
    if (kind === 'confirm') say(`Confirmed: ${what} (its suggested version stays in its history)`);
    else say(`Suggestion discarded: ${what} (kept in the history)`, { action: { label: 'Undo', run: () => restoreAnnotation(a) } });
    await loadAnnotations();
    // focus goes on to the next suggestion (or the row that took this one's place)
    const rows = [...annTable.querySelectorAll('tr[data-id]:not(.deleted)')];
    const next = rows.slice(Math.max(0, at)).find((tr) => tr.classList.contains('suggested')) || rows[Math.min(at, rows.length - 1)];
    next?.querySelector('.actions button')?.focus();
  }
  async function reviewAll(kind, list, btn) {
    // one request: a revision per annotation, each kept in its history, written together
    btn.disabled = true;
    btn.textContent = kind === 'confirm' ? 'Confirming…' : 'Discarding…';
    let r;
    try { r = await review(kind, list); } catch (ex) { renderRoles(); throw ex; }
    rolesNote = kind === 'confirm' ? { text: `${counted(r.confirmed, 'suggested role')} confirmed (their suggested versions stay in their history).` }
      : { text: `${counted(r.discarded, 'suggestion')} discarded (kept in the history).`, undo: async () => {
        const back = await api(`/api/sessions/${id}/roles/restore`, { method: 'POST', body: { annotations: r.annotations.map((a) => ({ id: a.id, rev: a.rev })) } });
        rolesNote = { text: `${counted(back.restored, 'suggestion')} restored, to review again.` };
        await loadAnnotations();
      } };
    await loadAnnotations();
    rolesBox.querySelector('#roles-h')?.focus();
  }

  // -- analysis ------------------------------------------------------------------------
  // resolves when the session's measures are there: analyses it if it never was, waits for a
  // measuring in the background
  async function measured() {
    for (;;) {
      const r = await api(`/api/sessions/${id}/analysis`);
      if (r.status === 'ok') return;
      if (r.status !== 'analysing') {
        say('Analysing the session first: a report needs its measures…');
        await loadAnalysis(true);
        return;
      }
      say('Waiting for the measuring in the background to finish…');
      await new Promise((done) => setTimeout(done, 1000));
    }
  }
  // measuring failed (in the background after the session arrived, or on Analyse now): why,
  // and Try again; never only a reason without a way forward
  function measuringFailed(head, reason) {
    progress.textContent = '';
    panel(head, h('p', { class: 'error', role: 'alert' }, `Measuring this session failed: ${(reason || 'no reason was given').replace(/\.$/, '')}.`),
      h('button', { type: 'button', class: 'primary', onclick: () => loadAnalysis(true) }, 'Try again'));
    summaryBox.replaceChildren(h('span', { class: 'muted' }, 'Summary: none, the measuring failed (see Measures).'));
  }
  // the measuring's progress: one live region, kept and updated in place at every poll (a new
  // region inserted with its text is announced unreliably), last in the Measures panel; once
  // the measures are there it says so to a screen reader only
  function progressLine(text) {
    progress.textContent = text;
    progress.classList.remove('sr-only');
    if (analysisBox.children.length !== 2) panel(h('h2', { id: 'an-h' }, 'Measures'));
  }
  // the Measures panel's content, before the progress line, which stays where it is
  function panel(...nodes) {
    for (const n of [...analysisBox.childNodes]) if (n !== progress) n.remove();
    if (progress.parentNode !== analysisBox) analysisBox.append(progress);
    progress.before(...nodes.flat().filter((n) => n !== '' && n != null));
  }
  async function loadAnalysis(run = false) {
    const head = h('h2', { id: 'an-h' }, 'Measures');
    let r;
    try {
      if (run) { progressLine('Analysing… (this can take a while for a long session)'); }
      r = await api(`/api/sessions/${id}/analysis`, run ? { method: 'POST' } : {});
    } catch (e) { measuringFailed(head, e.message); return; }
    if (r.status === 'analysing') { // a new session: measured in the background (improv/web/after.py)
      const pr = r.progress || {};
      const what = pr.step === 'waveform' ? 'preparing the waveform' : `${Math.round((pr.fraction || 0) * 100)} % measured`;
      progressLine(`Measuring this session in the background: ${what}…`);
      summaryBox.replaceChildren(h('span', { class: 'muted' }, 'Summary: when the measuring is done.'));
      setTimeout(() => { if (document.body.contains(analysisBox)) loadAnalysis(); }, 1000);
      return;
    }
    if (r.status === 'failed') { measuringFailed(head, r.reason); return; } // in the background
    if (r.status !== 'ok') {
      progress.textContent = '';
      panel(head, h('p', {}, 'Not analysed yet.'),
        h('button', { type: 'button', class: 'primary', onclick: () => loadAnalysis(true) }, 'Analyse now'));
      return;
    }
    showSummary(summaryBox, r.plain_summary || []);
    state.dialogue = r.dialogue || [];
    renderAsText();
    const feats = await featureList();
    const lab = (name, fill) => featureLabel(feats, name, fill);
    const unit = (name) => (feats.get(name) || {}).unit || '';
    // a summary value with its unit (in words on hover), never wrapped apart ("21 / ms" in a
    // narrow column)
    const valueOf = (sm, name, digits) => h('span', { class: 'value' }, `${sm[name].toFixed(digits)}\u00a0`, unitEl(unit(name)));
    analysisLanes(r, feats);
    // one row per player by default, from its MIDI where it has one (the notes as played);
    // its other inputs (a microphone on the same instrument) on request: two rows of one
    // player with different numbers read as a contradiction
    const rows = [];
    let extra = 0;
    for (const [p, entry] of Object.entries(r.players)) {
      const sources = Object.entries(entry.sources).sort(([a], [b]) => (b.startsWith('midi') - a.startsWith('midi')));
      for (const [k, [src, res]] of sources.entries()) {
        const sm = res.summary;
        if (k > 0) extra += 1;
        rows.push(h('tr', { class: k > 0 ? 'extra-source' : '', hidden: k > 0 && !showAllInputs }, h('th', { scope: 'row' }, `${p} (${inputName(src, Object.keys(entry.sources))})`),
          h('td', {}, sm.tempo_bpm ? [valueOf(sm, 'tempo_bpm', 0), sm.tempo_alt_share >= 0.4 ? ` (or ${sm.tempo_alt_bpm.toFixed(0)})` : '',
            sm.pulse === 'clear' ? ', clear pulse' : `, pulse ${sm.pulse || ''}`] : noTempo(sm)),
          h('td', {}, sm.velocity_mean != null ? `velocity ${sm.velocity_mean.toFixed(0)} of 127` : sm.level_dbfs_mean != null ? valueOf(sm, 'level_dbfs_mean', 1) : '–'),
          h('td', {}, sm.notes_per_s != null ? valueOf(sm, 'notes_per_s', 2) : sm.onsets_per_s != null ? valueOf(sm, 'onsets_per_s', 2) : '–'),
          h('td', {}, sm.silence_share != null ? `${Math.round(sm.silence_share * 100)} % silence` : '–')));
      }
    }
    const dl = (r.dialogue || []).map((d) => h('p', { class: 'dialogue-line' }, dialogueSentence(d)));
    const toggle = extra ? h('label', { class: 'all-inputs' }, h('input', { type: 'checkbox', checked: showAllInputs, onchange: (e) => {
      showAllInputs = e.target.checked;
      for (const tr of analysisBox.querySelectorAll('tr.extra-source')) tr.hidden = !showAllInputs;
    } }), ` Show every input (${counted(extra, 'more row')}: what each player's microphone measured too)`) : '';
    // the table scrolls within its panel where the page is narrower still, never the page
    if (progress.textContent) { progress.textContent = 'Measuring done: the measures and the summary are shown.'; progress.classList.add('sr-only'); }
    panel(head, h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Measures per player' }, h('table', {}, h('thead', {}, h('tr', {}, ['Player', lab('tempo_bpm'), 'Dynamics', 'Density', `${lab('silence_share')} (pauses over 2 s)`].map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, rows))), toggle, ...dl,
      h('button', { type: 'button', title: 'Measure the session anew (after a correction, or after improv was updated); otherwise the stored results stand', onclick: () => loadAnalysis(true) }, 'Analyse again'));
    if ((r.dialogue || []).length) quietly(loadRoles());
  }

  function analysisLanes(r, feats) {
    if (tl.lanes.some((l) => l.row.classList.contains('curve'))) return;
    const groups = { tempo: [], dyn: [], dens: [] };
    // one source per player and lane, MIDI first, as the Measures table gives them (its
    // Dynamics column says the velocity where there is MIDI: so does the lane)
    // an input that heard nothing (summary status "silent") draws no curve: its density's
    // flat 0 read as "did not play"; the lanes say in words what it heard instead, as the
    // summary does (improv.reports.summary_text: NO_SOUND_DBFS, digital silence)
    const heard = (res) => (res.summary || {}).status !== 'silent';
    const pickSrc = (entry, name, prefer) => prefer.map((k) => Object.keys(entry.sources).find((src) => src.startsWith(k) && heard(entry.sources[src]) && (entry.sources[src].curves || {})[name])).find(Boolean);
    const unheard = [];
    for (const [p, entry] of Object.entries(r.players)) {
      for (const [src, res] of Object.entries(entry.sources)) {
        if (heard(res)) continue;
        const peak = (res.summary || {}).peak_dbfs;
        // the input as the summary says it (improv.reports.summary_playing._input_name)
        const several = Object.keys(entry.sources).filter((x) => x.startsWith('audio:'));
        const which = `${p}'s microphone${several.includes(src) ? ` ${several.indexOf(src) + 1}` : ''}`;
        unheard.push(peak != null && peak < NO_SOUND_DBFS ? `No sound reached improv from ${which}: check the input` : `No playing was heard from ${which}`);
      }
    }
    for (const [p, entry] of Object.entries(r.players)) {
      const color = playerColor(s.players, p);
      const add = (g, names, prefer, { zeroIsGap = false, silenceIsGap = false, fromZero = false } = {}) => {
        for (const name of names) {
          const src = pickSrc(entry, name, prefer);
          if (!src) continue;
          const c = entry.sources[src].curves[name];
          // a tempo of 0 (no clear pulse) and a level of digital silence (-100 dBFS, a pause)
          // are gaps, not values: the scale holds the playing only
          const values = zeroIsGap ? c.values.map((v) => (v > 0 ? v : null))
            : silenceIsGap && name === 'level_dbfs' ? c.values.map((v) => (v != null && v > SILENCE_DBFS ? v : null)) : c.values;
          // the unit after the range ("Notes per second 0.00–1.67 notes/s"), not in the name
          groups[g].push({ label: `${p} (${inputName(src, Object.keys(entry.sources))}) · ${featureLabel(feats, name)}`, unit: (feats.get(name) || {}).unit || '', color, times: c.times, values, feature: name, min: fromZero ? 0 : undefined });
          return src;
        }
        return null;
      };
      // tempo 0 means "no clear pulse": a gap in the curve, not a fall to 0 BPM
      const tsrc = add('tempo', ['tempo_bpm'], ['midi', 'audio'], { zeroIsGap: true });
      if (tsrc) {
        const curves = entry.sources[tsrc].curves, c = curves.pulse_clarity;
        // a window without a note or onset of the player is a gap, as in the tempo and level:
        // a pulse clarity of 0 there read as "played without a pulse"
        const dens = curves.notes_per_s || curves.onsets_per_s;
        const played = (i) => !dens || dens.times.length !== c.times.length || dens.values[i] == null || dens.values[i] > 0;
        if (c) groups.tempo.push({ label: `${p} (${inputName(tsrc, Object.keys(entry.sources))}) · ${featureLabel(feats, 'pulse_clarity')} (dashed)`, color, dashed: true, min: 0, max: 1, unit: '0-1', feature: 'pulse_clarity', times: c.times, values: c.values.map((v, i) => (played(i) ? v : null)) });
      }
      add('dyn', ['velocity_mean', 'level_dbfs'], ['midi', 'audio'], { silenceIsGap: true });
      // a rate starts at 0: a player's 4.5 notes/s is not drawn at the floor
      add('dens', ['notes_per_s', 'onsets_per_s'], ['midi', 'audio'], { fromZero: true });
    }
    const annLane = tl.lanes.find((l) => l.row.classList.contains('ann'));
    const before = annLane ? annLane.row : null;
    const mk = (label, series, note = '') => { if (series.length || note) { const lane = curveLane(tl, label, series, { note }); if (before) tl.lanesBox.insertBefore(lane.row, before); } };
    mk('Tempo · pulse clarity', groups.tempo);
    const beats = beatLane(tl, r.players, s.players);
    if (beats && before) tl.lanesBox.insertBefore(beats.row, before);
    mk('Dynamics', groups.dyn, unheard.join('; '));
    mk('Density', groups.dens, unheard.join('; '));
    for (const d of r.dialogue || []) {
      const c = d.curves || {};
      const series = [];
      if (c.joint) series.push({ label: featureLabel(feats, 'joint'), color: '#333', times: c.joint.times, values: c.joint.values, min: 0, max: 1, share: true });
      for (const p of d.pair) {
        const k = `${p}_solo`;
        if (c[k]) series.push({ label: featureLabel(feats, '{x}_solo', { x: p }), color: playerColor(s.players, p), times: c[k].times, values: c[k].values, min: 0, max: 1, share: true });
      }
      mk(`Dialogue ${d.pair.join(' & ')}`, series);
      if ((d.imitations || []).length) {
        const lane = imitationLane(tl, d.imitations, s.players);
        if (before) tl.lanesBox.insertBefore(lane.row, before);
      }
    }
    tl.draw();
  }
}

// The feature list of the analysis (GET /api/features: analysis/features.py), by name; fetched
// once. Without it (an error) the names themselves are shown.
let featuresP = null;
function featureList() {
  if (!featuresP) featuresP = api('/api/features').then((r) => new Map(r.features.map((f) => [f.name, f]))).catch(() => { featuresP = null; return new Map(); });
  return featuresP;
}

// a feature's short label, its placeholders ({x}: a player) filled in from `fill`
function featureLabel(feats, name, fill = {}) {
  const f = feats.get(name);
  const text = f ? f.label : name;
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in fill ? fill[k] : m));
}

// the order the roles are listed in (analysis.dialogue.ROLES: Bruscia's autonomy roles, then
// solo and silence)
const ROLE_ORDER = ['leader', 'follower', 'partner', 'dependent', 'resister', 'solo', 'silence'];

// a suggestion of the analysis not yet confirmed (sessions.annotation_log.unconfirmed_suggestion:
// a "suggestion" tag the therapist gave their own annotation is theirs)
function isSuggestion(a) { return a.source === 'suggestion' && (a.tags || []).includes('suggestion'); }

// an annotation's (or a stretch's) time: a point, or start–end; never a range whose two ends
// read the same ("0:34.4–0:34.4": review rev-pulse, finding 6), which is the point
function fmtSpan(a) {
  const start = fmtTime(a.t), end = a.end != null ? fmtTime(a.end) : start;
  return end === start ? start : `${start}–${end}`;
}

// the level curve's value in a window of digital silence (analysis.audio: −100 dBFS)
const SILENCE_DBFS = -99;
// an input whose loudest moment is under this heard no sound at all, not even a room
// (improv.reports.summary_text.NO_SOUND_DBFS; a test keeps the two the same)
const NO_SOUND_DBFS = -90;

// the tempo cell without a tempo (only a clear pulse has one), in the plain summary's words
const NO_TEMPO = { intermittent: 'clear pulse only at times', rare: 'no clear pulse', none: 'no clear pulse' };
// and with the rough tempo the summary gives ("around 96 BPM"), so the two agree
function noTempo(sm) {
  const near = sm.pulse === 'intermittent' && sm.tempo_bpm_tentative ? Math.round(sm.tempo_bpm_tentative) : null;
  if (pulseWithoutOneTempo(sm)) return `a pulse, but no single tempo${near ? ` (nearest: about ${near} BPM)` : ''}`;
  if (near) return `around ${near}\u00a0BPM, ${sm.pulsed_share != null && sm.pulsed_share >= OFTEN_PULSED ? 'clear pulse much of the time' : NO_TEMPO.intermittent}`;
  return NO_TEMPO[sm.pulse] || '–';
}

function pct(v) { return v == null ? '–' : `${Math.round(v * 100)} %`; }

// A pair's playing together in a sentence, in the plain summary's words: how much they played
// at once, how often the turn passed, and in notes played together who came after whom on
// average (the signed mean: positive, the pair's second player after the first) and how far
// apart their notes typically were (the mean absolute asynchrony, which the client page and
// the reports compare over sessions). A number and its unit never wrap apart.
// (each field as d.summary.NAME, not through an alias: tests/improv/web/test_summary_page.py
// reads from this file which fields the page uses)
function dialogueSentence(d) {
  const [a, b] = d.pair;
  const parts = [];
  if (d.summary.joint_share != null) parts.push(`both played at once for ${pct(d.summary.joint_share)} of the time`);
  const per = d.summary.floor_transfers_per_min;
  // a turn is a second or more of playing alone (dialogue 1.7): none is said as such
  if (per === 0) parts.push('they did not take turns');
  else if (per != null) parts.push(`the turn passed from one to the other ${per >= 10 ? per.toFixed(0) : per.toFixed(1).replace(/\.0$/, '')} times a minute`);
  const ms = d.summary.asynchrony_mean_ms;
  if (ms != null) {
    const apart = d.summary.asynchrony_abs_mean_ms != null ? ` (typically ${Math.round(d.summary.asynchrony_abs_mean_ms)}\u00a0ms apart)` : '';
    const abs = Math.round(Math.abs(ms));
    const [first, second] = ms > 0 ? [a, b] : [b, a];
    parts.push(abs < 1 ? `in notes played together, neither came first on average${apart}`
      : `in notes played together, ${second} came on average ${abs}\u00a0ms after ${first}${apart}`);
  }
  return `${a} & ${b}: ${parts.join('; ') || 'no measure of their playing together'}.`;
}

// an annotation with neither text nor tag (improv.web.api_annotations.EMPTY)
const EMPTY_ANNOTATION = 'An empty annotation: add a word or a tag, or use Marker';

// The form that adds or edits an annotation.
function annotationForm(s, vocab, { onSave, onCancel }) {
  const tIn = h('input', { id: 'ann-t', name: 't', required: true, inputmode: 'decimal', placeholder: 'e.g. 12:30', size: '9' });
  const endIn = h('input', { id: 'ann-end', name: 'end', inputmode: 'decimal', placeholder: 'none: a point', size: '9' });
  const playerSel = h('select', { id: 'ann-player' }, h('option', { value: '' }, everyone(s)), s.players.map((p) => h('option', { value: p }, p)));
  const tagSel = tagChips(vocab);
  const newTag = h('input', { id: 'ann-newtag', placeholder: 'e.g. mood:calm', size: '14' });
  const text = h('textarea', { id: 'ann-text', rows: '2' });
  const title = h('legend', {}, 'New annotation');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Add annotation');
  const cancel = h('button', { type: 'button', onclick: () => onCancel() }, 'Cancel');
  const err = h('p', { class: 'error', role: 'alert' });
  let original = null;
  // novalidate: every refusal is said in the form's own line (the browser's bubble for an
  // empty Start left the previous try's error standing beside it)
  const el = h('form', { class: 'ann-form', 'aria-label': 'Annotation', novalidate: true },
    h('fieldset', {}, title,
      h('div', { class: 'grid' },
        h('label', { for: 'ann-t' }, 'Start (m:ss, h:mm:ss or seconds)'), tIn,
        h('label', { for: 'ann-end' }, 'End'), endIn,
        h('label', { for: 'ann-player' }, 'Player'), playerSel,
        // the text before the (tall) tag groups: Edit focuses it, in view with the heading
        h('label', { for: 'ann-text' }, 'Text'), text,
        h('span', { class: 'label', id: 'ann-tags-h' }, 'Tags'), h('div', { 'aria-labelledby': 'ann-tags-h' }, tagSel.el,
          h('div', { class: 'muted small' }, 'Tap a tag to pick it, tap again to drop it; the most used come first.',
            (vocab.iap || []).length ? ` IAP: ${IAP}.` : '')),
        h('label', { for: 'ann-newtag' }, 'New tag'), newTag),
      err, h('div', { class: 'row' }, submit, cancel)));
  el.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    say('');  // an earlier "Annotation added" would stand beside this submit's refusal
    const tags = tagSel.selected();
    const nt = newTag.value.trim();
    if (nt) tags.push(nt);
    if (!tIn.value.trim()) { err.textContent = 'Write when the annotation starts, e.g. 1:05 (m:ss), or drag over the timeline'; tIn.focus(); return; }
    // an annotation says something: a word or a tag (a bare moment is a Marker)
    if (!tags.length && !text.value.trim()) { err.textContent = `${EMPTY_ANNOTATION}.`; text.focus(); return; }
    // the times as the form shows them (tenths, as the table) stand for the exact times they
    // were filled in from: an unchanged field does not move the annotation by a few ms
    const exact = (input, v) => (v != null && input.value.trim() === fmt(v) ? v : input.value.trim());
    const create = { t: exact(tIn, filled.t), end: exact(endIn, filled.end) || null, player: playerSel.value || null, tags, text: text.value, new_tags: nt ? [nt] : [] };
    const changes = { t: create.t, tags, text: text.value, new_tags: create.new_tags };
    if (create.end) changes.end = create.end; else changes.point = true;
    if (create.player) changes.player = create.player; else changes.group = true;
    try { await onSave({ create, changes }); } catch (ex) { err.textContent = ex.message; }
  });
  const fmt = (v) => (v == null ? '' : fmtTime(v));  // as the table writes times (0:19.6)
  let filled = {};  // the exact times the form was last filled in with
  return {
    el,
    fill(a, editing = false) {
      original = a;
      filled = { t: a.t, end: a.end };
      err.textContent = '';
      tIn.value = fmt(a.t); endIn.value = fmt(a.end);
      if (editing) {
        playerSel.value = a.player || '';
        tagSel.set(a.tags);
        text.value = a.text || '';
      }
      title.textContent = editing ? `Edit annotation at ${fmtTime(a.t)}` : 'New annotation';
      submit.textContent = editing ? 'Save changes' : 'Add annotation';
      if (editing) { // the form's heading in view (what is being edited), and the text to change,
        // which has the focus, in view too: below a tall form's heading, it comes first
        el.scrollIntoView({ block: 'start' });
        text.focus({ preventScroll: true });
        const r = text.getBoundingClientRect();
        if (r.bottom > window.innerHeight || r.top < 0) text.scrollIntoView({ block: 'center' });
      } else tIn.focus();
    },
    reset() {
      el.reset(); tagSel.clear(); original = null; filled = {}; err.textContent = '';
      title.textContent = 'New annotation'; submit.textContent = 'Add annotation';
    },
  };
}

// The plain summary (improv.reports.summary_text.summary_groups) as a list of its labelled
// parts: "Session", one per pair ("Client & therapist", the label with a capital as the others),
// "Tempo and pulse", "Dynamics", "Your annotations"; a number keeps its unit on its line ("62 %",
// "96 BPM", "21 ms"). A part shows its first `brief` sentences; its details (a pair's: alone, turn
// lengths, timing; a tempo's beat level) are behind "More", on a line of their own led by "In
// detail:" (as in the terminal and the reports). So are the parts below a third of the window
// (at least one part is shown); "More" names them ("More: In detail, Dynamics, …"); opened, it
// stays open when the summary is said again.
function showSummary(box, groups) {
  const said = (xs) => xs.map((x) => [h('span', {}, x.text.replace(/(\d) (%|BPM|ms|s\b|dB)/g, '$1\u00a0$2')), ' ']);
  const details = [];
  const parts = groups.map((g) => {
    const n = g.brief ?? g.sentences.length;
    const extra = n < g.sentences.length ? h('div', { class: 'summary-detail' }, h('span', { class: 'muted' }, 'In detail: '), said(g.sentences.slice(n))) : null;
    if (extra) details.push(extra);
    return [h('dt', {}, g.label.charAt(0).toUpperCase() + g.label.slice(1)), h('dd', {}, said(g.sentences.slice(0, n)), extra)];
  });
  const list = h('dl', { class: 'summary-list' }, parts);
  box.replaceChildren(list);
  details.forEach((el) => { el.hidden = true; });
  const room = window.innerHeight / 3;
  const top = list.getBoundingClientRect().top;
  let shown = parts.length;
  if (list.getBoundingClientRect().height > room) {
    const line = parseFloat(getComputedStyle(list).lineHeight) || 24; // the line "More" takes
    shown = 1;
    while (shown < parts.length && parts[shown][1].getBoundingClientRect().bottom - top <= room - line) shown += 1;
  }
  const rest = parts.slice(shown);
  if (!rest.length && !details.length) return;
  const names = `More: ${[...(details.length ? ['In detail'] : []), ...rest.map(([dt]) => dt.textContent)].join(', ')}`;
  const more = h('button', { type: 'button', class: 'link summary-more', 'aria-controls': 'summary', onclick: () => fold(box.dataset.open !== '1') }, names);
  function fold(open) {
    box.dataset.open = open ? '1' : '';
    rest.forEach(([dt, dd]) => { dt.hidden = !open; dd.hidden = !open; });
    details.forEach((el) => { el.hidden = !open; });
    more.textContent = open ? 'Less' : names;
    more.setAttribute('aria-expanded', String(open));
  }
  box.append(more);
  fold(box.dataset.open === '1');
}

// The session's inputs as the report's "Players and inputs" names them
// (improv.reports.report._inputs): MIDI by player and kind, numbered among the MIDI inputs where
// there are several ("therapist's MIDI file 2"); a recording by kind, numbered among the
// recordings ("audio file 2", "microphone"). Never by a file or device name: an imported file
// is often named after a person, and this page is shown in supervision.
function inputNames(s) {
  const imported = s.source === 'imported';
  const numbered = (kind, i, n) => (n > 1 ? `${kind} ${i + 1}` : kind);
  return {
    midi: s.midi_inputs.map((k, i) => `${k.player}'s ${numbered(imported ? 'MIDI file' : 'MIDI input', i, s.midi_inputs.length)}`),
    audio: s.audio.map((a, i) => numbered(imported ? 'audio file' : 'microphone', i, s.audio.length)),
  };
}

// an annotation about no one player: "both players" in a duet, "all players" in a group
function everyone(s) { return s.players.length === 2 ? 'both players' : 'all players'; }
