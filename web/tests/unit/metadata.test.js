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

test('contributors and house fields are typed as text and sent as data', async () => {
  const { parseContributors, formatContributors, parseFields } = await import('../../src/lib/metadata.js');
  assert.deepEqual(parseContributors('Anne Durand (editor); Paul Martin'), [{ name: 'Anne Durand', role: 'editor' }, { name: 'Paul Martin' }]);
  assert.equal(formatContributors([{ name: 'Anne', role: 'editor' }, { name: 'Paul' }]), 'Anne (editor); Paul');
  assert.deepEqual(parseFields('department: Rédaction\nbox: A12:3\n\nnonsense'), { department: 'Rédaction', box: 'A12:3' });
  const initial = { contributors: 'Anne', fields: 'department: Sport\nbox: A1' };
  assert.deepEqual(metadataChange(initial, { contributors: 'Anne; Paul (camera)', fields: 'department: News' }), {
    contributors: [{ name: 'Anne' }, { name: 'Paul', role: 'camera' }],
    fields: { department: 'News', box: '' },
  });
});
