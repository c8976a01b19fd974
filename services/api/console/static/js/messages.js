// The message viewer: chat bubbles (inbound left, outbound right), search with highlighted
// matches and next/previous, viewed indicators with exact times.
import {
  announce, api, el, failed, nextPage, pageParams, setState, showWorkspace, timeElement, who,
} from './console.js';

const { id } = document.getElementById('main').dataset;
const PATH = `/v1/conversations/${encodeURIComponent(id)}/messages`;
const MAX_MESSAGES = 5000;
const list = document.getElementById('messages');
const form = document.getElementById('search');
const input = document.getElementById('q');
const count = document.getElementById('match-count');
const previous = document.getElementById('previous');
const nextButton = document.getElementById('next');
let zone = 'UTC';
let marks = [];
let current = -1;

// Character offsets from the API count code points; split bodies the same way.
function highlighted(body, ranges) {
  const chars = Array.from(body);
  const out = [];
  let at = 0;
  for (const { start, end, index } of ranges) {
    if (start > at) out.push(chars.slice(at, start).join(''));
    out.push(el('mark', { dataset: { match: index } }, chars.slice(start, end).join('')));
    at = end;
  }
  out.push(chars.slice(at).join(''));
  return out;
}

function bubble(m, ranges) {
  const views = m.views.map((v) => el('li', { class: 'viewed' },
    el('span', { 'aria-hidden': 'true' }, '✓✓ '),
    `Viewed by ${v.viewer_name || v.viewer_id} (${v.viewer_type}) at `,
    timeElement(v.viewed_at, zone, true)));
  return el('li', { class: `bubble ${m.direction}`, id: `m-${m.message_id}`, dataset: { message: m.message_id } },
    el('p', { class: 'meta' },
      el('span', { class: 'sender', title: `Sent ${m.occurred_at}: ${m.status}` }, who({ type: m.sender_type, id: m.sender_id, name: m.sender_name })),
      ' · ', timeElement(m.occurred_at, zone, true), ' · ', m.channel,
      m.status !== 'sent' ? el('strong', { class: `status ${m.status}` }, ` ${m.status}`) : null,
      m.origin_conversation_id ? el('span', { class: 'origin' }, ` · merged in from ${m.origin_conversation_id}`) : null),
    el('p', { class: 'body' }, highlighted(m.body || '', ranges)),
    m.attachments.length ? el('ul', { class: 'attachments', 'aria-label': 'Attachments' },
      m.attachments.map((a) => el('li', { class: a.deleted ? 'deleted' : null }, a.name, a.deleted ? ' (deleted)' : ''))) : null,
    views.length ? el('ul', { class: 'views', 'aria-label': 'Viewed indicators' }, views) : null,
  );
}

function go(index) {
  if (!marks.length) return;
  marks[current]?.classList.remove('current');
  current = (index + marks.length) % marks.length;
  const mark = marks[current];
  mark.classList.add('current');
  mark.scrollIntoView({ block: 'center' });
  count.textContent = `${current + 1} of ${marks.length}`;
  announce(`Match ${current + 1} of ${marks.length}`);
}

async function load(q) {
  setState('state', 'Loading…');
  try {
    const params = { limit: 500, q };
    let page = await api(PATH, params);
    const first = page;
    const messages = [...page.messages];
    let step = nextPage(page, PATH, params);
    while (step && messages.length < MAX_MESSAGES) {
      page = await api(step.path, step.params);
      messages.push(...page.messages);
      step = nextPage(page, PATH, params);
    }
    document.getElementById('toolbar').replaceChildren(
      el('dt', {}, 'Queue'), el('dd', {}, first.queue || '—'),
      el('dt', {}, 'Channel'), el('dd', {}, first.channel),
      el('dt', {}, 'Messages'), el('dd', { id: 'message-count' }, first.message_count),
      el('dt', {}, 'Status'), el('dd', {}, first.status),
      el('dt', {}, 'Subject'), el('dd', {}, first.subject || '—'),
    );
    const byMessage = new Map();
    first.matches.forEach((m, index) => {
      if (!byMessage.has(m.message_id)) byMessage.set(m.message_id, []);
      byMessage.get(m.message_id).push({ ...m, index });
    });
    list.replaceChildren(...messages.map((m) => bubble(m, byMessage.get(m.message_id) || [])));
    marks = [...list.querySelectorAll('mark')].sort((a, b) => a.dataset.match - b.dataset.match);
    current = -1;
    previous.disabled = nextButton.disabled = marks.length === 0;
    setState('state', step ? `Showing the first ${messages.length} messages.` : '');
    if (q) {
      count.textContent = marks.length ? '' : 'No matches';
      if (marks.length) go(0);
    } else count.textContent = '';
  } catch (error) {
    failed('state', error);
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const q = input.value.trim();
  history.replaceState(null, '', q ? `?${new URLSearchParams({ q })}` : location.pathname);
  load(q || undefined);
});
nextButton.addEventListener('click', () => go(current + 1));
previous.addEventListener('click', () => go(current - 1));
input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && marks.length && input.value.trim() === (pageParams().q?.[0] || '')) {
    event.preventDefault();
    go(current + (event.shiftKey ? -1 : 1));
  }
});

showWorkspace().then((ws) => {
  zone = ws.time_zone;
  const q = pageParams().q?.[0];
  if (q) input.value = q;
  load(q);
}).catch((error) => failed('state', error));
