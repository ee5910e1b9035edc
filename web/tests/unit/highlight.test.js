// Snippets from the catalogue cannot inject markup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeSnippet } from '../../src/lib/highlight.js';

test('only the highlight survives', () => {
  assert.equal(safeSnippet('le <b>journal</b> de 20h'), 'le <b>journal</b> de 20h');
  assert.equal(safeSnippet('<img src=x onerror=alert(1)> <b>x</b>'), '&lt;img src=x onerror=alert(1)&gt; <b>x</b>');
  assert.equal(safeSnippet(null), '');
  assert.equal(safeSnippet('Tom &amp; Jerry &lt;script&gt; <b>x</b>'), 'Tom &amp; Jerry &lt;script&gt; <b>x</b>');
});
