// The grassroots form page: skip logic, a draft kept in this phone's storage, one submission even offline.
(function () {
  'use strict';
  const form = document.getElementById('survey-form');
  if (!form) return;
  const data = JSON.parse(document.getElementById('survey-data').textContent);
  const text = data.text;
  const id = form.dataset.assignment;
  const version = Number(form.dataset.version);
  const storeKey = 'fugong-survey-' + id;
  const net = document.getElementById('survey-net');
  const fields = Array.from(form.querySelectorAll('.survey-field'));
  let sending = false;

  const load = () => { try { return JSON.parse(localStorage.getItem(storeKey)) || {}; } catch (e) { return {}; } };
  const keep = (state) => localStorage.setItem(storeKey, JSON.stringify(state));
  const say = (message) => { net.textContent = message; net.hidden = !message; };

  function readField(el) {
    const name = el.dataset.field;
    if (el.dataset.kind === 'yes_no') {
      const picked = form.querySelector('input[name="' + name + '"]:checked');
      return picked ? picked.value === 'true' : null;
    }
    const input = form.elements[name];
    return input && input.value.trim() !== '' ? input.value.trim() : null;
  }

  function writeField(el, value) {
    const name = el.dataset.field;
    if (value === null || value === undefined) return;
    if (el.dataset.kind === 'yes_no') {
      const radio = form.querySelector('input[name="' + name + '"][value="' + (value ? 'true' : 'false') + '"]');
      if (radio) radio.checked = true;
    } else if (form.elements[name]) {
      form.elements[name].value = String(value);
    }
  }

  function collect() {
    const values = {};
    for (const el of fields) {
      if (el.hidden) continue;
      const value = readField(el);
      if (value !== null) values[el.dataset.field] = value;
    }
    return values;
  }

  // The CertLogic operations skip logic uses; anything else shows the field (the server decides in the end).
  function evaluate(expr, ctx) {
    if (expr === null || typeof expr !== 'object') return expr;
    if (Array.isArray(expr)) return expr.map((e) => evaluate(e, ctx));
    const op = Object.keys(expr)[0];
    const args = expr[op];
    if (op === 'var') {
      return String(args).split('.').reduce((v, k) => (v === null || v === undefined ? null : v[k] ?? null), ctx);
    }
    const vals = (Array.isArray(args) ? args : [args]).map((a) => evaluate(a, ctx));
    const num = (v) => (typeof v === 'string' && v !== '' && !isNaN(Number(v)) ? Number(v) : v);
    switch (op) {
      case '===': return num(vals[0]) === num(vals[1]);
      case '!': return !vals[0];
      case 'and': return vals.every(Boolean);
      case 'if': return vals[0] ? vals[1] : vals[2];
      case 'in': return Array.isArray(vals[1]) && vals[1].includes(vals[0]);
      case '<': return num(vals[0]) < num(vals[1]);
      case '<=': return num(vals[0]) <= num(vals[1]);
      case '>': return num(vals[0]) > num(vals[1]);
      case '>=': return num(vals[0]) >= num(vals[1]);
      default: throw new Error('unsupported');
    }
  }

  function reads(expr, found) {
    if (expr && typeof expr === 'object') {
      if (!Array.isArray(expr) && typeof expr.var === 'string') found.push(expr.var);
      else Object.values(expr).forEach((e) => reads(e, found));
    }
    return found;
  }

  function applySkipLogic() {
    const current = {};
    for (const el of fields) {
      const value = readField(el);
      if (value !== null) current[el.dataset.field] = value;
    }
    for (const el of fields) {
      if (!el.dataset.onlyIf) continue;
      const expr = JSON.parse(el.dataset.onlyIf);
      const ctx = { this: current };
      const missing = reads(expr, []).some((path) => evaluate({ var: path }, ctx) === null);
      let shown = true;
      try { shown = !missing && Boolean(evaluate(expr, ctx)); } catch (e) { shown = true; }
      el.hidden = !shown;
    }
  }

  function clearErrors() {
    form.querySelectorAll('.survey-error').forEach((p) => { p.hidden = true; p.textContent = ''; });
  }

  function showProblems(problems) {
    clearErrors();
    for (const p of problems) {
      const target = document.getElementById('error-' + p.field) || document.getElementById('error-form');
      target.textContent = (target.textContent ? target.textContent + ' ' : '') + p.message;
      target.hidden = false;
    }
    const first = form.querySelector('.survey-error:not([hidden])');
    if (first) first.scrollIntoView({ block: 'center' });
  }

  function remember() {
    const state = load();
    state.values = collect();
    state.version = version;
    keep(state);
  }

  async function send(method, url, body) {
    const headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (form.dataset.csrf) headers['X-CSRF-Token'] = form.dataset.csrf;
    const response = await fetch(url, { method, headers, body: JSON.stringify(body), credentials: 'same-origin' });
    return { status: response.status, body: await response.json() };
  }

  function finished(message) {
    localStorage.removeItem(storeKey);
    form.hidden = true;
    const done = document.getElementById('survey-done');
    document.getElementById('survey-done-text').textContent = message;
    done.hidden = false;
    say('');
  }

  async function submitPending() {
    const state = load();
    if (!state.pending || sending) return;
    sending = true;
    say(text.sending);
    try {
      const result = await send('POST', '/api/survey/assignments/' + id + '/submit', state.pending);
      if (result.status === 201) finished(text.submitted);
      else if (result.status === 200) finished(text.already);
      else {
        const now = load();
        delete now.pending;
        keep(now);
        if (result.status === 422 && result.body.problems) showProblems(result.body.problems);
        else showProblems([{ field: null, message: result.body.detail }]);
        say(text.fix);
      }
    } catch (e) {
      say(text.offline);  // the pending submission stays in storage and is sent when the connection returns
    } finally {
      sending = false;
    }
  }

  const newKey = () => (window.crypto && crypto.randomUUID ? crypto.randomUUID()
    : 'k' + Date.now().toString(36) + Math.random().toString(36).slice(2));

  form.addEventListener('input', () => { applySkipLogic(); remember(); });
  form.addEventListener('change', () => { applySkipLogic(); remember(); });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors();
    const state = load();
    const values = collect();
    // The same values keep the same key, so a resend after a dropped connection is one submission.
    const same = state.pending && JSON.stringify(state.pending.values) === JSON.stringify(values);
    state.pending = same ? state.pending : { values, form_version: version, idempotency_key: newKey() };
    state.values = values;
    keep(state);
    if (!navigator.onLine) { say(text.queued); return; }
    submitPending();
  });
  document.getElementById('save-draft').addEventListener('click', async () => {
    remember();
    try {
      const result = await send('PUT', '/api/survey/assignments/' + id + '/draft', { values: collect(), form_version: version });
      if (result.status === 200) { say(text.saved); showProblems([]); }
      else showProblems(result.body.problems || [{ field: null, message: result.body.detail }]);
    } catch (e) {
      say(text.saved_local);
    }
  });
  window.addEventListener('online', submitPending);
  setInterval(() => { if (load().pending && navigator.onLine) submitPending(); }, 5000);

  // Start from what this phone kept, else the saved draft, else the hub's figures.
  const saved = load();
  const start = Object.assign({}, ...Object.entries(data.prefill).map(([k, v]) => ({ [k]: v.value })),
    data.draft || {}, saved.version === version ? saved.values || {} : {});
  for (const el of fields) writeField(el, start[el.dataset.field]);
  applySkipLogic();
  if (saved.pending) submitPending();
})();

// The progress page's 汇总入湖 button: write the form's lake datasets now, then show the new figures.
(function () {
  'use strict';
  const button = document.getElementById('survey-aggregate');
  if (!button) return;
  const result = document.getElementById('survey-aggregate-result');
  button.addEventListener('click', async () => {
    button.disabled = true;
    const headers = { accept: 'application/json' };
    if (button.dataset.csrf) headers['X-CSRF-Token'] = button.dataset.csrf;
    try {
      const url = '/api/survey/aggregate?form=' + encodeURIComponent(button.dataset.form);
      const response = await fetch(url, { method: 'POST', headers, credentials: 'same-origin' });
      const body = await response.json();
      if (!response.ok) { result.textContent = body.detail; return; }
      const written = body.datasets.some((d) => d.status === 'written');
      result.textContent = (written ? button.dataset.done : button.dataset.unchanged)
        + ' ' + body.datasets.map((d) => d.dataset + ' ' + d.snapshot_id).join(', ');
      if (written) setTimeout(() => window.location.reload(), 1200);
    } catch (e) {
      result.textContent = String(e);
    } finally {
      button.disabled = false;
    }
  });
})();

// The worker's list: upload a filled-in template and show each row's result with its line number.
(function () {
  'use strict';
  const upload = document.getElementById('survey-upload');
  if (!upload) return;
  const summary = document.getElementById('survey-upload-summary');
  const table = document.getElementById('survey-upload-rows');
  const statuses = JSON.parse(table.dataset.statuses);
  upload.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData();
    data.append('file', upload.elements.file.files[0]);
    const headers = { accept: 'application/json' };
    if (upload.dataset.csrf) headers['X-CSRF-Token'] = upload.dataset.csrf;
    const url = '/api/survey/import?form=' + encodeURIComponent(upload.elements.form.value);
    const body = tbody();
    body.replaceChildren();
    table.hidden = true;
    summary.hidden = false;
    try {
      const response = await fetch(url, { method: 'POST', headers, body: data, credentials: 'same-origin' });
      const report = await response.json();
      if (!response.ok) { summary.textContent = upload.dataset.failed + ' ' + report.detail; return; }
      summary.textContent = summary.dataset.text.replace('{s}', report.submitted)
        .replace('{a}', report.already_submitted).replace('{e}', report.error);
      for (const row of report.rows) {
        const tr = document.createElement('tr');
        tr.dataset.status = row.status;
        for (const text of [row.line, row.unit, row.period, statuses[row.status] || row.status, row.errors.join(' ')]) {
          const td = document.createElement('td');
          td.textContent = String(text);
          tr.appendChild(td);
        }
        body.appendChild(tr);
      }
      table.hidden = report.rows.length === 0;
    } catch (e) {
      summary.textContent = upload.dataset.failed + ' ' + String(e);
    }
  });
  function tbody() { return table.querySelector('tbody'); }
})();
