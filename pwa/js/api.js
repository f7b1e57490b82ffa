// Talks to the API with the Bearer token (kept in IndexedDB so the outbox can replay after reloads).
let token = null;
let onExpired = () => {};

export function setToken(value) { token = value; }
export function getToken() { return token; }
export function onSessionExpired(fn) { onExpired = fn; }

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message || code || `HTTP ${status}`);
    Object.assign(this, { status, code, details });
  }
}

// Low level: returns {status, code, message, data}; status 0 when the network failed. Never throws.
// `raw`: a file (a PDF, a spreadsheet) whose bytes come back as a Blob in `data`, its name in `filename`.
export async function send(method, path, { json, blob, contentType, signal, headers: extra, raw } = {}) {
  const headers = { Accept: 'application/json' };
  for (const [k, v] of Object.entries(extra || {})) if (v) headers[k] = v;
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (blob) { body = blob; headers['Content-Type'] = contentType || blob.type || 'application/octet-stream'; }
  else if (json !== undefined) { body = JSON.stringify(json); headers['Content-Type'] = 'application/json'; }
  let res;
  try {
    res = await fetch(path, { method, headers, body, signal, credentials: 'same-origin', cache: 'no-store' });
  } catch (err) {
    return { status: 0, code: 'network', message: String(err && err.message || err) };
  }
  let data = null;
  const type = res.headers.get('content-type') || '';
  let filename;
  if (raw && res.ok) {
    data = await res.blob();
    const cd = res.headers.get('content-disposition') || '';
    const m = /filename\*=UTF-8''([^;]+)/.exec(cd) || /filename="([^"]+)"/.exec(cd);
    if (m) filename = decodeURIComponent(m[1]);
  } else if (res.status !== 204 && type.includes('json')) {
    try { data = await res.json(); } catch { data = null; }
  }
  const out = { status: res.status, data, filename };
  if (!res.ok) {
    out.code = data?.code || 'http_' + res.status;
    out.message = data?.message || res.statusText;
    out.details = data?.details;
    // 503 and 429 say when to come back; the outbox waits at least that long.
    const retryAfter = res.headers.get('Retry-After');
    if (retryAfter) out.retryAfter = retryAfter;
    if (res.status === 401 && token) onExpired(out);
  }
  return out;
}

export function query(path, params) {
  const q = Object.entries(params || {}).filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return q ? `${path}?${q}` : path;
}
