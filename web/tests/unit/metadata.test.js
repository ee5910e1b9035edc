// The metadata form sends only what changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metadataChange, splitKeywords } from '../../src/lib/metadata.js';

test('only changed fields are sent, an emptied field is sent empty', () => {
  const initial = { title: 'Old', series: 'News', keywords: 'a, b' };
  assert.deepEqual(metadataChange(initial, { title: 'New ', series: 'News', keywords: 'a, b' }), { title: 'New' });
  assert.deepEqual(metadataChange(initial, { title: 'Old', series: '', keywords: 'b,a' }), { series: '', keywords: ['b', 'a'] });
  assert.deepEqual(metadataChange(initial, { ...initial }), {});
});

test('keywords are split, trimmed and kept once', () => {
  assert.deepEqual(splitKeywords(' météo, sport,,météo '), ['météo', 'sport']);
});
