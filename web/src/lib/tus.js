// A tus 1.0 client for the desk's uploads: create, send in chunks, resume from the offset the
// server holds after a broken connection (HEAD), pause and go on. The pure parts (metadata,
// fingerprints, chunk plans) are tested with `node --test`; the rest speaks to /api/v1/uploads.

export const DEFAULT_CHUNK = 8 * 1024 * 1024;
const TUS = { 'tus-resumable': '1.0.0' };
const RETRIES = 5;

/** `Upload-Metadata`: `key base64(value)` pairs, UTF-8 encoded. */
export function uploadMetadata(values) {
  return Object.entries(values)
    .filter(([, value]) => value != null && value !== '')
    .map(([key, value]) => `${key} ${base64(new TextEncoder().encode(String(value)))}`)
    .join(',');
}

function base64(bytes) {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** What identifies a file across page loads, to resume its upload. */
export function fingerprint(file, collection) {
  return `regie.upload:${collection}:${file.name}:${file.size}:${file.lastModified}`;
}

/** The next chunk to send from `offset`: [start, end). */
export function nextChunk(offset, size, chunkBytes) {
  return [offset, Math.min(size, offset + Math.max(1, chunkBytes))];
}

function csrf() {
  const token = localStorage.getItem('regie.csrf');
  return token ? { 'x-csrf-token': token } : {};
}

async function failure(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    return Object.assign(new Error(body.message ?? `HTTP ${response.status}`), { status: response.status, code: body.code });
  } catch {
    return Object.assign(new Error(text || `HTTP ${response.status}`), { status: response.status });
  }
}

/** One file's upload. `onchange` hears every change of `state`, `offset` and `outcome`. */
export class Upload {
  constructor(file, collection, { onchange = () => {}, chunkBytes = DEFAULT_CHUNK } = {}) {
    this.file = file;
    this.collection = collection;
    this.onchange = onchange;
    this.chunkBytes = chunkBytes;
    this.offset = 0;
    this.state = 'waiting'; // waiting, uploading, paused, done, failed
    this.outcome = null; // { assetId, houseId } or { error }
    this.location = localStorage.getItem(fingerprint(file, collection));
    this.controller = null;
  }

  changed(fields) {
    Object.assign(this, fields);
    this.onchange(this);
  }

  pause() {
    this.controller?.abort();
    if (this.state === 'uploading') this.changed({ state: 'paused' });
  }

  async start() {
    if (this.state === 'done' || this.state === 'uploading') return;
    // A paused or failed upload starts again from the offset the server holds.
    this.changed({ state: 'uploading', outcome: null });
    this.controller = new AbortController();
    const signal = this.controller.signal;
    let attempts = 0;
    try {
      if (!this.location) await this.create(signal);
      else this.changed({ offset: await this.serverOffset(signal) });
      while (this.offset < this.file.size || this.file.size === 0) {
        try {
          const done = await this.sendChunk(signal);
          attempts = 0;
          if (done) return;
        } catch (error) {
          if (signal.aborted) throw error;
          if (error.status && error.status < 500 && error.status !== 409 && error.status !== 423) throw error;
          attempts += 1;
          if (attempts > RETRIES) throw error;
          // A broken connection: wait a little, ask where the server stands, go on from there.
          await new Promise((done) => setTimeout(done, 300 * 2 ** attempts));
          this.changed({ offset: await this.serverOffset(signal) });
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      this.changed({ state: 'failed', outcome: { error: error.message, code: error.code } });
    }
  }

  async create(signal) {
    const response = await fetch('/api/v1/uploads', {
      method: 'POST',
      signal,
      credentials: 'same-origin',
      headers: {
        ...TUS,
        ...csrf(),
        'upload-length': String(this.file.size),
        'upload-metadata': uploadMetadata({ filename: this.file.name, collection: this.collection }),
      },
    });
    if (response.status !== 201) throw await failure(response);
    this.location = response.headers.get('location');
    localStorage.setItem(fingerprint(this.file, this.collection), this.location);
  }

  async serverOffset(signal) {
    const response = await fetch(this.location, { method: 'HEAD', signal, credentials: 'same-origin', headers: TUS });
    if (response.status === 404) {
      // The server forgot it (collected after a week): start again.
      localStorage.removeItem(fingerprint(this.file, this.collection));
      this.location = null;
      await this.create(signal);
      return 0;
    }
    if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status });
    const assetId = response.headers.get('regie-asset-id');
    if (assetId) this.finish(assetId, null);
    return Number(response.headers.get('upload-offset') ?? 0);
  }

  /** Sends the next chunk; true once the upload is complete (or found complete). */
  async sendChunk(signal) {
    if (this.state === 'done') return true;
    const [start, end] = nextChunk(this.offset, this.file.size, this.chunkBytes);
    const response = await fetch(this.location, {
      method: 'PATCH',
      signal,
      credentials: 'same-origin',
      headers: { ...TUS, ...csrf(), 'content-type': 'application/offset+octet-stream', 'upload-offset': String(start) },
      body: this.file.slice(start, end),
    });
    if (response.status !== 204) throw await failure(response);
    const offset = Number(response.headers.get('upload-offset'));
    this.changed({ offset });
    if (offset >= this.file.size) {
      this.finish(response.headers.get('regie-asset-id'), response.headers.get('regie-house-id'));
      return true;
    }
    return false;
  }

  finish(assetId, houseId) {
    localStorage.removeItem(fingerprint(this.file, this.collection));
    this.changed({ state: 'done', offset: this.file.size, outcome: { assetId, houseId } });
  }
}
