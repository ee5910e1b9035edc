// The upload client's states against a scripted server: created, sent in chunks, a connection
// broken mid-way resumed from the offset HEAD gives, paused, completed with the asset's ids.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Upload } from '../../src/lib/tus.js';

const store = new Map();
globalThis.localStorage = {
  getItem: (key) => (store.has(key) ? store.get(key) : null),
  setItem: (key, value) => store.set(key, String(value)),
  removeItem: (key) => store.delete(key),
};

/** A tus server in memory; `breakAt` makes the nth PATCH fail as a broken connection would. */
function server({ breakAt = 0 } = {}) {
  const state = { offset: 0, length: 0, patches: 0, created: 0 };
  globalThis.fetch = async (url, request) => {
    // Like a browser's fetch, an aborted signal stops the request.
    if (request.signal?.aborted) throw new DOMException('aborted', 'AbortError');
    const headers = request.headers ?? {};
    if (request.method === 'POST') {
      state.created += 1;
      state.length = Number(headers['upload-length']);
      return new Response(null, { status: 201, headers: { location: '/api/v1/uploads/abc' } });
    }
    if (request.method === 'HEAD') {
      return new Response(null, { status: 200, headers: { 'upload-offset': String(state.offset) } });
    }
    state.patches += 1;
    const body = new Uint8Array(await request.body.arrayBuffer());
    if (state.patches === breakAt) {
      state.offset += Math.floor(body.length / 2); // half arrived before the line broke
      throw new TypeError('network error');
    }
    assert.equal(Number(headers['upload-offset']), state.offset, 'the client sends from where the server stands');
    state.offset += body.length;
    const done = state.offset === state.length ? { 'regie-asset-id': 'A1', 'regie-house-id': 'NEWS-1' } : {};
    return new Response(null, { status: 204, headers: { 'upload-offset': String(state.offset), ...done } });
  };
  return state;
}

const file = (size) => new File([new Uint8Array(size).fill(7)], 'clip.wav', { lastModified: 1 });

beforeEach(() => store.clear());

test('a file is sent in chunks and ends with the asset it became', async () => {
  const state = server();
  const seen = [];
  const upload = new Upload(file(10), 'news', { chunkBytes: 4, onchange: (u) => seen.push(`${u.state}:${u.offset}`) });
  await upload.start();
  assert.equal(upload.state, 'done');
  assert.deepEqual(upload.outcome, { assetId: 'A1', houseId: 'NEWS-1' });
  assert.equal(state.patches, 3);
  assert.deepEqual(seen.filter((entry) => entry.startsWith('uploading')), ['uploading:0', 'uploading:4', 'uploading:8', 'uploading:10']);
  assert.equal(store.size, 0, 'a finished upload is forgotten');
});

test('a broken connection resumes from the offset the server holds', async () => {
  const state = server({ breakAt: 2 });
  const upload = new Upload(file(12), 'news', { chunkBytes: 4 });
  await upload.start();
  assert.equal(upload.state, 'done');
  assert.equal(state.offset, 12);
  assert.equal(state.created, 1, 'the same upload goes on, none is created again');
});

test('a paused upload goes on later from the same upload', async () => {
  const state = server();
  const upload = new Upload(file(8), 'news', { chunkBytes: 4 });
  const started = upload.start();
  upload.pause();
  await started;
  assert.equal(upload.state, 'paused');
  await upload.start();
  assert.equal(upload.state, 'done');
  assert.equal(state.created, 1);
});
