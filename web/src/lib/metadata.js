// What the metadata form sends: only the fields that changed; keywords typed as a
// comma-separated list. Pure: tested with `node --test`.

export function splitKeywords(text) {
  return [...new Set(String(text ?? '').split(',').map((word) => word.trim()).filter(Boolean))];
}

export function metadataChange(initial, values) {
  const change = {};
  for (const [field, value] of Object.entries(values)) {
    if (field === 'keywords') {
      const before = splitKeywords(initial.keywords);
      const after = splitKeywords(value);
      if (before.join('\u0000') !== after.join('\u0000')) change.keywords = after;
    } else if (String(value ?? '').trim() !== String(initial[field] ?? '').trim()) {
      change[field] = String(value ?? '').trim();
    }
  }
  return change;
}
