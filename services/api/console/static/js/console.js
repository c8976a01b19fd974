// What every screen shares: calls to the public API, pages, times, live feeds, DOM.
// The browser calls /v1/... itself; the session cookie stands in for the bearer token.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function csrf() {
  return document.querySelector('meta[name="csrf-token"]').content;
}

// Query strings as the API takes them: arrays repeat the key, empty values are left out.
export function query(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    for (const v of [].concat(value)) {
      if (v !== undefined && v !== null && v !== '') q.append(key, String(v));
    }
  }
  return q;
}

// The API's error text, whether it answers {"detail": ...} or problem+json.
function problem(body, status) {
  if (!body || typeof body !== 'object') return `The API answered ${status}`;
  const detail = body.detail ?? body.title;
  if (Array.isArray(detail)) {
    return detail.map((d) => `${(d.loc || []).slice(-1)[0] || ''}: ${d.msg}`).join('; ');
  }
  if (Array.isArray(body.errors)) {
    return body.errors.map((e) => (e.problem ? `${e.field}: ${e.problem}` : e.detail || e.message)).join('; ');
  }
  return String(detail ?? `The API answered ${status}`);
}

export function signInAgain() {
  const next = location.pathname + location.search;
  location.assign(`/console/sign-in?${query({ next })}`);
}

export async function api(path, params, options = {}) {
  const url = params ? `${path}?${query(params)}` : path;
  const headers = { Accept: 'application/json', ...(options.headers || {}) };
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['X-CSRF-Token'] = csrf();
  }
  const response = await fetch(url, {
    method: options.method || (options.body !== undefined ? 'POST' : 'GET'),
    headers,
    credentials: 'same-origin',
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
  });
  if (response.status === 401) {
    signInAgain();
    throw new ApiError(401, 'signed out');
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, problem(body, response.status));
  return body;
}

// The next page of a paged answer: a `links.next` address if the API gives one, else its
// `next_cursor` with the same parameters. Null when there is no next page.
export function nextPage(page, path, params) {
  if (page?.links?.next) return { path: page.links.next, params: null };
  if (page?.has_more === false) return null;
  if (page?.next_cursor) return { path, params: { ...params, cursor: page.next_cursor } };
  return null;
}

export async function fetchPage(step) {
  return api(step.path, step.params);
}

// The workspace (its id and time zone), asked once per page.
let workspacePromise = null;
export function workspace() {
  workspacePromise ??= api('/v1/workspace');
  return workspacePromise;
}

export async function showWorkspace() {
  const target = document.getElementById('workspace');
  try {
    const ws = await workspace();
    if (target) target.textContent = `${ws.workspace_id} · times in ${ws.time_zone}`;
    return ws;
  } catch (error) {
    if (target) target.textContent = '';
    throw error;
  }
}

function parts(date, zone) {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit',
    minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
  });
  return Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]));
}

// A time in the workspace's zone: "2026-11-02 09:00" or, exact, "2026-11-02 09:00:00.250 EST".
export function when(iso, zone, exact = false) {
  if (!iso) return '';
  const date = new Date(iso);
  const p = parts(date, zone || 'UTC');
  const base = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
  if (!exact) return base;
  const ms = String(date.getUTCMilliseconds()).padStart(3, '0');
  return `${base}:${p.second}.${ms} ${p.timeZoneName}`;
}

export function timeElement(iso, zone, exact = false) {
  const t = el('time', { datetime: iso, title: `${iso} (UTC)` }, when(iso, zone, exact));
  return t;
}

// The UTC instant of a local midnight in `zone` (for date pickers that mean local days).
export function localMidnight(day, zone) {
  const [y, m, d] = day.split('-').map(Number);
  let guess = Date.UTC(y, m - 1, d);
  for (let i = 0; i < 3; i++) {
    const p = parts(new Date(guess), zone);
    const shown = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
    guess -= shown - Date.UTC(y, m - 1, d);
  }
  return new Date(guess).toISOString();
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function announce(text) {
  const target = document.getElementById('announce');
  if (target) target.textContent = text;
}

export function setState(id, text, kind = 'info') {
  const target = document.getElementById(id);
  if (!target) return;
  target.textContent = text || '';
  target.dataset.kind = kind;
}

export function who(actor) {
  if (!actor) return '';
  return `${actor.name || actor.id} (${actor.type})`;
}

// The page's own query string, as an object of lists (what the filter form submitted).
export function pageParams() {
  const out = {};
  for (const [key, value] of new URLSearchParams(location.search)) {
    if (value === '') continue;
    (out[key] ??= []).push(value);
  }
  return out;
}

// Put the page's parameters back into its filter form.
export function fillForm(form, params) {
  for (const [key, values] of Object.entries(params)) {
    const field = form.elements[key];
    if (!field) continue;
    if (field.type === 'checkbox') field.checked = values.includes(field.value);
    else if (field instanceof RadioNodeList) continue;
    else if (field.multiple) {
      for (const option of field.options) option.selected = values.includes(option.value);
    } else field.value = values[0];
  }
}

// A live feed (Server-Sent Events). EventSource sends the session cookie and, on a
// reconnect, the last `id` as Last-Event-ID: the API resumes without gaps or repeats.
export function live(path, params, handlers, statusId = 'live') {
  const url = `${path}?${query(params)}`;
  const source = new EventSource(url, { withCredentials: true });
  const status = (text, kind) => setState(statusId, text, kind);
  source.addEventListener('ready', () => status('● Live', 'live'));
  source.addEventListener('gone', (event) => {
    source.close();
    status(`Live updates ended: ${JSON.parse(event.data).detail}`, 'warn');
  });
  source.addEventListener('unavailable', () => status('Live updates busy; retrying…', 'warn'));
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) status('Live updates unavailable', 'warn');
    else status('Reconnecting…', 'warn');
  };
  for (const [event, handle] of Object.entries(handlers)) {
    source.addEventListener(event, (e) => handle(JSON.parse(e.data), e.lastEventId));
  }
  window.addEventListener('pagehide', () => source.close());
  return source;
}

export function failed(stateId, error) {
  if (error instanceof ApiError && error.status === 401) return;
  const text = error instanceof ApiError
    ? `${error.status === 404 ? 'Not found' : error.status === 403 ? 'Not allowed' : 'Error'}: ${error.message}`
    : `Error: ${error.message}`;
  setState(stateId, text, 'error');
}

export function download(filename, text, type = 'text/csv') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = el('a', { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function csvLine(values) {
  return values.map((v) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  }).join(',');
}

// Old → new pairs an event carries (from_x/to_x, old_x/new_x, old/new), for audit views.
export function changes(details) {
  const d = { ...(details || {}), ...(details?.details || {}) };
  const out = [];
  for (const key of Object.keys(d)) {
    let name = null;
    let after = null;
    if (key.startsWith('from_')) { name = key.slice(5); after = `to_${name}`; }
    else if (key.startsWith('old_')) { name = key.slice(4); after = `new_${name}`; }
    else if (key === 'old') { name = d.field || 'value'; after = 'new'; }
    if (name !== null && after in d && JSON.stringify(d[key]) !== JSON.stringify(d[after])) {
      out.push([name, d[key], d[after]]);
    }
  }
  return out;
}

export function value(v) {
  if (v === null || v === undefined || v === '') return '—';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
