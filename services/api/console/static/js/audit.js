// For auditors: the tamper check of the workspace's chain, and a record's stored events.
import {
  api, el, failed, fillForm, nextPage, pageParams, setState, showWorkspace, timeElement, who,
} from './console.js';

function short(hash) {
  return hash ? el('code', { title: hash }, `${hash.slice(0, 12)}…`) : '—';
}

async function verify() {
  const report = await api('/v1/audit/verify');
  const pairs = [
    ['Result', el('strong', { id: 'verdict', class: report.intact ? 'ok' : 'bad' }, report.intact ? 'Intact' : 'Tampered')],
    ['Workspace', report.workspace_id], ['Events checked', report.events],
    ['Signed checkpoints', report.checkpoints],
    ['Signatures checked', report.signatures_checked ? 'yes' : 'no (this host does not know the signing key)'],
  ];
  document.getElementById('verify').replaceChildren(...pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  document.getElementById('problems-wrap').hidden = report.problems.length === 0;
  document.getElementById('problems').replaceChildren(...report.problems.map((p) => el('tr', {},
    el('td', {}, p.position), el('td', {}, p.kind), el('td', {}, p.detail))));
  setState('verify-state', '');
}

async function events(kind, id, zone) {
  const path = `/v1/audit/${kind}/${encodeURIComponent(id)}/events`;
  const params = { limit: 1000 };
  let step = { path, params };
  const found = [];
  while (step) {
    const page = await api(step.path, step.params);
    found.push(...page.events);
    step = page.next_after ? { path, params: { ...params, after: page.next_after } } : nextPage(page, path, params);
  }
  document.getElementById('events').replaceChildren(...found.map((e) => el('tr', {},
    el('td', {}, e.version), el('td', {}, e.position), el('td', {}, el('code', {}, e.wire_name)),
    el('td', {}, timeElement(e.recorded_at, zone, true)), el('td', {}, who(e.actor)),
    el('td', {}, short(e.hash)), el('td', {}, short(e.prev)))));
  setState('events-state', `${found.length} stored events`);
}

showWorkspace().then(async (ws) => {
  verify().catch((error) => failed('verify-state', error));
  const params = pageParams();
  fillForm(document.getElementById('lookup'), params);
  if (params.id) {
    await events(params.kind?.[0] || 'conversation', params.id[0], ws.time_zone)
      .catch((error) => failed('events-state', error));
  }
}).catch((error) => failed('verify-state', error));
