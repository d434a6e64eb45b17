// The session timeline: one time axis, lanes drawn on canvases, a cursor and a selection.
import { api, fmtTime, h, markOfColor, PLAYER_MARKS, playerColor, playerMark, sourceName } from './api.js';

const LABEL_W = 150;
const DPR = () => window.devicePixelRatio || 1;

export class Timeline {
  constructor(root, { duration, players, onSeek, onSelect }) {
    this.root = root;
    this.duration = Math.max(duration, 0.001);
    this.players = players;
    this.onSeek = onSeek;
    this.onSelect = onSelect;
    this.view = [0, this.duration];
    this.cursor = 0;
    this.selection = null;
    this.lanes = [];
    this.peakCache = new Map();
    this.frame = 0;
    this.build();
  }

  build() {
    this.axis = h('canvas', { class: 'axis', 'aria-hidden': 'true' });
    this.lanesBox = h('div', { class: 'lanes' });
    this.cursorEl = h('div', { class: 'cursor', 'aria-hidden': 'true' });
    this.selEl = h('div', { class: 'selection', 'aria-hidden': 'true', hidden: true });
    this.overlay = h('div', { class: 'overlay' }, this.selEl, this.cursorEl);
    this.scroll = h('input', { type: 'range', min: '0', max: '1000', value: '0', class: 'scroll',
      'aria-label': 'Scroll the timeline', oninput: () => this.scrollTo(+this.scroll.value / 1000) });
    this.root.append(h('div', { class: 'axis-row' }, h('div', { class: 'lane-label' }, ''), this.axis),
      h('div', { class: 'lanes-wrap' }, this.lanesBox, this.overlay), this.scroll);
    let down = null;
    this.overlay.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      const t = this.timeAt(e.clientX);
      if (t == null) return;
      down = { x: e.clientX, t };
      this.overlay.setPointerCapture(e.pointerId);
    });
    this.overlay.addEventListener('pointermove', (e) => {
      if (!down) return;
      if (Math.abs(e.clientX - down.x) > 4) {
        const t = this.timeAt(e.clientX, true);
        this.setSelection([Math.min(down.t, t), Math.max(down.t, t)]);
      }
    });
    this.overlay.addEventListener('pointerup', (e) => {
      if (!down) return;
      const t = this.timeAt(e.clientX, true);
      if (Math.abs(e.clientX - down.x) > 4) {
        const sel = [Math.min(down.t, t), Math.max(down.t, t)];
        this.setSelection(sel);
        this.onSelect && this.onSelect(sel);
      } else {
        this.setSelection(null);
        this.onSeek && this.onSeek(down.t);
      }
      down = null;
    });
    this.overlay.addEventListener('wheel', (e) => {
      if (e.ctrlKey || e.metaKey) { e.preventDefault(); this.zoom(e.deltaY > 0 ? 2 : 0.5, this.timeAt(e.clientX, true)); }
      else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
        e.preventDefault();
        const span = this.view[1] - this.view[0];
        this.setView(this.view[0] + span * 0.1 * Math.sign(e.deltaX || e.deltaY));
      }
    }, { passive: false });
    new ResizeObserver(() => this.draw()).observe(this.lanesBox);
  }

  addLane({ label, height = 60, draw, cls = '' }) {
    const canvas = h('canvas', { 'aria-hidden': 'true' });
    const row = h('div', { class: `lane ${cls}` }, h('div', { class: 'lane-label' }, label), canvas);
    // at least the drawing's height; taller where the label needs more lines (it was cut)
    row.style.minHeight = `${height}px`;
    this.lanesBox.append(row);
    const lane = { canvas, draw, height, row };
    this.lanes.push(lane);
    return lane;
  }

  get width() { return Math.max(50, this.lanesBox.clientWidth - LABEL_W); }

  x(t) { return ((t - this.view[0]) / (this.view[1] - this.view[0])) * this.width; }

  timeAt(clientX, clamp = false) {
    const rect = this.lanesBox.getBoundingClientRect();
    const px = clientX - rect.left - LABEL_W;
    if (px < 0 && !clamp) return null;
    const t = this.view[0] + (Math.max(0, px) / this.width) * (this.view[1] - this.view[0]);
    return Math.min(this.duration, Math.max(0, t));
  }

  setView(start, span = this.view[1] - this.view[0]) {
    span = Math.min(this.duration, Math.max(0.5, span));
    start = Math.min(this.duration - span, Math.max(0, start));
    this.view = [start, start + span];
    const free = this.duration - span;
    this.scroll.value = free > 0 ? String(Math.round((start / free) * 1000)) : '0';
    this.scroll.disabled = free <= 0;
    this.draw();
  }

  scrollTo(frac) {
    const span = this.view[1] - this.view[0];
    this.setView(frac * (this.duration - span), span);
  }

  zoom(factor, around = this.cursor) {
    const span = this.view[1] - this.view[0];
    const ns = Math.min(this.duration, Math.max(0.5, span * factor));
    const rel = span > 0 ? (around - this.view[0]) / span : 0.5;
    this.setView(around - rel * ns, ns);
  }

  fit() { this.setView(0, this.duration); }

  setCursor(t, follow = true) {
    this.cursor = t;
    const span = this.view[1] - this.view[0];
    if (follow && (t < this.view[0] || t > this.view[1])) this.setView(t - span * 0.1, span);
    this.placeOverlay();
  }

  setSelection(sel) { this.selection = sel; this.placeOverlay(); }

  placeOverlay() {
    const cx = this.x(this.cursor);
    this.cursorEl.style.transform = `translateX(${LABEL_W + cx}px)`;
    this.cursorEl.hidden = cx < 0 || cx > this.width;
    if (this.selection) {
      const a = Math.max(0, this.x(this.selection[0])), b = Math.min(this.width, this.x(this.selection[1]));
      this.selEl.hidden = b <= a;
      this.selEl.style.left = `${LABEL_W + a}px`;
      this.selEl.style.width = `${b - a}px`;
    } else this.selEl.hidden = true;
  }

  prepare(canvas, height) {
    const w = this.width, dpr = DPR();
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(w * dpr); canvas.height = Math.round(height * dpr);
      canvas.style.width = `${w}px`; canvas.style.height = `${height}px`;
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, height);
    return ctx;
  }

  draw() {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.drawNow());
  }

  drawNow() {
    this.drawAxis();
    for (const lane of this.lanes) {
      const ctx = this.prepare(lane.canvas, lane.height);
      lane.draw(ctx, this.width, lane.height);
    }
    this.placeOverlay();
  }

  drawAxis() {
    const ctx = this.prepare(this.axis, 22);
    const span = this.view[1] - this.view[0];
    const steps = [0.1, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
    const step = steps.find((s) => (s / span) * this.width >= 80) || 3600;
    ctx.fillStyle = '#333'; ctx.strokeStyle = '#767676'; ctx.font = '12px system-ui, sans-serif';
    const drawn = [];
    for (let t = Math.ceil(this.view[0] / step) * step; t <= this.view[1] + 1e-9; t += step) {
      const x = this.x(t);
      ctx.beginPath(); ctx.moveTo(x + 0.5, 14); ctx.lineTo(x + 0.5, 22); ctx.stroke();
      // a label is written after its tick, or before it where it would run past the ruler's
      // end (the last one was cut to "1:4")
      const text = fmtTime(t, step < 1 ? 1 : 0), tw = ctx.measureText(text).width;
      const x0 = x + 3 + tw > this.width ? x - 3 - tw : x + 3;
      ctx.fillText(text, x0, 12);
      drawn.push({ text, x0, x1: x0 + tw });
    }
    this.axis.dataset.labels = JSON.stringify(drawn);  // for the browser tests
  }
}

// -- lane painters --------------------------------------------------------------------

// a player's mark (api.js PLAYER_MARKS) centred at (x, y), in its colour, on a white disc so
// that it reads over a line or a bar
function drawMark(ctx, mark, x, y, color, size = 10) {
  if (!mark) return;
  ctx.save();
  ctx.font = `${size}px system-ui, sans-serif`;
  ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
  ctx.fillStyle = 'rgba(255,255,255,0.9)';
  ctx.beginPath(); ctx.arc(x, y, size * 0.6, 0, 2 * Math.PI); ctx.fill();
  ctx.fillStyle = color; ctx.fillText(mark, x, y + 0.5);
  ctx.restore();
}
const MARK_EVERY = 120; // px between two marks on a curve

// A player's analysed input as the reports name it (improv.reports.labels.input_name): MIDI,
// audio, or "audio 2" for the second of a player's several audio inputs ("audio:<name>"), never
// by its own name: an imported file's name may be a person's (review 29 finding 5).
export function inputName(src, sources = []) {
  if (!src.startsWith('audio:')) return sourceName(src);
  const audio = sources.filter((x) => x.startsWith('audio:'));
  return audio.includes(src) ? `audio ${audio.indexOf(src) + 1}` : 'audio';
}

// A recording on the session page, by kind and number as the report's "Players and inputs"
// names it (improv.reports.report._inputs): "audio file 2", "microphone"; its `label`, given
// by the page (the input's own name is a file's, maybe a person's), else its kind alone.
function recordingName(input) { return input.label || 'recording'; }

export async function waveformLane(tl, session, input, meta) {
  if (!meta) meta = await api(`/api/sessions/${session.id}/peaks/${encodeURIComponent(input.name)}`);
  if (meta.error) { // a recording that cannot be read: said in its lane, the rest of the page stands
    const who = Object.keys(input.players || {}).join(' & ');  // "room · audio file", as a readable lane
    return [tl.addLane({ label: `${who ? `${who} · ` : ''}${recordingName(input)} · cannot be read: ${meta.error}`, height: 28, cls: 'wave unreadable', draw: () => {} })];
  }
  const levels = meta.levels;
  const chanPlayer = {};
  for (const [p, chans] of Object.entries(input.players || {})) for (const c of chans) chanPlayer[c - 1] = p;
  const get = async (b) => {
    const key = `${input.name}/${b}`;
    if (!tl.peakCache.has(key)) {
      const buf = await api(`/api/sessions/${session.id}/peaks/${encodeURIComponent(input.name)}/${b}`);
      tl.peakCache.set(key, new Int8Array(buf));
    }
    return tl.peakCache.get(key);
  };
  const pick = (w) => {
    const framesPerPx = ((tl.view[1] - tl.view[0]) * meta.sr) / w;
    let best = levels[0];
    for (const l of levels) if (l.bucket_frames <= framesPerPx) best = l;
    return best;
  };
  const lanes = [];
  for (let ch = 0; ch < meta.channels; ch++) {
    const who = chanPlayer[ch];
    const color = who ? playerColor(session.players, who) : '#444';
    lanes.push(tl.addLane({
      // "therapist · audio file", its channel where it has several
      label: `${who ? `${who} · ` : ''}${recordingName(input)}${meta.channels > 1 ? `, channel ${ch + 1}` : ''}`, height: 56, cls: 'wave',
      draw: (ctx, w, hgt) => {
        const lvl = pick(w);
        const data = tl.peakCache.get(`${input.name}/${lvl.bucket_frames}`);
        // a block that fails to load (the session deleted meanwhile) is simply not drawn
        if (!data) { get(lvl.bucket_frames).then(() => tl.draw(), () => {}); return; }
        const C = meta.channels, B = lvl.bucket_frames, n = lvl.buckets, mid = hgt / 2, sc = (hgt / 2 - 2) / 127;
        const spanF = (tl.view[1] - tl.view[0]) * meta.sr;
        ctx.fillStyle = color;
        ctx.fillRect(0, mid, w, 1);
        for (let x = 0; x < w; x++) {
          const f0 = (tl.view[0] - meta.t0) * meta.sr + (x / w) * spanF;
          const f1 = f0 + spanF / w;
          let i0 = Math.max(0, Math.floor(f0 / B)), i1 = Math.min(n, Math.max(i0 + 1, Math.ceil(f1 / B)));
          if (i0 >= n || f1 < 0) continue;
          let lo = 127, hi = -128;
          for (let i = i0; i < i1; i++) {
            const k = (i * C + ch) * 2;
            if (data[k] < lo) lo = data[k];
            if (data[k + 1] > hi) hi = data[k + 1];
          }
          ctx.fillRect(x, mid - hi * sc, 1, Math.max(1, (hi - lo) * sc));
        }
      },
    }));
  }
  await get(pick(tl.width).bucket_frames);
  return lanes;
}

export function pianoRollLane(tl, session, player, notes) {
  const color = playerColor(session.players, player);
  let lo = 127, hi = 0;
  for (const p of notes.pitch) { if (p < lo) lo = p; if (p > hi) hi = p; }
  if (lo > hi) { lo = 48; hi = 72; }
  lo -= 1; hi += 1;
  let maxDur = 0;
  for (let i = 0; i < notes.start.length; i++) maxDur = Math.max(maxDur, notes.end[i] - notes.start[i]);
  return tl.addLane({
    label: `${player} · MIDI (${notes.start.length} notes)`, height: 90, cls: 'roll',
    draw: (ctx, w, hgt) => {
      const rowH = hgt / (hi - lo + 1);
      ctx.fillStyle = '#f3f3f3';
      for (let p = lo; p <= hi; p++) if ([1, 3, 6, 8, 10].includes(p % 12)) ctx.fillRect(0, hgt - (p - lo + 1) * rowH, w, rowH);
      ctx.fillStyle = color;
      const st = notes.start, en = notes.end, pi = notes.pitch, ve = notes.velocity;
      // first note that may reach into the view (notes are sorted by start)
      let a = 0, b = st.length;
      const from = tl.view[0] - maxDur;
      while (a < b) { const m = (a + b) >> 1; if (st[m] < from) a = m + 1; else b = m; }
      // one path per velocity step (8 opacities): few fills instead of one per note
      const paths = Array.from({ length: 8 }, () => new Path2D());
      const k = tl.width / (tl.view[1] - tl.view[0]), v0 = tl.view[0], nh = Math.max(1.5, rowH - 0.5);
      for (let i = a; i < st.length && st[i] <= tl.view[1]; i++) {
        if (en[i] < v0) continue;
        const x0 = (st[i] - v0) * k;
        paths[ve[i] >> 4].rect(x0, hgt - (pi[i] - lo + 1) * rowH, Math.max(1, (en[i] - v0) * k - x0), nh);
      }
      paths.forEach((path, j) => { ctx.globalAlpha = 0.35 + 0.65 * ((j * 16 + 8) / 127); ctx.fill(path); });
      ctx.globalAlpha = 1;
    },
  });
}

// The range a curve is drawn in: its own [min, max] unless fixed (null: no value to draw);
// `min` alone (a rate from 0) fixes the floor only.
// A nearly constant curve (a steady 120 BPM) is drawn in a range of at least 10 % of its size,
// so that a wobble of 0.1 % does not fill the lane as if it were a plunge.
function seriesRange(s) {
  const vals = s.values.filter((v) => v != null && isFinite(v));
  if (!vals.length) return null;
  let lo = s.min ?? Math.min(...vals), hi = s.max ?? Math.max(...vals);
  const least = Math.max(0.1 * Math.max(Math.abs(lo), Math.abs(hi)), 1e-9);
  if (hi - lo < least && s.min == null && s.max == null) {
    const mid = (lo + hi) / 2;
    lo = mid - least / 2; hi = mid + least / 2;
  } else if (hi - lo < 1e-9) {
    if (s.min != null) hi = lo + 1; else { lo -= 1; hi += 1; }
  }
  return [lo, hi];
}

// A curve's unit, which decides its band in the lane (a share: per cent)
function unitOf(s, unit) { return s.share ? '%' : (s.unit || unit || s.feature || ''); }

// Curves of one unit (two players' tempo) share one range, the union of theirs, so that their
// heights compare: 100 BPM is as high in both.
function sharedRanges(series, ranges, unit) {
  const byUnit = new Map();
  series.forEach((s, k) => {
    if (!ranges[k]) return;
    const u = unitOf(s, unit);
    if (!byUnit.has(u)) byUnit.set(u, []);
    byUnit.get(u).push(k);
  });
  for (const ks of byUnit.values()) {
    const lo = Math.min(...ks.map((k) => ranges[k][0])), hi = Math.max(...ks.map((k) => ranges[k][1]));
    for (const k of ks) ranges[k] = [lo, hi];
  }
  return ranges;
}

// Where each band of a lane is, in words: "tempo above, pulse clarity below"; with more
// bands, "top to bottom: velocity, level, …". A band is named by its curves' measure (the
// label after its player and input, "client (MIDI) · Tempo"; `measure` where given).
function measureOf(s) { return s.measure || s.label.split(' · ').pop().replace(/ \(dashed\)$/, ''); }
function bandWords(names) {
  const low = names.map((n, i) => (i ? n.charAt(0).toLowerCase() + n.slice(1) : n));
  if (low.length === 2) return `${low[0]} above, ${low[1]} below`;
  return `top to bottom: ${low.join(', ')}`;
}

// A lane of curves: series = [{label, color, times, values, dashed, feature, unit, min, max}];
// null values are gaps. Curves of one unit share one scale; curves of different units (a
// piano's velocity and a microphone's dBFS, notes/s and onsets/s) are never drawn over each
// other on scales of their own, where the lower looked silent beside the other: each unit has
// a band of its own, one under the other, in the order the labels list them, and the lane's
// title says so. The curves' labels, each with its scale and unit, stand in a band of their
// own above the curves (LABEL_ROW px a label), so that no label covers the start of a curve
// (a therapist's review: the first seconds of the tempo and dynamics were hidden); `height`
// is the curves' own height (BAND_H a band where there are several).
const LABEL_ROW = 12;
const PLAYER_MARK_OFFSET = 40; // px: the players' marks do not fall on one another
const BAND_H = 48, BAND_GAP = 8;
export function curveLane(tl, label, series, { height = 80, unit = '', note = '' } = {}) {
  const ranges = sharedRanges(series, series.map(seriesRange), unit);  // once, not every frame
  const units = [...new Set(series.filter((s, k) => ranges[k]).map((s) => unitOf(s, unit)))];
  const bandOf = series.map((s, k) => (ranges[k] ? units.indexOf(unitOf(s, unit)) : -1));
  const order = series.map((s, k) => k).filter((k) => ranges[k]).sort((a, b) => bandOf[a] - bandOf[b] || a - b);
  const labels = LABEL_ROW * order.length + 2;
  const bandH = units.length > 1 ? BAND_H : height;
  const curvesH = units.length * bandH + Math.max(0, units.length - 1) * BAND_GAP;
  // each band named by the measures drawn in it, in the order of the bands
  const bandNames = units.map((u, b) => [...new Set(order.filter((k) => bandOf[k] === b).map((k) => measureOf(series[k])))].join(' and '));
  const where = units.length > 1 ? bandWords(bandNames) : '';
  // `note`: what the lane cannot show, in words (an input that heard nothing)
  const notes = [where, note].filter(Boolean);
  const title = notes.length ? h('span', {}, label, ...notes.map((n) => h('span', { class: 'lane-note' }, n))) : label;
  const lane = tl.addLane({
    label: title, height: curvesH + labels + 6, cls: 'curve',
    draw: (ctx, w) => {
      ctx.font = '11px system-ui, sans-serif';
      const marks = [];
      const top = (b) => labels + 2 + b * (bandH + BAND_GAP);
      // the bands' floors, and the line between two bands
      ctx.strokeStyle = '#e2e4e8'; ctx.lineWidth = 1;
      if (units.length > 1) {
        units.forEach((u, b) => { ctx.beginPath(); ctx.moveTo(0, top(b) + bandH + 0.5); ctx.lineTo(w, top(b) + bandH + 0.5); ctx.stroke(); });
      }
      order.forEach((k) => {
        const s = series[k];
        const [lo, hi] = ranges[k];
        const t0 = top(bandOf[k]);
        const y = (v) => t0 + bandH - 2 - ((v - lo) / (hi - lo)) * (bandH - 6);
        ctx.strokeStyle = s.color; ctx.lineWidth = 1.5; ctx.setLineDash(s.dashed ? [4, 3] : []);
        ctx.beginPath();
        let pen = false;
        for (let i = 0; i < s.times.length; i++) {
          const v = s.values[i];
          if (v == null || !isFinite(v)) { pen = false; continue; }
          const x = tl.x(s.times[i]);
          if (pen) ctx.lineTo(x, y(v)); else ctx.moveTo(x, y(v));
          pen = true;
        }
        ctx.stroke();
        ctx.setLineDash([]);
        // the player's mark along its line, every MARK_EVERY px (each player's offset), so the
        // players' curves differ by more than their colour
        const mark = markOfColor(s.color);
        if (mark) {
          const off = (PLAYER_MARK_OFFSET * Math.max(0, PLAYER_MARKS.indexOf(mark))) % MARK_EVERY;
          let next = off;
          for (let i = 0; i < s.times.length; i++) {
            const v = s.values[i];
            if (v == null || !isFinite(v)) continue;
            const x = tl.x(s.times[i]);
            if (x < next) continue;
            if (x > w) break;
            drawMark(ctx, mark, x, y(v), s.color, 9);
            marks.push([k, Math.round(x), Math.round(y(v))]);
            next = x + MARK_EVERY;
          }
        }
      });
      lane.row.dataset.marks = JSON.stringify(marks); // for the browser tests
      // the labels after every curve, on their light boxes, in the band above the curves
      let ly = LABEL_ROW;
      order.forEach((k) => {
        const s = series[k];
        const mark = markOfColor(s.color);
        const text = `${mark ? `${mark} ` : ''}${s.label} (${rangeText(s, ranges[k][0], ranges[k][1], unit)})`;
        ctx.fillStyle = 'rgba(255,255,255,0.85)';
        ctx.fillRect(2, ly - 10, ctx.measureText(text).width + 4, 12);
        ctx.fillStyle = s.color;
        ctx.fillText(text, 4, ly);
        ly += LABEL_ROW;
      });
    },
  });
  lane.row.title = [...order, ...series.map((s, k) => k).filter((k) => !ranges[k])].map((k) => {
    const s = series[k], range = ranges[k];
    return `${s.label}: ${range ? rangeText(s, range[0], range[1], unit) : 'no value'}`;
  }).join('\n') + (units.length > 1 ? `\n${where}, each on a scale of its own` : '');
  // for the browser tests: each curve's band, scale and first and last drawn time
  lane.row.dataset.curves = JSON.stringify(order.map((k) => {
    const s = series[k];
    const drawn = s.times.filter((t, i) => s.values[i] != null && isFinite(s.values[i]));
    return { label: s.label, band: bandOf[k], lo: ranges[k][0], hi: ranges[k][1], first: drawn[0] ?? null, last: drawn[drawn.length - 1] ?? null };
  }));
  return lane;
}

// A curve's range said as the scale it is drawn on ("scale 81.4–129 BPM"), shared by the
// players' curves of one measure: neither a value of the playing ("Tempo 81.4–129 BPM" read
// as a tempo) nor one player's own range ("between …", a therapist's review); a share in per
// cent; a unit that is itself a scale ("0-127", "0-1") is not repeated after the numbers
const SCALE_UNITS = new Set(['0-127', '0-1', '-1..1', '0/1']);
function rangeText(s, lo, hi, unit) {
  if (s.share) return `scale ${Math.round(lo * 100)}–${Math.round(hi * 100)} %`;
  const u = (s.unit || unit || '').trim(); // a curve's own unit, else the lane's
  // a negative scale reads "−35.3 to −26.7 dBFS", not "-35.3–-26.7"
  const between = lo < 0 || hi < 0 ? ' to ' : '–';
  return `scale ${fmtNum(lo)}${between}${fmtNum(hi)}${u && !SCALE_UNITS.has(u) ? ` ${u}` : ''}`;
}

// a number as the scale writes it, with a true minus sign
function fmtNum(v) {
  const text = Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
  return text.replace(/^-/, '\u2212');
}

// Each annotation is labelled by what the therapist wrote, or by its tags when it has no text
// (a bare marker); the full text and tags are in the table below the timeline. Labels go in
// two rows, each to the row whose last label ends first, and a label is cut short (with "…")
// where the next one in its row begins, so that labels never overlap; one with no room for a
// few letters is left out (hovering the table below shows it). `tagWords`: the tags in the
// therapist's words ("partner" for autonomy:partner); codes by default.
const ANN_ROWS = 2;
const ANN_GAP = 6; // px between a label and the next one in its row
const ANN_MIN_TEXT = 24; // px: narrower than this, a label is not drawn

export function annotationLane(tl, session, getAnnotations, { tagWords = (tags) => tags.join(' ') } = {}) {
  const lane = tl.addLane({
    label: 'Annotations', height: 48, cls: 'ann',
    draw: (ctx, w, hgt) => {
      ctx.font = '11px system-ui, sans-serif';
      // x1: where a range's box ends (null for a point)
      const items = getAnnotations().map((a) => {
        const words = suggestedRole(a) || (a.text || '').trim() || tagWords(a.tags);
        return { a, x0: tl.x(a.t), x1: a.end != null ? tl.x(a.end) : null,
                 text: words.length > 40 ? `${words.slice(0, 39)}…` : words };
      }).sort((p, q) => p.x0 - q.x0);
      // rows: the label (or range box) that ends last in each, and what it may still take
      const last = Array(ANN_ROWS).fill(null);
      for (const it of items) {
        const ends = last.map((p) => (p ? Math.max(p.x0 + 4 + p.room, p.x1 ?? -Infinity) : -Infinity));
        const row = ends.indexOf(Math.min(...ends));
        const prev = last[row];
        // the previous label in this row stops where this one begins
        if (prev && prev.x0 + 4 + prev.room > it.x0 - ANN_GAP) prev.room = Math.max(0, it.x0 - ANN_GAP - prev.x0 - 4);
        it.row = row;
        it.room = ctx.measureText(it.text).width;
        last[row] = it;
      }
      const drawn = [];
      for (const it of items) {
        const { a, x0, x1 } = it;
        const color = a.player ? playerColor(session.players, a.player) : '#333';
        const top = it.row * 20 + 4;
        // a suggestion not yet confirmed (a role the analysis suggests): paler, dashed; the
        // rule of sessions.annotation_log.unconfirmed_suggestion (a therapist's own tag
        // 'suggestion' is theirs)
        const suggested = x1 != null && a.source === 'suggestion' && a.tags.includes('suggestion');
        if (x1 != null) {
          if (x1 < 0 || x0 > w) continue;
          ctx.globalAlpha = suggested ? 0.1 : 0.22; ctx.fillStyle = color; ctx.fillRect(x0, top, Math.max(2, x1 - x0), 18);
          ctx.globalAlpha = 1; ctx.strokeStyle = color; ctx.setLineDash(suggested ? [4, 3] : []);
          ctx.strokeRect(x0 + 0.5, top + 0.5, Math.max(2, x1 - x0), 17);
          ctx.setLineDash([]);
        } else {
          if (x0 < -50 || x0 > w) continue;
          ctx.fillStyle = color; ctx.fillRect(x0 - 1, 0, 2, hgt);
        }
        // whose it is, by more than the colour: the player's mark at its foot
        if (a.player) drawMark(ctx, playerMark(session.players, a.player), Math.max(5, x0), hgt - 4, color, 8);
        const text = fitText(ctx, it.text, it.room);
        if (!text) continue;
        ctx.fillStyle = '#111';
        ctx.fillText(text, x0 + 4, top + 13);
        drawn.push({ text, x: x0 + 4, row: it.row, width: ctx.measureText(text).width,
          dashed: suggested });
      }
      // for the browser tests: what was written, and where
      lane.row.dataset.labels = JSON.stringify(drawn.map((d) => d.text));
      lane.row.dataset.boxes = JSON.stringify(drawn);
    },
  });
  return lane;
}

// A role the analysis suggested, in the analysis's own words (now "partner · client
// (suggested: a clear indication from the playing)", before "… (suggested from the playing,
// 99 % sure)" and "suggested role: partner (confidence 0.99, dialogue client|therapist)":
// improv.analyze.roles), labelled by its role and player
// ("partner · client"): the dashed box says it is a suggestion, and the older wording was cut
// to "sug…". A text the therapist wrote or confirmed is their label; '' for any other.
const ROLE_TAG = /^(?:autonomy:)?(dependent|follower|partner|leader|resister|solo|silence)$/;
function suggestedRole(a) {
  if (a.source !== 'suggestion') return '';
  const text = (a.text || '').trim();
  if (!/^suggested role: |\(suggested from the playing[^)]*% sure\)$|\(suggested: (a clear|some|a weak) indication from the playing[^)]*\)$/.test(text)) return '';
  const role = a.tags.map((t) => ROLE_TAG.exec(t)).find(Boolean);
  return role ? `${role[1]}${a.player ? ` · ${a.player}` : ''}` : '';
}

// `text` cut to `room` px with an ellipsis; '' where not even a few letters fit
function fitText(ctx, text, room) {
  if (ctx.measureText(text).width <= room) return text;
  if (room < ANN_MIN_TEXT) return '';
  let n = text.length;
  while (n > 1 && ctx.measureText(`${text.slice(0, n).trimEnd()}…`).width > room) n--;
  return `${text.slice(0, n).trimEnd()}…`;
}

// Stretches an input did not record (a device lost meanwhile): hatched red bars.
// Imitation episodes (analysis.dialogue.imitation): a bar where the imitator played the pattern,
// and a thin line back to where the model had played it (the lag), in the imitator's colour.
export function imitationLane(tl, episodes, players) {
  const lane = tl.addLane({
    label: 'Imitation', height: 26, cls: 'imitation',
    draw: (ctx, w, hgt) => {
      ctx.font = '11px system-ui, sans-serif';
      const drawn = [];
      for (const e of episodes) {
        const xm = tl.x(e.source_t), x0 = tl.x(e.t), x1 = tl.x(e.end);
        if (x1 < 0 || xm > w) continue;
        const color = playerColor(players, e.imitator);
        ctx.strokeStyle = color; ctx.lineWidth = 1;
        ctx.beginPath(); ctx.moveTo(xm, hgt / 2); ctx.lineTo(x0, hgt / 2); ctx.stroke();
        ctx.fillStyle = color; ctx.fillRect(xm - 1, hgt / 2 - 4, 2, 8);
        // a light tint of the imitator's colour, outlined in the full colour (3:1 on white),
        // under dark text (4.5:1 and more on every tint; white text on a 55 % tint was 2.5:1)
        const bw = Math.max(2, x1 - x0);
        ctx.globalAlpha = 0.3; ctx.fillRect(x0, 4, bw, hgt - 8); ctx.globalAlpha = 1;
        ctx.strokeRect(x0 + 0.5, 4.5, bw - 1, hgt - 9);
        const mark = playerMark(players, e.imitator);
        if (bw > 14) drawMark(ctx, mark, x0 + 8, hgt / 2, color, 9);
        const text = `${e.imitator} imitates ${e.model}`;
        if (bw > ctx.measureText(text).width + 20) {
          ctx.fillStyle = '#111'; ctx.fillText(text, x0 + 15, hgt - 9);
          drawn.push({ text, x: x0 + 15, width: ctx.measureText(text).width });
        }
      }
      lane.row.dataset.labels = JSON.stringify(drawn); // for the browser tests
    },
  });
  const pairs = {};
  for (const e of episodes) (pairs[`${e.imitator} imitates ${e.model}`] ||= []).push(e.lag_s);
  lane.row.title = Object.entries(pairs).map(([k, lags]) => {
    const mid = [...lags].sort((a, b) => a - b)[Math.floor((lags.length - 1) / 2)];
    return `${k}: ${lags.length} (median ${mid.toFixed(1)} s later)`;
  }).join('\n') + '\nonly episodes that chance would give less than one time in 200';
  return lane;
}

// Every gap is drawn; one label per cluster (groups: Session.not_recorded_groups), and only
// where it fits after the previous label, so that labels never overlap.
export function gapLane(tl, gaps, groups = gaps) {
  const lane = tl.addLane({
    label: 'Not recorded', height: 22, cls: 'gaps',
    draw: (ctx, w, hgt) => {
      ctx.font = '11px system-ui, sans-serif';
      ctx.fillStyle = 'rgba(163, 0, 27, 0.25)';
      for (const g of gaps) {
        const x0 = Math.max(0, tl.x(g.t)), x1 = Math.min(w, tl.x(g.end));
        if (x1 < 0 || x0 > w) continue;
        ctx.fillRect(x0, 2, Math.max(2, x1 - x0), hgt - 4);
      }
      ctx.fillStyle = '#a3001b';
      lane.labels = [];
      let free = -Infinity;
      for (const g of groups) {
        const x0 = Math.max(0, tl.x(g.t)) + 3;
        if (tl.x(g.end) < 0 || x0 > w || x0 < free) continue;
        // "Digital Piano (client) unplugged", "room (therapist): 26 dropouts" (sessions.gap_words)
        const text = g.label.slice(0, 40);
        const width = ctx.measureText(text).width;
        ctx.fillText(text, x0, hgt - 7);
        lane.labels.push([x0, x0 + width]);
        free = x0 + width + 8;
      }
      lane.row.dataset.labels = JSON.stringify(lane.labels); // for the browser tests
    },
  });
  return lane;
}

// Tracked beats (the analysis' `beats`: seconds from session start), a row of ticks per player
// from its first source with beats, MIDI first (as the tempo lane). The "Beats" box in the
// label shows them; off at first (an hour has thousands), the choice is remembered.
const BEATS_KEY = 'improv.showBeats';
export function beatLane(tl, players, order) {
  const rows = [];
  for (const [p, entry] of Object.entries(players)) {
    const srcs = Object.keys(entry.sources || {}).sort((a, b) => (b === 'midi') - (a === 'midi'));
    const src = srcs.find((k) => (entry.sources[k].beats || []).length);
    if (src) rows.push({ player: p, src, beats: entry.sources[src].beats });
  }
  if (!rows.length) return null;
  const box = h('input', { type: 'checkbox', checked: localStorage.getItem(BEATS_KEY) === '1',
    onchange: () => { localStorage.setItem(BEATS_KEY, box.checked ? '1' : '0'); tl.draw(); } });
  const rowH = 12;
  // each row named, top to bottom, with its player's mark (colour is not the only cue)
  const lane = tl.addLane({
    label: [h('label', {}, box, ' Beats'), h('span', { class: 'lane-note' }, `rows: ${rows.map((r) => `${playerMark(order, r.player)} ${r.player}`).join(', ')}`)],
    height: Math.max(24, rows.length * rowH + 8), cls: 'beats',
    draw: (ctx, w) => {
      let shown = 0;
      if (box.checked) {
        rows.forEach((r, k) => {
          ctx.fillStyle = playerColor(order, r.player);
          for (const t of r.beats) {
            const x = Math.round(tl.x(t));
            if (x < 0 || x > w) continue;
            ctx.fillRect(x - 1, 3 + k * rowH, 2, rowH - 2);
            shown += 1;
          }
        });
      }
      lane.row.dataset.ticks = String(shown);
    },
  });
  lane.row.title = rows.map((r) => `${r.player}: ${r.beats.length} beats (${inputName(r.src)})`).join('\n') +
    '\ntracked beats; zoom in to tell them apart';
  return lane;
}
