// Search snippets mark matching words with <b>; everything else in them is text from the
// catalogue and must never become markup in the page.

const escapes = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text) {
  return String(text ?? '').replace(/[&<>"']/g, (character) => escapes[character]);
}

const entities = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'" };

/** The snippet as safe HTML: the index's own escaping undone once, everything escaped again,
 * then only `<b>` and `</b>` restored. */
export function safeSnippet(snippet) {
  const text = String(snippet ?? '').replace(/&(amp|lt|gt|quot|#39|#x27);/g, (entity) => entities[entity]);
  return escapeHtml(text).replaceAll('&lt;b&gt;', '<b>').replaceAll('&lt;/b&gt;', '</b>');
}
