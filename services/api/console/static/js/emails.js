// A contact's email history, both directions, newest first, with each email's status.
import {
  announce, api, el, failed, fillForm, nextPage, pageParams, setState, showWorkspace, timeElement,
} from './console.js';

const { id } = document.getElementById('main').dataset;
const PATH = `/v1/contacts/${encodeURIComponent(id)}/emails`;
const rows = document.getElementById('rows');
const older = document.getElementById('older');
const newer = document.getElementById('newer');
const filters = pageParams();
fillForm(document.getElementById('filters'), filters);
const params = { limit: 10, q: filters.q?.[0], direction: filters.direction?.[0] };
const pages = [{ path: PATH, params }];
let shownIndex = 0;
let next = null;
let zone = 'UTC';

function link(e) {
  const target = e.source.type === 'email'
    ? `/console/emails/${encodeURIComponent(e.source.id)}`
    : `/console/incoming-emails/${encodeURIComponent(e.source.id)}`;
  return el('a', { href: target }, e.subject || '(no subject)');
}

function row(e) {
  return el('tr', { dataset: { status: e.status } },
    el('td', {}, timeElement(e.occurred_at, zone)),
    el('td', {}, e.direction === 'inbound' ? 'Received' : 'Sent'),
    el('td', {}, el('span', { class: `chip status-${e.status}` }, e.status)),
    el('td', {}, link(e), e.snippet ? el('p', { class: 'snippet' }, e.snippet) : null),
    el('td', {}, e.counterpart || '—'));
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
    rows.replaceChildren(...page.emails.map(row));
    setState('state', page.emails.length ? '' : 'No emails.');
    older.disabled = !next;
    newer.disabled = index === 0;
    document.getElementById('page-number').textContent = `Page ${index + 1}`;
    announce(`Page ${index + 1}: ${page.emails.length} emails`);
  } catch (error) {
    failed('state', error);
  }
}

older.addEventListener('click', () => {
  pages.splice(shownIndex + 1, pages.length, next);
  show(shownIndex + 1);
});
newer.addEventListener('click', () => show(shownIndex - 1));

showWorkspace().then((ws) => {
  zone = ws.time_zone;
  show(0);
}).catch((error) => failed('state', error));
