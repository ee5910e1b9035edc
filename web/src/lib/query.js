// Builds regie query-language strings from what the desk's controls hold. Pure: tested with
// `node --test`.

/** A value as a term: quoted when it holds spaces or quotes. */
export function term(value) {
  const text = String(value).trim();
  return /[\s"()]/.test(text) ? `"${text.replaceAll('"', '')}"` : text;
}

/** The typed words plus one `field:value` per chosen facet value: several values of one field
 * are alternatives (`codec:h264 OR codec:prores`, one clause), different fields all apply. */
export function buildQuery(words, chosen) {
  const parts = [];
  const typed = String(words ?? '').trim();
  if (typed) parts.push(typed);
  for (const [field, values] of Object.entries(chosen ?? {})) {
    const list = [...values].filter((value) => String(value).trim());
    if (list.length === 1) parts.push(`${field}:${term(list[0])}`);
    else if (list.length > 1) parts.push(list.map((value) => `${field}:${term(value)}`).join(' OR '));
  }
  return parts.join(' ');
}

/** Search parameters for `GET /api/v1/search`. */
export function searchParams({ q, sort, cursor, limit = 50, facets = 'default' }) {
  const params = new URLSearchParams({ q, limit: String(limit) });
  if (facets) params.set('facets', facets);
  if (sort && sort !== 'relevance') params.set('sort', sort);
  if (cursor) params.set('cursor', cursor);
  return params;
}
