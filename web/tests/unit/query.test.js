// Building queries from the search field and the facets chosen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildQuery, searchParams, term } from '../../src/lib/query.js';

test('facet values become field clauses, alternatives within a field', () => {
  assert.equal(buildQuery('journal', {}), 'journal');
  assert.equal(buildQuery('journal', { codec: ['h264'] }), 'journal codec:h264');
  assert.equal(buildQuery('', { codec: ['h264', 'prores'], collection: ['news/2026'] }),
    'codec:h264 OR codec:prores collection:news/2026');
  assert.equal(buildQuery('  ', {}), '');
});

test('values with spaces are quoted and quotes cannot break out', () => {
  assert.equal(term('Le Journal'), '"Le Journal"');
  assert.equal(term('a"b c'), '"ab c"');
});

test('search parameters carry the sort and cursor only when set', () => {
  assert.equal(searchParams({ q: 'x' }).toString(), 'q=x&limit=50&facets=default');
  assert.equal(searchParams({ q: 'x', sort: 'date', cursor: 'abc', facets: '' }).toString(), 'q=x&limit=50&sort=date&cursor=abc');
});
