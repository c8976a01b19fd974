// The contacts report (seed 004): presets and filters, metric tiles, charts, the four logs.
// The page's query string is the API's: the filter form submits the API's own parameters.
/* global Chart */
import {
  api, el, failed, fillForm, pageParams, setState, showWorkspace, when,
} from './console.js';

const form = document.getElementById('filters');
const filters = pageParams();
const LOG_COLUMNS = {
  added: [['timestamp', 'Timestamp'], ['contact_id', 'Contact ID'], ['contact_name', 'Contact name'], ['source', 'Source'], ['user', 'User']],
  connected: [['timestamp', 'Timestamp'], ['contact_id', 'Contact ID'], ['contact_name', 'Contact name'], ['channel', 'Channel'], ['source', 'Source'], ['user', 'User']],
  deleted: [['timestamp', 'Timestamp'], ['contact_id', 'Contact ID'], ['contact_name', 'Contact name'], ['source', 'Source'], ['user', 'User']],
  merged: [['timestamp', 'Timestamp'], ['contact_id', 'Primary contact ID'], ['contact_name', 'Contact name'], ['merged_contact_id', 'Merged contact ID'], ['source', 'Source'], ['user', 'User']],
};
const PALETTE = ['#1f5fa8', '#c2571a', '#2e7d32', '#8e3b8f', '#b3261e', '#00696e', '#6d5e00', '#4a4a8a', '#7a4b2a'];
const METRIC_LABELS = {
  added: 'Added', deleted: 'Deleted', merged: 'Merged',
  contacts_added: 'Added', contacts_deleted: 'Deleted', contacts_merged: 'Merged',
};
let zone = 'UTC';
const charts = [];

function apiParams() {
  const one = (key) => filters[key]?.[0];
  const contacts = (filters.contact || []).flatMap((c) => c.split(',')).map((c) => c.trim()).filter(Boolean);
  const preset = one('preset') || 'last_7_days';
  return {
    preset,
    from: preset === 'custom' ? one('from') : undefined,
    to: preset === 'custom' ? one('to') : undefined,
    as_of: one('as_of'),
    time_zone: one('time_zone'),
    channel: filters.channel || [], user: filters.user || [], source: filters.source || [],
    contact: contacts,
  };
}

// The logs take the report's parameters and, for trying the cap out, a smaller `limit`.
function logParams(params) {
  return { ...params, limit: filters.limit?.[0] };
}

function option(o) {
  return el('option', { value: o.key, disabled: !o.selectable }, o.label + (o.deleted ? ' (deleted)' : ''));
}

async function loadFilters() {
  const offered = await api('/v1/reports/contacts/filters');
  document.getElementById('channel').append(...offered.channels.map(option));
  document.getElementById('user').append(...offered.users.map(option));
  document.getElementById('source').append(...offered.sources.map(option));
  fillForm(form, filters);
}

function notShown(chart) {
  return el('p', { class: `chart-state ${chart.status}`, dataset: { status: chart.status } },
    chart.message || (chart.status === 'no_data' ? 'The selected filters have no data' : 'The selected filters are not applicable here'),
    chart.not_applicable?.length ? ` (${chart.not_applicable.join(', ')})` : '');
}

function dataTable(caption, head, body) {
  return el('details', { class: 'data' }, el('summary', {}, 'Data'),
    el('table', {}, el('caption', {}, caption),
      el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, body.map((r) => el('tr', {}, r.map((c) => el('td', {}, c)))))));
}

function draw(figure, config, label, table) {
  const canvas = el('canvas', { role: 'img', 'aria-label': label });
  const box = el('div', { class: 'canvas-box' }, canvas);
  figure.replaceChildren(figure.querySelector('figcaption'), box, table);
  config.options = { responsive: true, maintainAspectRatio: false, animation: false, ...config.options };
  charts.push(new Chart(canvas, config));
}

function bars(figureId, chart, title) {
  const figure = document.getElementById(figureId);
  figure.dataset.status = chart.status;
  if (chart.status !== 'ok') return figure.replaceChildren(figure.querySelector('figcaption'), notShown(chart));
  const label = `${title}: ${chart.bars.map((b) => `${b.label} ${b.count}`).join(', ')}`;
  draw(figure, {
    type: 'bar',
    data: { labels: chart.bars.map((b) => b.label + (b.deleted ? ' (deleted)' : '')), datasets: [{ label: title, data: chart.bars.map((b) => b.count), backgroundColor: PALETTE }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  }, label, dataTable(title, ['', 'Count'], chart.bars.map((b) => [b.label, b.count])));
}

function arc(figureId, chart, title) {
  const figure = document.getElementById(figureId);
  figure.dataset.status = chart.status;
  if (chart.status !== 'ok') return figure.replaceChildren(figure.querySelector('figcaption'), notShown(chart));
  const label = `${title}: ${chart.shares.map((s) => `${s.label} ${s.count} (${s.percent}%)`).join(', ')}`;
  draw(figure, {
    type: 'doughnut',
    data: { labels: chart.shares.map((s) => `${s.label} ${s.percent}%`), datasets: [{ data: chart.shares.map((s) => s.count), backgroundColor: PALETTE }] },
    options: { plugins: { legend: { position: 'bottom' } } },
  }, label, dataTable(title, ['', 'Count', 'Percent'], chart.shares.map((s) => [s.label, s.count, `${s.percent}%`])));
}

function overTime(chart) {
  const figure = document.getElementById('chart-over_time');
  figure.dataset.status = chart.status;
  if (chart.status !== 'ok') return figure.replaceChildren(figure.querySelector('figcaption'), notShown(chart));
  const days = chart.series[0]?.points.map((p) => p.day) || [];
  const name = (key) => METRIC_LABELS[key] || key;
  draw(figure, {
    type: 'line',
    data: { labels: days, datasets: chart.series.map((s, i) => ({ label: name(s.key), data: s.points.map((p) => p.count), borderColor: PALETTE[i], backgroundColor: PALETTE[i] })) },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  }, `Contacts per day: ${chart.series.map((s) => `${name(s.key)} ${s.points.reduce((a, p) => a + p.count, 0)}`).join(', ')}`,
  dataTable('Per day', ['Day', ...chart.series.map((s) => name(s.key))], days.map((d, i) => [d, ...chart.series.map((s) => s.points[i].count)])));
}

function tile(key, chart) {
  const box = document.getElementById(`tile-${key}`);
  box.dataset.status = chart.status;
  const target = box.querySelector('.value');
  if (chart.status === 'ok') target.replaceChildren(String(chart.total));
  else target.replaceChildren(notShown(chart));
}

async function loadReport(params) {
  const report = await api('/v1/reports/contacts', params);
  const r = report.range;
  document.getElementById('range').textContent = `${r.first_day} to ${r.last_day} · days in ${r.time_zone}`;
  charts.splice(0).forEach((c) => c.destroy());
  for (const key of ['contacts_added', 'contacts_deleted', 'contacts_merged']) tile(key, report.charts[key]);
  bars('chart-added_deleted_merged', report.charts.added_deleted_merged, 'Added vs deleted vs merged');
  overTime(report.charts.added_deleted_merged);
  bars('chart-added_by_source', report.charts.added_by_source, 'Contacts added by source');
  arc('arc-added_by_source', report.charts.added_by_source, 'Contacts added by source');
  bars('chart-connected_by_channel', report.charts.connected_by_channel, 'Contacts connected by channel');
  arc('arc-connected_by_channel', report.charts.connected_by_channel, 'Contacts connected by channel');
}

function logCell(row, key) {
  if (key === 'timestamp') {
    return el('td', {}, el('time', { datetime: row.timestamp, title: `${row.timestamp} (UTC)` }, when(row.timestamp, zone, true)));
  }
  if (key === 'user') return el('td', {}, row.user ? `${row.user}${row.user_deleted ? ' (deleted user)' : ''}` : '—');
  if (key === 'contact_id' || key === 'merged_contact_id') {
    return el('td', {}, row[key] ? el('a', { href: `/console/contacts/${encodeURIComponent(row[key])}/timeline` }, row[key]) : '—');
  }
  return el('td', {}, row[key] ?? '—');
}

let logShown = 0; // the latest log asked for: an earlier answer arriving late is dropped

async function loadLog(log, params) {
  const mine = ++logShown;
  const tabs = document.querySelectorAll('[role="tab"]');
  tabs.forEach((t) => {
    const chosen = t.dataset.log === log;
    t.setAttribute('aria-selected', String(chosen));
    t.tabIndex = chosen ? 0 : -1;
  });
  document.getElementById('log-panel').setAttribute('aria-labelledby', `tab-${log}`);
  const head = document.getElementById('log-head');
  head.replaceChildren(...LOG_COLUMNS[log].map(([, label]) => el('th', { scope: 'col' }, label)));
  const body = document.getElementById('log-rows');
  body.replaceChildren();
  setState('log-state', 'Loading…', 'loading');
  const page = await api(`/v1/reports/contacts/logs/${log}`, logParams(params));
  if (mine !== logShown) return;
  const exportLink = document.getElementById('export');
  exportLink.hidden = page.status === 'filter_not_applicable';
  exportLink.href = page.export;
  body.replaceChildren(...page.rows.map((r) => el('tr', {}, LOG_COLUMNS[log].map(([key]) => logCell(r, key)))));
  if (page.status !== 'ok') setState('log-state', page.message || (page.status === 'no_data' ? 'The selected filters have no data' : 'The selected filters are not applicable here'), page.status);
  else if (page.truncated) setState('log-state', `Showing the newest ${page.returned.toLocaleString('en')} of ${page.total.toLocaleString('en')} rows (a log shows at most ${page.limit.toLocaleString('en')}); the export has every row.`, 'warn');
  else setState('log-state', `${page.total} ${page.total === 1 ? 'row' : 'rows'}`);
}

function tabKeys(params) {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => loadLog(tab.dataset.log, params).catch((e) => failed('log-state', e)));
    tab.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const target = tabs[(i + step + tabs.length) % tabs.length];
      target.focus();
      target.click();
    });
  });
}

// Custom dates only mean something with the custom preset (disabled fields are not sent).
function customDates() {
  const custom = form.elements.preset.value === 'custom';
  for (const name of ['from', 'to']) {
    form.elements[name].disabled = !custom;
    form.elements[name].required = custom;
  }
}
form.elements.preset.addEventListener('change', customDates);

showWorkspace().then(async (ws) => {
  zone = filters.time_zone?.[0] || ws.time_zone;
  fillForm(form, filters);
  customDates();
  const params = apiParams();
  tabKeys(params);
  await loadFilters().catch((error) => failed('state', error));
  await Promise.all([
    loadReport(params).catch((error) => failed('state', error)),
    loadLog('added', params).catch((error) => failed('log-state', error)),
  ]);
}).catch((error) => failed('state', error));
