// Measures the media desk in headless Chromium (see bench/web): prints one line per figure.
import { gzipSync } from 'node:zlib';
import { chromium } from '../web/node_modules/playwright-core/index.mjs';

const [base, assetId, runsText] = process.argv.slice(2);
const runs = Number(runsText) || 5;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function session() {
  // Tall enough for the first 50 cards to be on screen: posters load lazily, as they come into view.
  const context = await browser.newContext({ viewport: { width: 1280, height: 2600 }, locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(base);
  await page.getByLabel('Username').fill('bench');
  await page.getByLabel('Password').fill('benchmark password 1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.grid li').first().waitFor();
  return page;
}

// JavaScript on first load, measured on a fresh context (nothing cached).
const first = await browser.newContext();
const firstPage = await first.newPage();
let scriptBytes = 0;
firstPage.on('response', async (response) => {
  if (response.url().endsWith('.js')) scriptBytes += gzipSync(await response.body()).length;
});
await firstPage.goto(base, { waitUntil: 'networkidle' });
await first.close();

const grid = [];
const search = [];
const frame = [];
for (let run = 0; run < runs; run += 1) {
  const page = await session();
  let started = Date.now();
  await page.goto(`${base}/#/?run=${run}`);
  await page.reload();
  await page.waitForFunction(() => {
    const posters = [...document.querySelectorAll('.grid li img')].slice(0, 50);
    return posters.length === 50 && posters.every((image) => image.complete && image.naturalWidth > 0);
  });
  grid.push(Date.now() - started);

  await page.getByLabel('Search').fill('journal');
  started = Date.now();
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForFunction(() => /\d/.test(document.querySelector('.search-head p')?.textContent ?? '') &&
    document.querySelectorAll('.grid li').length > 0);
  search.push(Date.now() - started);

  await page.goto(`${base}/#/`);
  await page.locator('.grid li').first().waitFor();
  started = Date.now();
  await page.evaluate((id) => { location.hash = `/assets/${id}`; }, assetId);
  await page.waitForFunction(() => (document.querySelector('.player video')?.readyState ?? 0) >= 2);
  frame.push(Date.now() - started);
  await page.context().close();
}
await browser.close();
console.log(`navigation to 50 cards with their posters median ${median(grid)} ms   (runs: ${grid.join(', ')})`);
console.log(`search submit to results                   median ${median(search)} ms   (runs: ${search.join(', ')})`);
console.log(`click on an asset to its first video frame median ${median(frame)} ms   (runs: ${frame.join(', ')})`);
console.log(`JavaScript on first load                    ${(scriptBytes / 1024).toFixed(1)} KB gzip`);
