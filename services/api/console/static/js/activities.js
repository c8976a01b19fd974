// The activity grid: the seed's columns, every filter, keyset pages, sort, CSV, live rows.
import {
  announce, api, csvLine, download, el, failed, fillForm, live, localMidnight, nextPage,
  pageParams, setState, showWorkspace, when,
} from './console.js';

const PATH = '/v1/activities';
const COLUMNS = [
  ['type', 'Type'], ['contact_name', 'Contact'], ['lead_name', 'Lead'], ['account_name', 'Account'],
  ['summary', 'Summary'], ['direction', 'Direction'], ['agent_name', 'Agent'], ['source', 'Source'],
  ['first_message', 'First message'], ['created_at', 'Created'],
];
const form = document.getElementById('filters');
const rows = document.getElementById('rows');
const previous = document.getElementById('previous');
const nextButton = document.getElementById('next');
const pageNumber = document.getElementById('page-number');
const sort = document.getElementById('sort');
const filters = pageParams();
fillForm(form, filters);
const order = filters.order?.[0] === 'oldest' ? 'oldest' : 'newest';
let zone = 'UTC';
let params = {};
let pages = [];
let shownIndex = 0;
let next = null;

function apiFilters(ws) {
  const one = (key) => filters[key]?.[0];
  return {
    type: filters.type || [], agent: (one('agent') || '').split(',').map((s) => s.trim()).filter(Boolean),
    source: filters.source || [], contact: one('contact'), lead: one('lead'),
    account: one('account'), summary: one('summary'), direction: one('direction'),
    from: one('from_day') ? localMidnight(one('from_day'), ws.time_zone) : undefined,
    to: one('to_day') ? new Date(new Date(localMidnight(nextDay(one('to_day')), ws.time_zone)) - 1).toISOString() : undefined,
  };
}

function nextDay(day) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

const badges = new Map(); // contact id -> count

function cell(row, key) {
  if (key === 'created_at') return el('td', {}, el('time', { datetime: row.created_at, title: `${row.created_at} (UTC)` }, when(row.created_at, zone)));
  if (key === 'contact_name' && row.contact_id) {
    const n = badges.get(row.contact_id);
    return el('td', {},
      el('a', { href: `/console/contacts/${encodeURIComponent(row.contact_id)}/timeline` }, row.contact_name || row.contact_id),
      n === undefined ? null : el('span', { class: 'count', dataset: { contact: row.contact_id } }, ` ${n} ${n === 1 ? 'Activity' : 'Activities'}`));
  }
  if (key === 'lead_name' && row.lead_id) return el('td', {}, el('a', { href: `/console/leads/${encodeURIComponent(row.lead_id)}/timeline` }, row.lead_name || row.lead_id));
  if (key === 'account_name' && row.account_id) return el('td', {}, el('a', { href: `/console/accounts/${encodeURIComponent(row.account_id)}/timeline` }, row.account_name || row.account_id));
  if (key === 'type') return el('td', {}, el('span', { class: `chip ${row.type}` }, row.type.replace('_', ' ')));
  if (key === 'agent_name') return el('td', {}, row.agent_name || row.agent_id || '');
  return el('td', {}, row[key] ?? '');
}

function tr(row, fresh = false) {
  return el('tr', { class: fresh ? 'new' : null, dataset: { activity: row.activity_id, created: row.created_at, position: row.position } },
    COLUMNS.map(([key]) => cell(row, key)));
}

async function loadBadges(list) {
  const ids = [...new Set(list.map((r) => r.contact_id).filter(Boolean))].filter((c) => !badges.has(c));
  if (!ids.length) return;
  const counts = await api('/v1/timeline/badges', null, { body: { contacts: ids } });
  for (const [contact, n] of Object.entries(counts.contacts || {})) badges.set(contact, n);
}

let asked = 0; // the latest page asked for: an earlier answer arriving late is dropped

async function show(index) {
  const mine = ++asked;
  setState('state', 'Loading…');
  try {
    const page = await api(pages[index].path, pages[index].params);
    if (mine !== asked) return;
    shownIndex = index;
    next = nextPage(page, PATH, params);
    await loadBadges(page.activities).catch(() => {});
    if (mine !== asked) return;
    rows.replaceChildren(...page.activities.map((r) => tr(r)));
    setState('state', page.activities.length ? '' : 'No activities match these filters.');
    nextButton.disabled = !next;
    previous.disabled = index === 0;
    pageNumber.textContent = `Page ${index + 1}`;
    announce(`Page ${index + 1}: ${page.activities.length} activities`);
  } catch (error) {
    failed('state', error);
  }
}

nextButton.addEventListener('click', () => {
  pages.splice(shownIndex + 1, pages.length, next);
  show(shownIndex + 1);
});
previous.addEventListener('click', () => show(shownIndex - 1));

const created = document.getElementById('created-col');
created.setAttribute('aria-sort', order === 'newest' ? 'descending' : 'ascending');
sort.querySelector('span').textContent = order === 'newest' ? '▼' : '▲';
sort.setAttribute('aria-label', `Created, ${order} first: sort ${order === 'newest' ? 'oldest' : 'newest'} first`);
sort.addEventListener('click', () => {
  const q = new URLSearchParams(location.search);
  q.set('order', order === 'newest' ? 'oldest' : 'newest');
  location.search = q.toString();
});

document.getElementById('export').addEventListener('click', async () => {
  const lines = [csvLine([...COLUMNS.map(([, label]) => label), 'Activity id', 'Contact id'])];
  let step = { path: PATH, params: { ...params, limit: 500 } };
  let count = 0;
  try {
    while (step) {
      const page = await api(step.path, step.params);
      for (const r of page.activities) {
        lines.push(csvLine([...COLUMNS.map(([key]) => r[key]), r.activity_id, r.contact_id]));
      }
      count += page.activities.length;
      setState('state', `Exporting… ${count} rows`);
      step = nextPage(page, PATH, { ...params, limit: 500 });
    }
    download('activities.csv', `${lines.join('\r\n')}\r\n`);
    setState('state', `Exported ${count} rows.`);
  } catch (error) {
    failed('state', error);
  }
});

function pushedRow(row) {
  const existing = rows.querySelector(`tr[data-activity="${CSS.escape(row.activity_id)}"]`);
  if (existing) {
    existing.replaceWith(tr(row, true));
    return;
  }
  if (shownIndex !== 0 || order !== 'newest') {
    setState('state', 'New activities arrived: sort newest first and go to page 1 to see them.');
    return;
  }
  let before = null;
  for (const node of rows.children) {
    const later = new Date(row.created_at) - new Date(node.dataset.created);
    if (later > 0 || (later === 0 && row.position > Number(node.dataset.position))) { before = node; break; }
  }
  if (!before && next) return; // it belongs on a later page
  loadBadges([row]).catch(() => {}).finally(() => {
    rows.insertBefore(tr(row, true), before);
    setState('state', '');
    announce(`New activity: ${row.summary || row.type}`);
  });
}

function removedRow(item) {
  rows.querySelector(`tr[data-activity="${CSS.escape(item.activity_id)}"]`)?.remove();
}

let loaded = false;
const early = [];
const later = (handle) => (item) => (loaded ? handle(item) : early.push(() => handle(item)));

showWorkspace().then(async (ws) => {
  zone = ws.time_zone;
  const chosen = apiFilters(ws);
  params = { ...chosen, order, limit: Number(filters.limit?.[0] || 25) };
  pages = [{ path: PATH, params }];
  live(`${PATH}/live`, chosen, { activity: later(pushedRow), removed: later(removedRow) });
  await show(0);
  loaded = true;
  early.splice(0).forEach((f) => f());
}).catch((error) => failed('state', error));
