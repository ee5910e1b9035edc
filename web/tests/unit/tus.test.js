// The upload client's pure parts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uploadMetadata, fingerprint, nextChunk } from '../../src/lib/tus.js';

test('metadata values are UTF-8 then base64, empty ones left out', () => {
  assert.equal(uploadMetadata({ filename: 'Journal été.wav', collection: 'news' }), 'filename Sm91cm5hbCDDqXTDqS53YXY=,collection bmV3cw==');
  assert.equal(uploadMetadata({ filename: 'a', collection: '' }), 'filename YQ==');
});

test('chunks never pass the end of the file', () => {
  assert.deepEqual(nextChunk(0, 10, 4), [0, 4]);
  assert.deepEqual(nextChunk(8, 10, 4), [8, 10]);
  assert.deepEqual(nextChunk(0, 0, 4), [0, 0]);
});

test('a file is known again by its name, size, date and collection', () => {
  const file = { name: 'a.mxf', size: 3, lastModified: 7 };
  assert.equal(fingerprint(file, 'news'), 'regie.upload:news:a.mxf:3:7');
  assert.notEqual(fingerprint(file, 'news'), fingerprint(file, 'sport'));
});
