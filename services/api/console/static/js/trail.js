// A conversation's audit trail: every event, oldest first, with actor, old → new and exact
// times; its viewed indicators; new events appended live.
import {
  announce, api, changes, el, failed, live, nextPage, setState, showWorkspace, timeElement,
  value, who,
} from './console.js';

const { id } = document.getElementById('main').dataset;
const PATH = `/v1/conversations/${encodeURIComponent(id)}/audit-trail`;
const rows = document.getElementById('rows');
let zone = 'UTC';

function row(e, fresh = false) {
  const changed = changes(e.details);
  return el('tr', { class: fresh ? 'new' : null, dataset: { position: e.position, type: e.type } },
    el('td', {}, `v${e.version}`),
    el('td', {}, timeElement(e.occurred_at, zone, true)),
    el('td', {}, timeElement(e.recorded_at, zone, true)),
    el('td', {}, el('code', {}, e.type)),
    el('td', {}, who(e.actor)),
    el('td', {}, el('p', {}, e.summary),
      changed.length ? el('ul', { class: 'changes' }, changed.map(([name, before, after]) =>
        el('li', {}, `${name}: `, el('del', {}, value(before)), ' → ', el('ins', {}, value(after))))) : null),
    el('td', {}, e.team_id || '—'),
  );
}

async function load() {
  setState('state', 'Loading…');
  const params = { limit: 1000 };
  let step = { path: PATH, params };
  const entries = [];
  while (step) {
    const page = await api(step.path, step.params);
    entries.push(...page.entries);
    step = nextPage(page, PATH, params);
  }
  rows.replaceChildren(...entries.map((e) => row(e)));
  setState('state', `${entries.length} events`);
  await loadViews();
}

async function loadViews() {
  const views = await api(`/v1/conversations/${encodeURIComponent(id)}/views`);
  document.getElementById('view-rows').replaceChildren(...views.map((v) => el('tr', {},
    el('td', {}, v.message_id),
    el('td', {}, `${v.viewer_name || v.viewer_id} (${v.viewer_type})`),
    el('td', {}, timeElement(v.viewed_at, zone, true)))));
}

let loaded = false;
const early = [];
function pushed(e) {
  if (!loaded) return early.push(e);
  if (rows.querySelector(`tr[data-position="${e.position}"]`)) return;
  rows.append(row(e, true));
  if (e.type === 'conversation.message_viewed') loadViews().catch((error) => failed('state', error));
  setState('state', `${rows.children.length} events`);
  announce(`New event: ${e.summary}`);
}

showWorkspace().then(async (ws) => {
  zone = ws.time_zone;
  live(`${PATH}/live`, {}, { entry: pushed });
  await load();
  loaded = true;
  early.splice(0).forEach(pushed);
}).catch((error) => failed('state', error));
