"""`/`: a self-contained HTML form built from the input schema, for a business user to
fill in one row and see the prediction (no external scripts or styles). With a token
configured the page itself is open and asks for the token, sent as a bearer header."""

from __future__ import annotations

import json
from html import escape

from studio.core.ports import ColumnSpec

from .holder import ServedModel

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem} .meta{color:#666;font-size:.9rem}
label{display:grid;grid-template-columns:14rem 1fr;gap:.5rem;align-items:center;margin:.35rem 0}
input,select{padding:.3rem;font-size:1rem} button{margin-top:1rem;padding:.5rem 1.2rem;font-size:1rem}
table{border-collapse:collapse;margin-top:1rem} td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
.error{color:#a00;white-space:pre-wrap}
"""

_SCRIPT = """
const KINDS = %s;
document.getElementById('row').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const out = document.getElementById('result');
  const row = {};
  for (const [name, kind] of Object.entries(KINDS)) {
    const el = document.querySelector('[data-column="' + CSS.escape(name) + '"]');
    const raw = el.value;
    if (raw === '') { row[name] = null; continue; }
    if (kind === 'number') row[name] = Number(raw);
    else if (kind === 'integer') row[name] = Number.isInteger(Number(raw)) ? Number(raw) : raw;
    else if (kind === 'boolean') row[name] = raw === 'true';
    else if (el.dataset.json === '1') row[name] = JSON.parse(raw);
    else row[name] = raw;
  }
  const headers = {'Content-Type': 'application/json'};
  const token = document.getElementById('token');
  if (token && !token.value) {
    out.innerHTML = '';
    const p = document.createElement('p'); p.className = 'error';
    p.textContent = 'This service needs its API token: enter it above.';
    out.appendChild(p); token.focus(); return;
  }
  if (token) headers['Authorization'] = 'Bearer ' + token.value;
  out.textContent = 'Scoring…';
  try {
    const resp = await fetch('predict', {method: 'POST', headers, body: JSON.stringify([row])});
    const body = await resp.json();
    if (!resp.ok) {
      out.innerHTML = '';
      const p = document.createElement('p'); p.className = 'error';
      p.textContent = (body.detail || []).map(d => (d.column ? d.column + ': ' : '') + d.error).join('\\n') || resp.statusText;
      out.appendChild(p); return;
    }
    const pred = body.predictions[0];
    const table = document.createElement('table');
    for (const [k, v] of Object.entries(pred)) {
      const tr = table.insertRow(); tr.insertCell().textContent = k;
      tr.insertCell().textContent = typeof v === 'number' ? Number(v.toPrecision(6)) : String(v);
    }
    out.innerHTML = ''; out.appendChild(table);
  } catch (err) { out.innerHTML = ''; out.textContent = String(err); }
});
"""


def _field(col: ColumnSpec) -> str:
    name = escape(col.name, quote=True)
    attrs = f'name="{name}" data-column="{name}" id="col-{name}"'
    if col.categories is not None:
        # Non-text categories (a year) travel as JSON so 2007 stays a number.
        as_json = any(not isinstance(c, str) for c in col.categories)
        opts = "".join(
            f'<option value="{escape(json.dumps(c) if as_json else str(c), quote=True)}">{escape(str(c))}</option>'
            for c in col.categories
        )
        return f'<select {attrs} data-json="{int(as_json)}"><option value="">(missing)</option>{opts}</select>'
    if col.dtype == "boolean":
        return f'<select {attrs}><option value="">(missing)</option><option value="true">true</option><option value="false">false</option></select>'
    if col.dtype in ("number", "integer"):
        step = "1" if col.dtype == "integer" else "any"
        return f'<input type="number" step="{step}" {attrs}>'
    if col.dtype == "datetime":
        return f'<input type="datetime-local" step="1" {attrs}>'
    return f'<input type="text" {attrs}>'


def render_form(model: ServedModel, auth: bool) -> str:
    spec = model.input_spec
    rows = "\n".join(
        f"<label><span>{escape(c.name)} <small>({escape(c.dtype)})</small></span>{_field(c)}</label>"
        for c in spec.columns
    )
    token = (
        '<label><span>API token</span><input type="password" id="token" name="token" '
        'autocomplete="off" required></label>'
        if auth
        else ""
    )
    kinds = json.dumps({c.name: c.dtype for c in spec.columns}).replace("</", "<\\/")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(model.name)} · Knotwork</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>
<body><h1>{escape(model.name)}</h1><p class="meta">version {escape(model.version)} · fill in a row and press Predict</p>
<form id="row">{token}
{rows}
<button type="submit">Predict</button></form>
<div id="result" aria-live="polite"></div>
<script>{_SCRIPT % kinds}</script></body></html>"""
