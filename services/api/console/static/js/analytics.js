// Communication analytics of a contact or a team (seed 000): how often, how much, on which
// channels, how fast answered. Drawn from /v1/analytics/..., sections `ok` or `no_data`.
/* global Chart */
import { api, el, failed, fillForm, pageParams, setState, showWorkspace } from './console.js';

const { subject, id } = document.getElementById('main').dataset;
const PATH = `/v1/analytics/${subject}s/${encodeURIComponent(id)}`;
const PALETTE = ['#1f5fa8', '#c2571a', '#2e7d32', '#8e3b8f', '#b3261e', '#00696e', '#6d5e00'];
const filters = pageParams();
fillForm(document.getElementById('filters'), filters);

function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function tile(key, section, text) {
  const box = document.getElementById(`tile-${key}`);
  box.dataset.status = section.status;
  box.querySelector('.value').replaceChildren(section.status === 'ok' ? text
    : el('span', { class: 'chart-state' }, section.message || 'No data in this range'));
}

function chart(figureId, section, config, label) {
  const figure = document.getElementById(figureId);
  figure.dataset.status = section.status;
  const caption = figure.querySelector('figcaption');
  if (section.status !== 'ok') {
    figure.replaceChildren(caption, el('p', { class: 'chart-state' }, section.message || 'No data in this range'));
    return;
  }
  const canvas = el('canvas', { role: 'img', 'aria-label': label });
  figure.replaceChildren(caption, el('div', { class: 'canvas-box' }, canvas));
  config.options = { responsive: true, maintainAspectRatio: false, animation: false, ...config.options };
  new Chart(canvas, config);
}

function draw(report) {
  const { interactions, volume, channels, response_times: times } = report;
  const r = report.range;
  document.getElementById('range').textContent = `${r.first_day} to ${r.last_day} · per ${report.period} · days in ${r.time_zone}`;
  tile('interactions', interactions, String(interactions.total));
  tile('messages', volume, `${volume.inbound} / ${volume.outbound}`);
  tile('first', times.first_response, `${duration(times.first_response.average_seconds)} (${times.first_response.count})`);
  tile('reply', times.reply, `${duration(times.reply.average_seconds)} (${times.reply.count})`);
  const periods = (s) => s.map((p) => p.period);
  const scale = { y: { beginAtZero: true, ticks: { precision: 0 } } };
  chart('chart-interactions', interactions, {
    type: 'bar',
    data: { labels: periods(interactions.series), datasets: [{ label: 'Interactions', data: interactions.series.map((p) => p.count), backgroundColor: PALETTE[0] }] },
    options: { plugins: { legend: { display: false } }, scales: scale },
  }, `Interactions per ${report.period}: ${interactions.total} in all`);
  chart('chart-volume', volume, {
    type: 'bar',
    data: {
      labels: periods(volume.series),
      datasets: [
        { label: 'Inbound', data: volume.series.map((p) => p.inbound), backgroundColor: PALETTE[0] },
        { label: 'Outbound', data: volume.series.map((p) => p.outbound), backgroundColor: PALETTE[1] },
      ],
    },
    options: { scales: { x: { stacked: true }, y: { ...scale.y, stacked: true } } },
  }, `Messages: ${volume.inbound} inbound, ${volume.outbound} outbound`);
  chart('chart-channels', channels, {
    type: 'doughnut',
    data: { labels: channels.shares.map((s) => `${s.channel}${s.deleted ? ' (deleted)' : ''} ${s.percent}%`), datasets: [{ data: channels.shares.map((s) => s.count), backgroundColor: PALETTE }] },
    options: { plugins: { legend: { position: 'bottom' } } },
  }, `Channels: ${channels.shares.map((s) => `${s.channel} ${s.count} (${s.percent}%)`).join(', ')}`);
  const answered = times.first_response.status === 'ok' ? times.first_response : times.reply;
  chart('chart-response', answered, {
    type: 'bar',
    data: {
      labels: times.first_response.histogram.map((b) => b.bin),
      datasets: [
        { label: 'First response', data: times.first_response.histogram.map((b) => b.count), backgroundColor: PALETTE[2] },
        { label: 'Reply', data: times.reply.histogram.map((b) => b.count), backgroundColor: PALETTE[3] },
      ],
    },
    options: { scales: scale },
  }, `Response times: first response ${duration(times.first_response.average_seconds)} on average, reply ${duration(times.reply.average_seconds)}`);
}

showWorkspace().then(async () => {
  const one = (key) => filters[key]?.[0];
  const params = {
    preset: one('preset') || 'last_30_days', period: one('period') || 'day',
    channel: (one('channel') || '').split(',').map((c) => c.trim()).filter(Boolean),
  };
  draw(await api(PATH, params));
  setState('state', '');
}).catch((error) => failed('state', error));
