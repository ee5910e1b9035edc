// The API from the browser: same origin, the session cookie, and the session's CSRF token on
// every change. Errors carry the API's `{code, message}` so pages show its words.

const CSRF_KEY = 'regie.csrf';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const request = { method, headers: { ...headers }, credentials: 'same-origin' };
  if (body !== undefined) {
    request.headers['content-type'] = 'application/json';
    request.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = localStorage.getItem(CSRF_KEY);
    if (csrf) request.headers['x-csrf-token'] = csrf;
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}`, request);
  } catch {
    throw new ApiError(0, 'network', '');
  }
  if (response.status === 204) return null;
  const text = await response.text();
  const data = text ? safeJson(text) : null;
  if (!response.ok) {
    throw new ApiError(response.status, data?.code ?? 'error', data?.message ?? `HTTP ${response.status}`);
  }
  return data;
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

export async function signIn(username, password) {
  const session = await api('/auth/session', { method: 'POST', body: { username, password } });
  localStorage.setItem(CSRF_KEY, session.csrf_token);
  return api('/auth/me');
}

export async function signOut() {
  try {
    await api('/auth/session', { method: 'DELETE' });
  } finally {
    localStorage.removeItem(CSRF_KEY);
  }
}

/** The URL of an asset's file (`proxy`, `poster`, `original`...) for media elements and links. */
export function fileUrl(assetId, role) {
  return `/api/v1/assets/${encodeURIComponent(assetId)}/files/${encodeURIComponent(role)}`;
}
