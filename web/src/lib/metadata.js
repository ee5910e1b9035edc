// What the metadata form sends: only the fields that changed; keywords typed as a
// comma-separated list, contributors as `Name (role); Name`, house fields one `name: value` a
// line. Pure: tested with `node --test`.

export function splitKeywords(text) {
  return [...new Set(String(text ?? '').split(',').map((word) => word.trim()).filter(Boolean))];
}

/** `Anne Durand (editor); Paul Martin` → [{name, role}, {name}]. */
export function parseContributors(text) {
  return String(text ?? '')
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const match = /^(.*?)\s*\(([^()]*)\)\s*$/.exec(part);
      return match && match[1] ? { name: match[1].trim(), role: match[2].trim() || undefined } : { name: part };
    })
    .map((contributor) => (contributor.role ? contributor : { name: contributor.name }));
}

export function formatContributors(list) {
  return (list ?? []).map((contributor) => (contributor.role ? `${contributor.name} (${contributor.role})` : contributor.name)).join('; ');
}

/** `department: Rédaction` lines → {department: 'Rédaction'}. */
export function parseFields(text) {
  const fields = {};
  for (const line of String(text ?? '').split('\n')) {
    const at = line.indexOf(':');
    if (at > 0) fields[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return fields;
}

export function formatFields(fields) {
  return Object.entries(fields ?? {}).map(([name, value]) => `${name}: ${value}`).join('\n');
}

export function metadataChange(initial, values) {
  const change = {};
  for (const [field, value] of Object.entries(values)) {
    if (field === 'keywords') {
      const before = splitKeywords(initial.keywords);
      const after = splitKeywords(value);
      if (before.join('\u0000') !== after.join('\u0000')) change.keywords = after;
    } else if (field === 'contributors') {
      const after = parseContributors(value);
      if (JSON.stringify(parseContributors(initial.contributors)) !== JSON.stringify(after)) change.contributors = after;
    } else if (field === 'fields') {
      const before = parseFields(initial.fields);
      const after = parseFields(value);
      const changed = {};
      for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
        if ((before[name] ?? '') !== (after[name] ?? '')) changed[name] = after[name] ?? '';
      }
      if (Object.keys(changed).length) change.fields = changed;
    } else if (String(value ?? '').trim() !== String(initial[field] ?? '').trim()) {
      change[field] = String(value ?? '').trim();
    }
  }
  return change;
}
