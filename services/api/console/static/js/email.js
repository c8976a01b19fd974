// One email: its status and every change of it (sent) or what arrived (received).
import { api, el, failed, setState, showWorkspace, timeElement, value, who } from './console.js';

const { id, direction } = document.getElementById('main').dataset;
const outbound = direction === 'outbound';
const PATH = outbound ? `/v1/emails/${encodeURIComponent(id)}` : `/v1/incoming-emails/${encodeURIComponent(id)}`;

function people(list) {
  return (list || []).map((p) => (p.name ? `${p.name} <${p.address}>` : p.address)).join(', ') || '—';
}

function facts(e, zone) {
  const pairs = outbound
    ? [['Status', el('span', { class: `chip status-${e.status}`, id: 'email-status' }, e.status)],
      ['Subject', value(e.subject)], ['To', people(e.recipients)], ['Mailbox', e.mailbox_id],
      ['Attempts', e.attempts], ['Outcome in doubt', e.in_doubt ? 'yes' : 'no'],
      ['Error', value(e.error)], ['Message-ID', e.message_id],
      ['Drafted', timeElement(e.drafted_at, zone, true)], ['Last change', timeElement(e.updated_at, zone, true)]]
    : [['From', e.sender ? people([e.sender]) : '—'], ['To', people(e.to)], ['Cc', people(e.cc)],
      ['Subject', value(e.subject)], ['Mailbox', e.mailbox_id], ['Received', timeElement(e.occurred_at, zone, true)],
      ['Contacts', e.contact_ids.join(', ') || 'no contact has this sender'], ['Via', e.via],
      ['Body', el('pre', { class: 'body' }, e.body ?? '—', e.body_truncated ? '\n[cut]' : '')]];
  return pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]);
}

showWorkspace().then(async (ws) => {
  const e = await api(PATH);
  document.getElementById('facts').replaceChildren(...facts(e, ws.time_zone));
  document.getElementById('rows').replaceChildren(...e.entries.map((h) => el('tr', {},
    el('td', {}, timeElement(h.occurred_at, ws.time_zone, true)),
    el('td', {}, el('code', {}, h.type)),
    el('td', {}, el('span', { class: `chip status-${h.status}` }, h.status)),
    el('td', {}, h.actor ? who(h.actor) : '—'),
    el('td', {}, h.summary))));
  setState('state', '');
}).catch((error) => failed('state', error));
