// Tags picked by touch: toggle chips grouped by vocabulary (plain tags, Bruscia's IAP
// profiles, the practice's own dimensions), the most used first in each group and the most
// used groups first within their kind; a group not used yet is folded to its title. Each
// chip is a button with aria-pressed, at least 44 px high (a fingertip), so no Ctrl/Shift
// multi-select is needed.
import { h } from './api.js';

export const IAP = "Bruscia's Improvisation Assessment Profiles";

// A dimension's title as the picker's groups say it: "IAP · autonomy" for one of Bruscia's
// profiles (`iap`: their names), "Practice · mood" for one of the practice's own.
export function dimensionTitle(dim, iap) {
  return `${new Set(iap || []).has(dim) ? 'IAP' : 'Practice'} · ${dim}`;
}

// Tags in the picker's words, not as codes ("autonomy:leader"): the plain tags first, then
// each dimension's values under its title, "marker, solo; IAP · autonomy: follower, leader".
export function tagsInWords(tags, iap) {
  const plain = [];
  const dims = new Map();
  for (const t of tags || []) {
    const i = t.indexOf(':');
    if (i < 0) { plain.push(t); continue; }
    const d = t.slice(0, i);
    if (!dims.has(d)) dims.set(d, []);
    dims.get(d).push(t.slice(i + 1));
  }
  const parts = [...dims].map(([d, vs]) => `${dimensionTitle(d, iap)}: ${vs.join(', ')}`);
  return [plain.join(', '), ...parts].filter(Boolean).join('; ');
}

// The options of a select of tags, grouped and titled as the picker is (Common tags, "IAP ·
// autonomy", "Practice · mood"), each value under its dimension ("leader"); the value sent is
// the tag itself.
export function tagOptions(tags, iap, selected) {
  const opt = (t) => h('option', { value: t, selected: t === selected }, t.includes(':') ? t.slice(t.indexOf(':') + 1) : t);
  const plain = tags.filter((t) => !t.includes(':'));
  const dims = [...new Set(tags.filter((t) => t.includes(':')).map((t) => t.slice(0, t.indexOf(':'))))];
  const isIap = new Set(iap || []);
  const group = (d) => h('optgroup', { label: dimensionTitle(d, iap) }, tags.filter((t) => t.startsWith(`${d}:`)).map(opt));
  return [plain.length ? h('optgroup', { label: 'Common tags' }, plain.map(opt)) : '',
    ...dims.filter((d) => isIap.has(d)).map(group), ...dims.filter((d) => !isIap.has(d)).map(group)];
}

export function tagChips(vocab) {
  const usage = vocab.usage || {};
  const iap = new Set(vocab.iap || []);
  const used = (t) => usage[t] || 0;
  const byUse = (tags) => tags.map((t, i) => [t, i]).sort((a, b) => used(b[0]) - used(a[0]) || a[1] - b[1]).map(([t]) => t);
  const total = (tags) => tags.reduce((n, t) => n + used(t), 0);
  const dims = Object.entries(vocab.dimensions).map(([d, vs]) => ({ name: d, tags: vs.map((v) => `${d}:${v}`) }));
  const order = (list) => list.sort((a, b) => total(b.tags) - total(a.tags));
  const groups = [
    { title: 'Common tags', tags: vocab.tags },
    ...order(dims.filter((d) => iap.has(d.name))).map((d) => ({ title: dimensionTitle(d.name, iap), tags: d.tags })),
    ...order(dims.filter((d) => !iap.has(d.name))).map((d) => ({ title: dimensionTitle(d.name, iap), tags: d.tags })),
  ];
  const chips = new Map();
  const chip = (tag) => {
    const value = tag.includes(':') ? tag.slice(tag.indexOf(':') + 1) : tag;
    const b = h('button', { type: 'button', class: 'chip', 'aria-pressed': 'false', 'data-tag': tag, 'aria-label': tag.replace(':', ': '),
      title: used(tag) ? `used ${used(tag)} time${used(tag) === 1 ? '' : 's'}` : 'not used yet',
      onclick: () => b.setAttribute('aria-pressed', b.getAttribute('aria-pressed') === 'true' ? 'false' : 'true') }, value);
    chips.set(tag, b);
    return b;
  };
  const other = h('div', { class: 'chips', role: 'group', 'aria-label': 'Other tags' });
  // each group folds: the plain tags and the groups in use are open, the others show their
  // title only, so every group is in sight without scrolling (six IAP profiles of five
  // values each would fill the screen)
  const el = h('div', { id: 'ann-tags', class: 'chip-groups' },
    groups.filter((g) => g.tags.length).map((g) => h('details', { class: 'chip-group', role: 'group', 'aria-label': g.title, open: g === groups[0] || total(g.tags) > 0 },
      h('summary', { class: 'chip-title' }, g.title.startsWith('IAP ') ? [h('abbr', { title: IAP }, 'IAP'), g.title.slice(3)] : g.title),
      h('div', { class: 'chips' }, byUse(g.tags).map(chip)))),
    other);
  return {
    el,
    selected: () => [...chips.values()].filter((b) => b.getAttribute('aria-pressed') === 'true').map((b) => b.dataset.tag),
    set(tags) {
      // a tag made after the page was loaded is not among the chips yet: add it, or saving
      // an edit would drop it
      for (const t of tags || []) if (!chips.has(t)) other.append(chip(t));
      for (const [t, b] of chips) {
        const on = (tags || []).includes(t);
        b.setAttribute('aria-pressed', on ? 'true' : 'false');
        const group = b.closest('details');
        if (on && group) group.open = true; // an annotation's tags are in sight when it is edited
      }
    },
    clear() { for (const b of chips.values()) b.setAttribute('aria-pressed', 'false'); },
  };
}
