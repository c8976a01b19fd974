// A contact's, lead's or account's timeline: newest first, 10 a page, filtered, live.
import {
  api, announce, el, failed, fillForm, live, nextPage, pageParams, setState, showWorkspace,
  timeElement, who,
} from './console.js';

const main = document.getElementById('main');
const { subject, id } = main.dataset;
const path = `/v1/${subject}s/${encodeURIComponent(id)}/timeline`;
const list = document.getElementById('entries');
const older = document.getElementById('older');
const newer = document.getElementById('newer');
const pageNumber = document.getElementById('page-number');
const form = document.getElementById('filters');
const filters = pageParams();
fillForm(form, filters);
const params = {
  limit: 10,
  category: filters.category || [],
  q: filters.q?.[0],
  include_deleted: filters.include_deleted?.[0],
};

let zone = 'UTC';
const pages = [{ path, params }]; // how each page shown so far was asked for
let shownIndex = 0;
let next = null;

const SOURCES = {
  conversation: (s) => `/console/conversations/${encodeURIComponent(s.id)}/messages`,
  email: (s) => `/console/emails/${encodeURIComponent(s.id)}`,
  incoming_email: (s) => `/console/incoming-emails/${encodeURIComponent(s.id)}`,
};

function entry(e, fresh = false) {
  const link = SOURCES[e.source?.type];
  return el('li', { class: `entry${fresh ? ' new' : ''}`, dataset: { position: e.position, type: e.type } },
    el('div', { class: 'meta' },
      timeElement(e.occurred_at, zone),
      el('span', { class: `chip ${e.category}` }, e.category.replace('_', ' ')),
      el('span', { class: 'actor' }, who(e.actor))),
    el('p', { class: 'summary' }, e.summary),
    el('p', { class: 'source' },
      link ? el('a', { href: link(e.source) }, `Open ${e.source.type.replace('_', ' ')} ${e.source.id}`)
        : `${e.source?.type || ''} ${e.source?.id || ''}`,
      e.source?.type === 'conversation'
        ? [' · ', el('a', { href: `/console/conversations/${encodeURIComponent(e.source.id)}/trail` }, 'audit trail')]
        : null),
  );
}

let asked = 0; // the latest page asked for: an earlier answer arriving late is dropped

async function show(index) {
  const mine = ++asked;
  setState('state', 'Loading…');
  try {
    const page = await api(pages[index].path, pages[index].params);
    if (mine !== asked) return;
    shownIndex = index;
    next = nextPage(page, path, params);
    list.replaceChildren(...page.entries.map((e) => entry(e)));
    setState('state', page.entries.length ? '' : 'No entries match.');
    older.disabled = !next;
    newer.disabled = index === 0;
    pageNumber.textContent = `Page ${index + 1}`;
    announce(`Page ${index + 1}: ${page.entries.length} entries`);
  } catch (error) {
    failed('state', error);
  }
}

older.addEventListener('click', () => {
  pages.splice(shownIndex + 1, pages.length, next);
  show(shownIndex + 1);
});
newer.addEventListener('click', () => show(shownIndex - 1));

async function badge() {
  const body = { [`${subject}s`]: [id] };
  const counts = await api('/v1/timeline/badges', null, { body });
  const n = counts[`${subject}s`]?.[id] ?? 0;
  document.getElementById('badge').textContent = `${n} ${n === 1 ? 'Activity' : 'Activities'}`;
}

// Where a pushed entry goes on the first page: newest first, by time then position.
function place(e) {
  for (const node of list.children) {
    const time = node.querySelector('time').getAttribute('datetime');
    const later = new Date(e.occurred_at) - new Date(time);
    if (later > 0 || (later === 0 && e.position > Number(node.dataset.position))) return node;
  }
  return null;
}

let loaded = false;
const early = []; // pushed before the first page was read: placed once it is

function pushed(e) {
  if (!loaded) {
    early.push(e);
    return;
  }
  if (list.querySelector(`[data-position="${e.position}"]`)) return;
  badge().catch(() => {});
  if (shownIndex !== 0) {
    setState('state', 'New entries arrived: go to the first page to see them.');
    return;
  }
  const before = place(e);
  const node = entry(e, true);
  if (before) list.insertBefore(node, before);
  else if (!next) list.append(node); // older than everything shown, and nothing older exists
  else return;
  setState('state', '');
  announce(`New entry: ${e.summary}`);
}

// Subscribe first, then read: whatever is committed in between comes either way, once.
showWorkspace().then(async (ws) => {
  zone = ws.time_zone;
  live(`${path}/live`, { ...params, limit: undefined }, { entry: pushed });
  badge().catch((error) => failed('state', error));
  await show(0);
  loaded = true;
  early.splice(0).forEach(pushed);
}).catch((error) => failed('state', error));
