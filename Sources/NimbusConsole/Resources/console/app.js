// The Nimbus console: a small single page over /console/api/. No build step, no framework.
'use strict';

const view = document.getElementById('view');
let stopPage = () => {};  // stops the current page's timers when the route changes

// --- helpers ---------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

class ApiError extends Error {}

// Calls the console API; errors carry AWS's "Type: Message" when the server sent one.
async function api(method, path, body, raw = false) {
  const options = { method, headers: { 'X-Nimbus-Console': '1' }, credentials: 'same-origin' };
  if (body !== undefined) {
    options.body = raw ? body : JSON.stringify(body);
    options.headers['Content-Type'] = 'application/json';
  }
  const response = await fetch('/console/api/' + path, options);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
  if (response.status === 401 && path !== 'login') { showLogin(); throw new ApiError('Log in to use the console.'); }
  if (!response.ok) {
    // The error code is in X-Amzn-ErrorType, as the Lambda API sends it (the body's Type is "User").
    const code = (response.headers.get('X-Amzn-ErrorType') || (data && data.Type) || 'Error').split(':')[0];
    // AWS names it Message or message, depending on the error type.
    const message = data && (data.Message || data.message);
    throw new ApiError(message ? `${code}: ${message}` : `HTTP ${response.status}`);
  }
  return data;
}

function status(node, text, ok) {
  node.textContent = text;
  node.className = ok ? 'ok' : 'error';
}

const enc = encodeURIComponent;

// --- notices for missing libraries ------------------------------------------

function libraryNotice() {
  const missing = [];
  if (typeof window.CodeMirror === 'undefined') missing.push('CodeMirror (libjs-codemirror) is not installed: the code editor has no syntax highlighting');
  if (typeof window.Chart === 'undefined') missing.push('Chart.js (libjs-chart.js) is not installed: metrics are shown as tables');
  const notice = document.getElementById('notice');
  notice.hidden = missing.length === 0;
  notice.textContent = missing.join('. ') + (missing.length ? '.' : '');
}

// --- login -----------------------------------------------------------------

function showLogin() {
  stopPage();
  document.getElementById('logout').hidden = true;
  document.getElementById('who').textContent = '';
  const error = el('p', { id: 'login-error', class: 'error' });
  const keyId = el('input', { id: 'access-key-id', autocomplete: 'username', required: true });
  const secret = el('input', { id: 'secret-access-key', type: 'password', autocomplete: 'current-password', required: true });
  const form = el('form', { id: 'login-form', class: 'login' },
    el('h1', {}, 'Log in'),
    el('p', { class: 'muted' }, 'Use the server\'s access key id and secret access key.'),
    el('label', { for: 'access-key-id' }, 'Access key id'), keyId,
    el('label', { for: 'secret-access-key' }, 'Secret access key'), secret,
    el('button', { id: 'login-button', type: 'submit' }, 'Log in'), error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const who = await api('POST', 'login', { accessKeyId: keyId.value, secretAccessKey: secret.value });
      loggedIn(who.accessKeyId);
      route();
    } catch (e) {
      status(error, e.message, false);
    }
  });
  view.replaceChildren(form);
}

function loggedIn(accessKeyId) {
  document.getElementById('who').textContent = accessKeyId ? `Signed in as ${accessKeyId}` : 'Signed in';
  document.getElementById('logout').hidden = false;
}

document.getElementById('logout').addEventListener('click', async () => {
  await api('POST', 'logout', {});
  showLogin();
});

// --- function list -----------------------------------------------------------

async function showList(seq) {
  view.replaceChildren(el('p', {}, 'Loading functions…'));
  const data = await api('GET', 'functions');
  if (seq !== routeSeq) return;  // the user went elsewhere while this loaded
  const count = (n) => (data.metricsAvailable ? String(n ?? 0) : '—');
  const rows = data.functions.map((f) => el('tr', { 'data-function': f.name },
    el('td', {}, el('a', { href: `#/functions/${enc(f.name)}` }, f.name)),
    el('td', {}, f.state || ''), el('td', {}, f.runtime || ''), el('td', {}, f.memorySize ? `${f.memorySize} MB` : ''),
    el('td', {}, f.lastModified || ''), el('td', { class: 'invocations' }, count(f.invocations)), el('td', { class: 'errors' }, count(f.errors))));
  view.replaceChildren(el('section', {},
    el('h2', {}, `Functions (${data.functions.length})`),
    data.metricsAvailable ? null : el('p', { class: 'muted' }, 'Metrics are not available: invocations and errors are not shown.'),
    el('table', { id: 'function-list' },
      el('thead', {}, el('tr', {}, ['Name', 'State', 'Runtime', 'Memory', 'Last modified', 'Invocations (1 h)', 'Errors (1 h)'].map((h) => el('th', {}, h)))),
      el('tbody', {}, rows))));
}

// --- function page ------------------------------------------------------------

async function showFunction(name, seq) {
  view.replaceChildren(el('p', {}, 'Loading…'));
  const fn = await api('GET', `functions/${enc(name)}`);
  if (seq !== routeSeq) return;  // the user went elsewhere while this loaded
  const timers = [];
  stopPage = () => timers.forEach((t) => clearInterval(t));
  const config = fn.Configuration;
  const test = testSection(name);
  view.replaceChildren(
    el('p', {}, el('a', { href: '#/' }, '← Functions')),
    el('h1', { id: 'fn-title' }, config.FunctionName),
    el('p', { class: 'muted' }, `${config.Runtime || config.PackageType} · handler ${config.Handler || '—'} · ${config.State} · last modified ${config.LastModified}`),
    configSection(name, config), codeSection(name), test.section, releasesSection(name, test.setQualifiers),
    metricsSection(name, timers), logsSection(name, timers));
}

function configSection(name, config) {
  const memory = el('input', { id: 'config-memory', value: config.MemorySize, size: 6 });
  const timeout = el('input', { id: 'config-timeout', value: config.Timeout, size: 4 });
  const variables = (config.Environment && config.Environment.Variables) || {};
  const env = el('textarea', { id: 'config-env', rows: 4, placeholder: 'KEY=value, one per line' });
  env.value = Object.entries(variables).map(([k, v]) => `${k}=${v}`).join('\n');
  const result = el('span', { id: 'config-status' });
  const number = (text) => (/^\s*-?\d+\s*$/.test(text) ? Number(text) : text);
  const save = el('button', { id: 'config-save', onclick: async () => {
    const vars = {};
    for (const line of env.value.split('\n')) {
      if (!line.trim()) continue;
      const at = line.indexOf('=');
      if (at < 0) vars[line.trim()] = ''; else vars[line.slice(0, at).trim()] = line.slice(at + 1);
    }
    try {
      const out = await api('PUT', `functions/${enc(name)}/configuration`,
        { MemorySize: number(memory.value), Timeout: number(timeout.value), Environment: { Variables: vars } });
      status(result, `Saved: ${out.MemorySize} MB, ${out.Timeout} s.`, true);
    } catch (e) { status(result, e.message, false); }
  } }, 'Save configuration');
  return el('section', { id: 'config' }, el('h2', {}, 'Configuration'),
    el('label', {}, 'Memory (MB) ', memory), el('label', {}, 'Timeout (s) ', timeout),
    el('div', {}, el('label', { for: 'config-env' }, 'Environment variables'), env), save, ' ', result);
}

function modeFor(path) {
  if (/\.py$/.test(path)) return 'python';
  if (/\.(m|c)?js$/.test(path)) return 'javascript';
  if (/\.json$/.test(path)) return { name: 'javascript', json: true };
  if (/(^|\/)bootstrap$|\.sh$/.test(path)) return 'shell';
  return null;
}

function codeSection(name) {
  const files = el('div', { id: 'code-files', class: 'files' });
  const holder = el('div', { id: 'code-editor' });
  const result = el('p', { id: 'code-status' });
  const save = el('button', { id: 'code-save', disabled: true }, 'Save and deploy');
  let editor = null;
  let current = null;
  const open = async (path, button) => {
    try {
      const file = await api('GET', `functions/${enc(name)}/code/file?path=${enc(path)}`);
      current = path;
      files.querySelectorAll('button').forEach((b) => b.classList.toggle('active', b === button));
      holder.replaceChildren();
      if (window.CodeMirror) {
        editor = window.CodeMirror(holder, { value: file.content, mode: modeFor(path), lineNumbers: true });
      } else {
        const area = el('textarea', { id: 'code-text', rows: 18 });
        area.value = file.content;
        holder.append(area);
        editor = { getValue: () => area.value, setValue: (v) => { area.value = v; } };
      }
      window.consoleEditor = editor;
      save.disabled = false;
      status(result, `Editing ${path}`, true);
    } catch (e) { status(result, e.message, false); }
  };
  save.addEventListener('click', async () => {
    try {
      const out = await api('PUT', `functions/${enc(name)}/code/file`, { path: current, content: editor.getValue() });
      status(result, `Saved ${current}; new code SHA-256 ${out.CodeSha256}.`, true);
    } catch (e) { status(result, e.message, false); }
  });
  api('GET', `functions/${enc(name)}/code`).then((data) => {
    files.replaceChildren(...data.files.map((f) => {
      const button = el('button', { 'data-path': f.path, disabled: !f.editable, title: f.editable ? '' : 'binary file' }, `${f.path} (${f.size} B)`);
      button.addEventListener('click', () => open(f.path, button));
      return button;
    }));
  }).catch((e) => status(result, e.message, false));
  return el('section', { id: 'code' }, el('h2', {}, 'Code'), files, holder, save, result);
}

function testSection(name) {
  const select = el('select', { id: 'event-select' }, el('option', { value: '' }, '(new event)'));
  const eventName = el('input', { id: 'event-name', placeholder: 'event name', size: 20 });
  const payload = el('textarea', { id: 'event-payload', rows: 6 });
  payload.value = '{\n  "key": "value"\n}';
  const eventStatus = el('span', { id: 'event-status' });
  const saved = {};
  const loadEvents = async (selected) => {
    const events = await api('GET', `functions/${enc(name)}/events`);
    select.replaceChildren(el('option', { value: '' }, '(new event)'), ...events.map((e) => el('option', { value: e.name }, e.name)));
    events.forEach((e) => { saved[e.name] = e.payload; });
    if (selected) select.value = selected;
  };
  select.addEventListener('change', () => {
    if (select.value) { eventName.value = select.value; payload.value = saved[select.value]; }
  });
  const saveEvent = el('button', { id: 'event-save', onclick: async () => {
    try {
      await api('PUT', `functions/${enc(name)}/events/${enc(eventName.value)}`, payload.value, true);
      await loadEvents(eventName.value);
      status(eventStatus, `Saved ${eventName.value}.`, true);
    } catch (e) { status(eventStatus, e.message, false); }
  } }, 'Save event');
  const deleteEvent = el('button', { id: 'event-delete', onclick: async () => {
    try {
      await api('DELETE', `functions/${enc(name)}/events/${enc(eventName.value)}`);
      delete saved[eventName.value];
      await loadEvents();
      status(eventStatus, `Deleted ${eventName.value}.`, true);
    } catch (e) { status(eventStatus, e.message, false); }
  } }, 'Delete event');
  // What to invoke: $LATEST, a version or an alias (filled in by the releases section).
  const qualifier = el('select', { id: 'invoke-qualifier' }, el('option', { value: '' }, '$LATEST'));
  const setQualifiers = (versions, aliases) => {
    const chosen = qualifier.value;
    qualifier.replaceChildren(el('option', { value: '' }, '$LATEST'),
      ...versions.filter((v) => v !== '$LATEST').map((v) => el('option', { value: v }, `version ${v}`)),
      ...aliases.map((a) => el('option', { value: a }, `alias ${a}`)));
    qualifier.value = [...qualifier.options].some((o) => o.value === chosen) ? chosen : '';
  };
  const executed = el('span', { id: 'invoke-version' });
  const outcome = el('p', { id: 'invoke-status' });
  const duration = el('span', { id: 'invoke-duration' });
  const result = el('pre', { id: 'invoke-result' });
  const log = el('pre', { id: 'invoke-log' });
  const invoke = el('button', { id: 'invoke-button', onclick: async () => {
    status(outcome, 'Invoking…', true);
    try {
      const query = qualifier.value ? `?qualifier=${enc(qualifier.value)}` : '';
      const out = await api('POST', `functions/${enc(name)}/invoke${query}`, payload.value, true);
      executed.textContent = out.executedVersion || '';
      status(outcome, out.functionError ? `Failed: ${out.functionError}` : 'Succeeded', !out.functionError);
      duration.textContent = `${out.durationMs.toFixed(1)} ms`;
      result.textContent = out.payload;
      log.textContent = out.logTail;
    } catch (e) { status(outcome, e.message, false); }
  } }, 'Invoke');
  loadEvents().catch((e) => status(eventStatus, e.message, false));
  const section = el('section', { id: 'test' }, el('h2', {}, 'Test'),
    el('div', {}, select, ' ', eventName, ' ', saveEvent, ' ', deleteEvent, ' ', eventStatus), payload,
    el('div', {}, invoke, ' ', qualifier),
    outcome, el('p', {}, 'Duration: ', duration, ' · executed version: ', executed),
    el('h3', {}, 'Response'), result, el('h3', {}, 'Log tail'), log);
  return { section, setQualifiers };
}

function releasesSection(name, onChange) {
  const versions = el('tbody', { id: 'versions-list' });
  const aliases = el('tbody', { id: 'aliases-list' });
  const result = el('span', { id: 'publish-status' });
  const aliasName = el('input', { id: 'alias-name', placeholder: 'alias name', size: 16 });
  const aliasVersion = el('select', { id: 'alias-version' });
  const aliasDescription = el('input', { id: 'alias-description', placeholder: 'description', size: 24 });
  const aliasStatus = el('span', { id: 'alias-status' });
  let known = [];
  const load = async () => {
    const v = await api('GET', `functions/${enc(name)}/versions`);
    versions.replaceChildren(...v.Versions.map((x) => el('tr', {}, el('td', {}, x.Version), el('td', {}, x.Description || ''), el('td', {}, x.LastModified))));
    const a = await api('GET', `functions/${enc(name)}/aliases`);
    known = a.Aliases.map((x) => x.Name);
    aliases.replaceChildren(...a.Aliases.map((x) => el('tr', { 'data-alias': x.Name }, el('td', {}, x.Name), el('td', {}, x.FunctionVersion), el('td', {}, x.Description || ''))));
    const chosen = aliasVersion.value;
    aliasVersion.replaceChildren(...v.Versions.map((x) => el('option', { value: x.Version }, x.Version)));
    if (chosen) aliasVersion.value = chosen;
    onChange(v.Versions.map((x) => x.Version), known);
  };
  // Creates the alias, or points an existing one at the chosen version.
  const saveAlias = el('button', { id: 'alias-save', onclick: async () => {
    const body = { FunctionVersion: aliasVersion.value, Description: aliasDescription.value };
    try {
      const exists = known.includes(aliasName.value);
      const out = exists
        ? await api('PUT', `functions/${enc(name)}/aliases/${enc(aliasName.value)}`, body)
        : await api('POST', `functions/${enc(name)}/aliases`, { Name: aliasName.value, ...body });
      status(aliasStatus, `Alias ${out.Name} → version ${out.FunctionVersion}.`, true);
      await load();
    } catch (e) { status(aliasStatus, e.message, false); }
  } }, 'Save alias');
  const description = el('input', { id: 'publish-description', placeholder: 'description', size: 30 });
  const publish = el('button', { id: 'publish-version', onclick: async () => {
    try {
      const out = await api('POST', `functions/${enc(name)}/versions`, { Description: description.value });
      status(result, `Published version ${out.Version}.`, true);
      await load();
    } catch (e) { status(result, e.message, false); }
  } }, 'Publish version');
  load().catch((e) => status(result, e.message, false));
  return el('section', { id: 'releases' }, el('h2', {}, 'Versions and aliases'),
    el('div', {}, description, ' ', publish, ' ', result),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Version'), el('th', {}, 'Description'), el('th', {}, 'Last modified'))), versions),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Alias'), el('th', {}, 'Version'), el('th', {}, 'Description'))), aliases),
    el('div', {}, aliasName, ' → ', aliasVersion, ' ', aliasDescription, ' ', saveAlias, ' ', aliasStatus));
}

function metricsSection(name, timers) {
  const windowSelect = el('select', { id: 'metrics-window' }, el('option', { value: 'hour' }, 'Last hour'), el('option', { value: 'day' }, 'Last day'));
  const message = el('p', { id: 'metrics-message', class: 'muted' });
  const charts = el('div', { class: 'charts', id: 'metrics-charts' });
  const graphs = [
    { id: 'invocations', title: 'Invocations and errors', series: [['invocations', 'Invocations'], ['errors', 'Errors']] },
    { id: 'duration', title: 'Duration (ms)', series: [['durationP50Ms', 'p50'], ['durationP99Ms', 'p99']] },
    { id: 'concurrency', title: 'Concurrency', series: [['maxConcurrency', 'Max concurrent']] },
    { id: 'coldstarts', title: 'Cold starts', series: [['coldStarts', 'Cold starts']] },
  ];
  // Chart.js 3 (Debian's) draws every series grey unless told otherwise.
  const colors = ['#2563eb', '#dc2626'];
  let made = [];
  const load = async () => {
    const data = await api('GET', `functions/${enc(name)}/metrics?window=${windowSelect.value}`);
    made.forEach((c) => c.destroy());
    made = [];
    charts.replaceChildren();
    if (!data.available) { message.textContent = data.message; return; }
    message.textContent = '';
    const labels = data.points.map((p) => new Date(p.time).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
    for (const graph of graphs) {
      const box = el('div', {}, el('h3', {}, graph.title));
      charts.append(box);
      if (window.Chart) {
        const canvas = el('canvas', { id: `chart-${graph.id}` });
        box.append(canvas);
        made.push(new window.Chart(canvas, { type: 'line', options: { animation: false, spanGaps: true },
          data: { labels, datasets: graph.series.map(([key, label], i) => ({ label, data: data.points.map((p) => p[key]), pointRadius: 2,
            borderColor: colors[i], backgroundColor: colors[i] })) } }));
      } else {
        const last = data.points.slice(-10);
        box.append(el('table', {}, last.map((p, i) => el('tr', {}, el('td', {}, labels[data.points.length - last.length + i]),
          graph.series.map(([key]) => el('td', {}, p[key] ?? '—'))))));
      }
    }
  };
  windowSelect.addEventListener('change', () => load().catch((e) => { message.textContent = e.message; }));
  load().catch((e) => { message.textContent = e.message; });
  timers.push(setInterval(() => load().catch(() => {}), 30000));
  return el('section', { id: 'metrics' }, el('h2', {}, 'Monitoring'), windowSelect, message, charts);
}

function logsSection(name, timers) {
  const pre = el('pre', { id: 'log-view' });
  const info = el('p', { class: 'muted', id: 'log-info' });
  let after = null;
  let busy = false;
  const poll = async () => {
    if (busy) return;
    busy = true;
    try {
      const data = await api('GET', `functions/${enc(name)}/logs` + (after === null ? '' : `?after=${after}`));
      info.textContent = `Following ${data.logGroup}`;
      if (after === null) after = 0;
      const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      for (const event of data.events) {
        pre.append(`${new Date(event.timestamp).toISOString()}  ${event.message.replace(/\n$/, '')}\n`);
        after = Math.max(after, event.id);
      }
      if (atBottom) pre.scrollTop = pre.scrollHeight;
    } catch (e) { info.textContent = e.message; } finally { busy = false; }
  };
  poll();
  timers.push(setInterval(poll, 1000));
  return el('section', { id: 'logs' }, el('h2', {}, 'Logs'), info, pre);
}

// --- routing -------------------------------------------------------------------

// Each route() is numbered; a page whose data arrives after a newer route() began is
// dropped, so a slow list cannot replace the function page the user opened meanwhile.
let routeSeq = 0;

async function route() {
  stopPage();
  stopPage = () => {};
  const seq = ++routeSeq;
  const match = location.hash.match(/^#\/functions\/(.+)$/);
  try {
    if (match) await showFunction(decodeURIComponent(match[1]), seq);
    else await showList(seq);
  } catch (e) {
    if (!(e instanceof ApiError && e.message === 'Log in to use the console.')) view.replaceChildren(el('p', { class: 'error' }, e.message));
  }
}

window.addEventListener('hashchange', route);
libraryNotice();
api('GET', 'session').then((who) => { loggedIn(who.accessKeyId); route(); }).catch(() => {});
