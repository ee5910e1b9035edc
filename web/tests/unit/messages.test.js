// The two interface languages stay complete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messages, languageFor, translate } from '../../src/lib/messages.js';

test('every key exists in English and French', () => {
  assert.deepEqual(Object.keys(messages.fr).sort(), Object.keys(messages.en).sort());
});

test('the browser language chooses, English by default', () => {
  assert.equal(languageFor('fr-CA'), 'fr');
  assert.equal(languageFor('en-GB'), 'en');
  assert.equal(languageFor('de'), 'en');
  assert.equal(languageFor(undefined), 'en');
});

test('placeholders are filled', () => {
  assert.equal(translate('fr', 'search.results', { count: 3 }), '3 résultats');
  assert.equal(translate('en', 'signin.username'), 'Username');
});
