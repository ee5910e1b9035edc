// Routes in the URL's hash (`#/`, `#/assets/ID`, `#/search?q=...`), so the server serves one
// page and the browser's history works.

function parse() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = hash.split('?');
  return { path, params: new URLSearchParams(query) };
}

export const route = $state(parse());

window.addEventListener('hashchange', () => Object.assign(route, parse()));

export function navigate(path) {
  location.hash = path;
}
