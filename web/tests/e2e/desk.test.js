// The media desk end to end: a real `regie serve` on its own data folder (media made with ffmpeg
// here), driven in Debian's headless Chromium by playwright-core. Screenshots of the main pages
// go to $REGIE_WEB_ARTIFACTS (default: web/test-output/, ignored by git).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const regie = resolve(process.env.REGIE_BIN ?? new URL('../../../target/debug/regie', import.meta.url).pathname);
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const folder = mkdtempSync(join(tmpdir(), 'regie-desk-'));
const data = join(folder, 'data');
const artifacts = resolve(process.env.REGIE_WEB_ARTIFACTS ?? new URL('../../test-output', import.meta.url).pathname);
const PASSWORD = 'correct horse battery staple';

let server;
let base;
let browser;
let eveningId;

function run(args, input) {
  const result = spawnSync(regie, ['--data', data, ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, REGIE_JOBS_PREVIEWS_AT_INGEST: '1' },
  });
  assert.equal(result.status, 0, `regie ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

function ffmpeg(args) {
  const result = spawnSync('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  const news = join(folder, 'news');
  const sport = join(folder, 'sport');
  mkdirSync(news);
  mkdirSync(sport);
  // Video whose frame number is its colour (base-5 digits in R, G and B), at 25 fps, starting
  // at timecode 10:00:00:00: the test reads the picture on screen to know which frame it is.
  const colour = "r='15+60*mod(N,5)':g='15+60*mod(floor(N/5),5)':b='15+60*mod(floor(N/25),5)'";
  ffmpeg(['-f', 'lavfi', '-i', `color=c=black:s=320x180:r=25:d=4,format=rgb24,geq=${colour}`,
    '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=48000', '-t', '4', '-c:v', 'libx264', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-timecode', '10:00:00:00', join(news, 'evening_news.mp4')]);
  writeFileSync(join(news, 'evening_news.json'), JSON.stringify({ title: 'Journal du soir', keywords: ['météo'] }));
  writeFileSync(join(news, 'evening_news.srt'), '1\n00:00:02,000 --> 00:00:03,000\nLa tempête arrive sur la côte\n');
  ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '2', '-c:a', 'pcm_s16le', join(news, 'voice_over.wav')]);
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', join(sport, 'match.mp4')]);
  const outbox = join(folder, 'outbox');
  mkdirSync(outbox);
  for (const [name, frequency] of [['interview.wav', 300], ['ambience.wav', 700]]) {
    ffmpeg(['-f', 'lavfi', '-i', `sine=frequency=${frequency}:sample_rate=48000`, '-t', '2', '-ac', '2', '-c:a', 'pcm_s16le', join(outbox, name)]);
  }
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'regie.toml'), '[policies]\n"news" = ["xdcamhd50-playout"]\n');
  run(['ingest', '--collection', 'news/2026', news]);
  run(['ingest', '--collection', 'sport', sport]);
  const listed = JSON.parse(run(['assets', 'list', '--json']));
  const evening = listed.find((asset) => asset.name === 'evening_news.mp4');
  eveningId = evening.id;
  run(['transcode', evening.id, '--profile', 'web-ladder']);
  run(['transcode', evening.id, '--profile', 'web-ladder-av1']);
  run(['transcode', evening.id, '--profile', 'web-ladder-hevc']);
  // Protected ladders: CENC (DASH, ClearKey) and HLS AES-128, keys served by the API.
  mkdirSync(join(data, 'profiles'), { recursive: true });
  const ladder = 'container = "cmaf"\nspeed = "fast"\nsegment_seconds = 2\n[video]\ncodec = "h264"\ngop_seconds = 2\n'
    + '[[video.rung]]\nheight = 180\nbitrate_kbps = 400\n[audio]\ncodec = "aac"\nchannels = 2\nbitrate_kbps = 96\n';
  for (const [name, scheme] of [['secure-dash', 'cenc'], ['secure-hls', 'aes-128']]) {
    writeFileSync(join(data, 'profiles', `${name}.toml`), `name = "${name}"\nencryption = "${scheme}"\n${ladder}`);
    run(['transcode', evening.id, '--profile', name]);
  }
  run(['worker', '--until-idle']);
  run(['users', 'add', 'anne', '--role', 'admin', '--password-stdin'], `${PASSWORD}\n`);
  run(['users', 'add', 'val', '--role', 'viewer', '--password-stdin'], `${PASSWORD}\n`);
  run(['grants', 'add', '--collection', 'news', '--to', 'user:val', '--role', 'viewer']);

  server = spawn(regie, ['--data', data, 'serve', '--listen', '127.0.0.1:0', '--workers', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((done) => createInterface({ input: server.stdout }).once('line', done));
  base = line.replace('listening on ', '').trim();
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'] });
});

after(async () => {
  await browser?.close();
  server?.kill();
  rmSync(folder, { recursive: true, force: true });
});

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Serious and critical accessibility violations on the page (axe-core), as readable lines. */
async function accessibilityProblems(page) {
  await page.evaluate(axeSource);
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations
    .filter((violation) => ['serious', 'critical'].includes(violation.impact))
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

/** The frame on screen, read from the picture's colour (see the fixture). */
async function frameOnScreen(page) {
  await page.waitForFunction(() => !document.querySelector('.player video')?.seeking);
  // Let the compositor present the frame the seek decoded.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  return page.evaluate(() => {
    const video = document.querySelector('.player video');
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const context = canvas.getContext('2d');
    context.drawImage(video, 0, 0);
    const [r, g, b] = context.getImageData(canvas.width / 2, canvas.height / 2, 1, 1).data;
    const digit = (value) => Math.max(0, Math.min(4, Math.round((value - 15) / 60)));
    return digit(r) + 5 * digit(g) + 25 * digit(b);
  });
}

/**
 * Loads the reference players (hls.js, dash.js) into the page, served as if from the desk's
 * origin: its policy allows only its own scripts, no inline code.
 */
async function withReferencePlayers(page) {
  const require = createRequire(import.meta.url);
  const players = {
    'hls.min.js': require.resolve('hls.js/dist/hls.min.js'),
    'dash.all.min.js': require.resolve('dashjs'), // its UMD build (the "require" export)
  };
  await page.route(`${base}/test-players/*`, (route) =>
    route.fulfill({ path: players[new URL(route.request().url()).pathname.split('/').pop()], contentType: 'text/javascript' }));
  for (const name of Object.keys(players)) {
    await page.addScriptTag({ url: `${base}/test-players/${name}` });
  }
}

/** Plays a clear ladder of `folder` in a new video element with `player` (hls.js or dash.js). */
async function playLadder(page, player, folder) {
  return page.evaluate(async ({ player, folder }) => {
    const video = document.createElement('video');
    video.muted = true;
    document.body.append(video);
    if (player === 'hls.js') {
      const hls = new window.Hls({ enableWorker: false }); // as the desk: its CSP allows no blob: worker
      hls.loadSource(`${folder}/master.m3u8`);
      hls.attachMedia(video);
    } else {
      window.dashjs.MediaPlayer().create().initialize(video, `${folder}/manifest.mpd`, false);
    }
    await new Promise((done, failed) => {
      video.addEventListener('canplay', done, { once: true });
      setTimeout(() => failed(new Error(`${player}: no picture after 15 s`)), 15000);
    });
    await video.play();
    await new Promise((done) => {
      const check = () => (video.currentTime > 0.5 ? done() : setTimeout(check, 50));
      check();
    });
    const quality = video.getVideoPlaybackQuality();
    video.remove();
    return { width: video.videoWidth, decoded: quality.totalVideoFrames };
  }, { player, folder });
}

async function signedIn(user, locale = 'en-US') {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale });
  const page = await context.newPage();
  await page.goto(base);
  await page.getByLabel(locale.startsWith('fr') ? "Nom d'utilisateur" : 'Username').fill(user);
  await page.getByLabel(locale.startsWith('fr') ? 'Mot de passe' : 'Password').fill(PASSWORD);
  await page.getByRole('button', { name: locale.startsWith('fr') ? 'Se connecter' : 'Sign in' }).click();
  await page.locator('.grid li').first().waitFor();
  return page;
}

test('the main pages have no serious accessibility violation', async () => {
  const signIn = await browser.newPage();
  await signIn.goto(base);
  await signIn.getByLabel('Username').waitFor();
  assert.deepEqual(await accessibilityProblems(signIn), [], 'sign-in page');
  await signIn.close();
  const page = await signedIn('anne');
  assert.deepEqual(await accessibilityProblems(page), [], 'asset grid');
  await page.getByRole('button', { name: /evening_news\.mp4/ }).click();
  await page.locator('.player video').waitFor();
  assert.deepEqual(await accessibilityProblems(page), [], 'asset page');
  await page.getByRole('link', { name: 'Upload' }).click();
  await page.getByLabel('Into the collection').waitFor();
  assert.deepEqual(await accessibilityProblems(page), [], 'upload page');
  await page.getByRole('link', { name: 'Jobs' }).click();
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  assert.deepEqual(await accessibilityProblems(page), [], 'jobs page');
  await page.getByRole('link', { name: 'Administration' }).click();
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  assert.deepEqual(await accessibilityProblems(page), [], 'administration page');
  await page.context().close();
});

test('a wrong password is refused in words', async () => {
  const page = await browser.newPage();
  await page.goto(base);
  await page.getByLabel('Username').fill('anne');
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await assert.doesNotReject(page.getByRole('alert').filter({ hasText: 'wrong user name or password' }).waitFor());
  await page.close();
});

test('an administrator browses every collection and opens an asset', async () => {
  const page = await signedIn('anne');
  await page.waitForFunction(() => document.querySelectorAll('.grid li').length === 3);
  await page.screenshot({ path: join(artifacts, 'grid.png') });
  // Duration and policy badges on the cards.
  const card = page.getByRole('button', { name: /evening_news\.mp4/ });
  await card.getByText('0:04').waitFor();
  await card.getByText('policies failed: 1').waitFor();
  await page.getByRole('link', { name: 'sport' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.grid li').length === 1);
  await page.getByRole('link', { name: 'All assets' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.grid li').length === 3);
  await page.getByRole('button', { name: /evening_news\.mp4/ }).click();
  await page.locator('.player video').waitFor();
  // The collection's policy verdict opens to its full report; the subtitle file is listed.
  await page.getByText('xdcamhd50-playout: failed').click();
  await page.locator('.report tr.failed').first().waitFor();
  await page.getByText('evening_news.srt').waitFor();
  // A check on demand against another policy, its report shown rule by rule.
  await page.getByLabel('Policy', { exact: true }).selectOption('ebu-r128');
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'ebu-r128:' }).waitFor({ timeout: 20000 });
  await page.screenshot({ path: join(artifacts, 'asset.png'), fullPage: true });
  await page.context().close();
});

test('the player starts at the source timecode, plays, and steps frame by frame', async () => {
  const page = await signedIn('anne');
  await page.getByRole('button', { name: /evening_news\.mp4/ }).click();
  const timecode = page.getByLabel('Timecode');
  await page.waitForFunction(() => (document.querySelector('.player video')?.readyState ?? 0) >= 2);
  assert.equal(await timecode.textContent(), '10:00:00:00');
  await page.getByRole('button', { name: 'Play' }).click();
  await page.waitForFunction(() => document.querySelector('.timecode')?.textContent !== '10:00:00:00', null, { timeout: 10000 });
  // The tone moves the audio meters.
  await page.waitForFunction(() => [...document.querySelectorAll('.meter')].some((meter) => Number(meter.dataset.level) > -40), null, { timeout: 10000 });
  await page.getByRole('button', { name: 'Pause' }).click();
  // The play is recorded for anne's recommendations.
  await page.waitForFunction(async () => {
    const response = await fetch('/api/v1/recommendations', { credentials: 'same-origin' });
    return response.ok && (await response.json()).history >= 1;
  }, null, { timeout: 10000 });
  await page.getByRole('button', { name: 'Previous frame' }).click();
  await page.getByRole('button', { name: 'Previous frame' }).click();
  // Back to the first frame, then three frames forward with the arrow key.
  await page.evaluate(() => {
    const video = document.querySelector('.player video');
    video.currentTime = 0.02;
  });
  await page.waitForFunction(() => document.querySelector('.timecode')?.dataset.frame === '0');
  assert.equal(await frameOnScreen(page), 0);
  // One frame per key press, each once the picture has settled (a press during a seek may be
  // lost: seen once in CI under load).
  for (let step = 1; step <= 3; step += 1) {
    await page.waitForFunction(() => !document.querySelector('.player video')?.seeking);
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((frame) => document.querySelector('.timecode')?.dataset.frame === String(frame), step);
  }
  await page.waitForFunction(() => !document.querySelector('.player video')?.seeking);
  assert.equal(await timecode.textContent(), '10:00:00:03');
  assert.equal(await frameOnScreen(page), 3, 'the picture on screen is the frame the timecode names');
  for (const target of [37, 80, 12]) {
    await page.evaluate((frame) => { document.querySelector('.player video').currentTime = (frame + 0.5) / 25; }, target);
    await page.waitForFunction((frame) => document.querySelector('.timecode')?.dataset.frame === String(frame), target);
    await page.waitForFunction(() => !document.querySelector('.player video')?.seeking);
    assert.equal(await frameOnScreen(page), target, `after a seek to frame ${target}`);
  }
  // The timeline: storyboard thumbnails on hover, the waveform under it, and a position slider.
  await page.locator('.timeline .waveform rect').first().waitFor();
  const timeline = await page.locator('.timeline').boundingBox();
  await page.mouse.move(timeline.x + timeline.width * 0.6, timeline.y + timeline.height / 2);
  await page.locator('.timeline .thumb').waitFor();
  await page.mouse.move(timeline.x, timeline.y - 200);
  await page.getByLabel('Position').fill('12');
  await page.waitForFunction(() => document.querySelector('.timecode')?.dataset.frame === '12');
  await page.getByRole('button', { name: 'Previous frame' }).click();
  await page.waitForFunction(() => document.querySelector('.timecode')?.dataset.frame === '11');
  await page.waitForFunction(() => !document.querySelector('.player video')?.seeking);
  assert.equal(await frameOnScreen(page), 11);
  assert.equal(await timecode.textContent(), '10:00:00:11');
  await page.context().close();
});

test('the HLS ladder plays in the same player through hls.js', async () => {
  const page = await signedIn('anne');
  await page.getByRole('button', { name: /evening_news\.mp4/ }).click();
  await page.waitForFunction(() => (document.querySelector('.player video')?.readyState ?? 0) >= 2);
  await page.getByLabel('Source').selectOption('ladder');
  await page.waitForFunction(() => (document.querySelector('.player video')?.src ?? '').startsWith('blob:'));
  await page.waitForFunction(() => (document.querySelector('.player video')?.readyState ?? 0) >= 2, null, { timeout: 15000 });
  await page.getByRole('button', { name: 'Play' }).click();
  await page.waitForFunction(() => (document.querySelector('.player video')?.currentTime ?? 0) > 0.5, null, { timeout: 15000 });
  await page.context().close();
});

test('the AV1 ladder plays through hls.js and through dash.js, fetched with the session', async () => {
  const page = await signedIn('anne');
  await withReferencePlayers(page);
  const folder = `/api/v1/assets/${encodeURIComponent(eveningId)}/renditions/web-ladder-av1`;
  for (const player of ['hls.js', 'dash.js']) {
    const played = await playLadder(page, player, folder);
    assert.ok(played.width > 0 && played.decoded > 0, `${player} decoded AV1 frames: ${JSON.stringify(played)}`);
  }
  await page.context().close();
});

test('the HEVC ladder plays through hls.js and dash.js where the browser decodes HEVC', async (t) => {
  const page = await signedIn('anne');
  const folder = `/api/v1/assets/${encodeURIComponent(eveningId)}/renditions/web-ladder-hevc`;
  const master = await page.evaluate(async (url) => (await fetch(url)).text(), `${folder}/master.m3u8`);
  const codecs = master.match(/CODECS="(hvc1[^,"]*)/)?.[1];
  assert.ok(codecs, `the master playlist names the HEVC codec: ${master}`);
  const decodes = await page.evaluate((codec) => MediaSource.isTypeSupported(`video/mp4; codecs="${codec}"`), codecs);
  if (!decodes) {
    // Chromium on Linux decodes HEVC only in hardware (no software decoder is built in), and
    // this machine has none: the ladder is checked by probing in the Rust tests.
    t.skip(`this Chromium cannot decode ${codecs}`);
    await page.context().close();
    return;
  }
  await withReferencePlayers(page);
  for (const player of ['hls.js', 'dash.js']) {
    const played = await playLadder(page, player, folder);
    assert.ok(played.width > 0 && played.decoded > 0, `${player} decoded HEVC frames: ${JSON.stringify(played)}`);
  }
  await page.context().close();
});

test('protected ladders play with the key from the API: hls.js (AES-128) and dash.js (CENC, ClearKey), not without it', async () => {
  const page = await signedIn('anne');
  await withReferencePlayers(page);
  const said = [];
  page.on('console', (message) => said.push(message.text()));
  const keyRequests = [];
  page.on('request', (request) => {
    if (request.url().includes('/api/v1/keys/')) keyRequests.push(`${request.method()} ${new URL(request.url()).pathname}`);
  });
  const assets = `/api/v1/assets/${encodeURIComponent(eveningId)}/renditions`;
  for (const [player, manifest] of [['hls.js', `${assets}/secure-hls/master.m3u8`], ['dash.js', `${assets}/secure-dash/manifest.mpd`]]) {
    const played = await page.evaluate(async ({ player, manifest }) => {
      const video = document.createElement('video');
      video.muted = true;
      document.body.append(video);
      video.addEventListener('error', () => console.error(`video: ${video.error?.message}`));
      const state = () => {
        const buffered = Array.from({ length: video.buffered.length }, (_, i) => `${video.buffered.start(i).toFixed(2)}-${video.buffered.end(i).toFixed(2)}`);
        return `readyState ${video.readyState}, networkState ${video.networkState}, at ${video.currentTime.toFixed(2)} s, buffered [${buffered}]`;
      };
      const failure = new Promise((_, failed) => setTimeout(() => failed(new Error(`${player}: no picture after 30 s (${state()})`)), 30000));
      if (player === 'hls.js') {
        const hls = new window.Hls({ enableWorker: false }); // as the desk: its CSP allows no blob: worker
        hls.on(window.Hls.Events.ERROR, (_, data) => console.error(`hls.js${data.fatal ? ' (fatal)' : ''}: ${data.details}`));
        hls.loadSource(manifest);
        hls.attachMedia(video);
      } else {
        const dash = window.dashjs.MediaPlayer().create();
        dash.initialize();
        dash.on(window.dashjs.MediaPlayer.events.ERROR, (event) => console.error(`dash.js: ${JSON.stringify(event.error)}`));
        // The key id from the manifest; the key from the API's key endpoint, with the session.
        const mpd = await (await fetch(manifest)).text();
        const kid = mpd.match(/cenc:default_KID="([^"]+)"/)[1].replace(/-/g, '');
        const answer = await fetch(`/api/v1/keys/${kid}`);
        if (!answer.ok) throw new Error(`the key endpoint answered ${answer.status}`);
        const key = new Uint8Array(await answer.arrayBuffer());
        const base64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/=/g, '').replace(/\+/g, '-').replace(/\//g, '_');
        const kidBytes = new Uint8Array(kid.match(/../g).map((pair) => parseInt(pair, 16)));
        dash.setProtectionData({ 'org.w3.clearkey': { clearkeys: { [base64url(kidBytes)]: base64url(key) } } });
        dash.attachView(video);
        dash.attachSource(manifest);
      }
      await Promise.race([new Promise((done) => video.addEventListener('canplay', done, { once: true })), failure]);
      await video.play();
      await Promise.race([new Promise((done) => {
        const check = () => (video.currentTime > 0.5 ? done() : setTimeout(check, 50));
        check();
      }), failure]);
      const quality = video.getVideoPlaybackQuality();
      video.remove();
      return { width: video.videoWidth, decoded: quality.totalVideoFrames };
    }, { player, manifest }).catch((error) => assert.fail(`${error.message}; the page said: ${said.join(' | ')}`));
    assert.ok(played.width > 0 && played.decoded > 0, `${player} decoded protected frames: ${JSON.stringify(played)}`);
  }
  assert.ok(keyRequests.some((line) => line.startsWith('GET /api/v1/keys/')), `hls.js asked for its key: ${keyRequests}`);
  assert.equal(keyRequests.filter((line) => line.startsWith('GET /api/v1/keys/')).length, 2, `one key each: ${keyRequests}`);
  // Signed out, the same key URL is refused: a copied segment URL and playlist are useless.
  const refused = await page.evaluate(async (manifest) => {
    const playlist = await (await fetch(manifest.replace('master.m3u8', 'media_0.m3u8'))).text();
    const uri = playlist.match(/#EXT-X-KEY:.*URI="([^"]+)"/)[1];
    await fetch('/api/v1/auth/session', { method: 'DELETE', headers: { 'x-csrf-token': localStorage.getItem('regie.csrf') ?? '' } });
    return (await fetch(uri)).status;
  }, `${assets}/secure-hls/master.m3u8`);
  assert.equal(refused, 401);
  await page.context().close();
});

test('a subtitle word finds the asset and opens the player at its moment', async () => {
  const page = await signedIn('anne');
  await page.getByLabel('Search').fill('tempête');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByText('1 results').waitFor();
  await page.screenshot({ path: join(artifacts, 'search.png') });
  await page.locator('.grid li button').first().click();
  await page.waitForFunction(() => (document.querySelector('.player video')?.readyState ?? 0) >= 1);
  await page.waitForFunction(() => Number(document.querySelector('.timecode')?.dataset.frame) >= 50, null, { timeout: 10000 });
  await page.context().close();
});

test('tags added on the asset page are kept and found', async () => {
  const page = await signedIn('anne');
  await page.getByRole('button', { name: /voice_over\.wav/ }).click();
  await page.getByLabel('Add a tag').fill('urgent');
  await page.getByLabel('Add a tag').press('Enter');
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await page.reload();
  await page.locator('.tags li', { hasText: 'urgent' }).waitFor();
  await page.context().close();
});

test('metadata edited on the asset page is kept, found by search, and a refused save keeps the form', async () => {
  const page = await signedIn('anne');
  await page.getByRole('button', { name: /voice_over\.wav/ }).click();
  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByLabel('Title').fill('Bulletin du matin');
  await page.getByLabel('Air date').fill('2026-13-45');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('alert').filter({ hasText: 'air date' }).waitFor();
  assert.equal(await page.getByLabel('Title').inputValue(), 'Bulletin du matin', 'nothing typed is lost');
  await page.getByLabel('Air date').fill('2026-11-29');
  await page.getByLabel(/^Contributors/).fill('Anne Durand (editor); Paul Martin');
  await page.getByLabel(/^House fields/).fill('department: Rédaction');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: /Bulletin du matin/ }).waitFor();
  await page.getByText('Anne Durand, Paul Martin').waitFor();
  await page.getByText('department: Rédaction').waitFor();
  await page.getByLabel('Search').fill('bulletin');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByText('1 results').waitFor();
  await page.context().close();
});

test('two files upload, one through a broken connection, and both are ingested', async () => {
  const page = await signedIn('anne');
  await page.evaluate(() => localStorage.setItem('regie.upload.chunkBytes', String(64 * 1024)));
  let patches = 0;
  let broken = false;
  await page.route('**/api/v1/uploads/*', (route) => {
    if (route.request().method() === 'PATCH' && (patches += 1) === 2) {
      broken = true;
      return route.abort('connectionreset');
    }
    return route.continue();
  });
  await page.getByRole('link', { name: 'Upload' }).click();
  await page.getByLabel('Into the collection').fill('news/uploads');
  await page.locator('input[type=file]:not([webkitdirectory])').setInputFiles([
    join(folder, 'outbox', 'interview.wav'),
    join(folder, 'outbox', 'ambience.wav'),
  ]);
  for (const name of ['interview.wav', 'ambience.wav']) {
    await page.locator(`.uploads li[data-name="${name}"].done`).waitFor({ timeout: 30000 });
  }
  assert.ok(broken, 'a connection was broken on the way');
  await page.screenshot({ path: join(artifacts, 'upload.png') });
  const listed = await page.evaluate(async () => (await (await fetch('/api/v1/assets?collection=news/uploads')).json()).items.map((item) => item.name).sort());
  assert.deepEqual(listed, ['ambience.wav', 'interview.wav']);
  await page.context().close();
});

test('a rendition is queued from the asset page and the jobs page shows it', async () => {
  const page = await signedIn('anne');
  await page.getByRole('button', { name: /voice_over\.wav/ }).click();
  await page.getByLabel('Profile').selectOption('audio-bwf');
  await page.getByRole('button', { name: 'Make this rendition' }).click();
  await page.getByRole('status').filter({ hasText: 'queued' }).waitFor();
  await page.locator('.jobs tr.queued', { hasText: 'audio-bwf' }).waitFor();
  await page.locator('.history li', { hasText: 'transcode.queue' }).first().waitFor({ timeout: 5000 }).catch(async () => {
    await page.reload();
    await page.locator('.history li', { hasText: 'transcode.queue' }).first().waitFor();
  });
  await page.getByRole('link', { name: 'Jobs' }).click();
  const row = page.locator('.jobs tr', { hasText: 'audio-bwf' });
  await row.waitFor();
  await row.getByRole('button', { name: 'Cancel' }).click();
  await page.locator('.jobs tr.cancelled', { hasText: 'audio-bwf' }).waitFor();
  await page.locator('.jobs tr.cancelled', { hasText: 'audio-bwf' }).getByRole('button', { name: 'Retry' }).click();
  await page.locator('.jobs tr.queued', { hasText: 'audio-bwf' }).waitFor();
  await page.screenshot({ path: join(artifacts, 'jobs.png') });
  await page.context().close();
});

test('an administrator adds a user and a grant, makes a token and verifies the audit chain', async () => {
  const page = await signedIn('anne');
  await page.getByRole('link', { name: 'Administration' }).click();
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  const users = page.locator('form.inline').nth(0);
  await users.getByLabel('Name').fill('ines');
  await users.getByLabel('Role').selectOption('editor');
  await users.getByLabel('Password').fill('a long enough password');
  await users.getByRole('button', { name: 'Add' }).click();
  await page.locator('td', { hasText: 'ines' }).first().waitFor();
  await page.locator('tr[data-user="ines"]').getByRole('button', { name: 'Disable' }).click();
  await page.locator('tr[data-user="ines"]').getByText('disabled').waitFor();
  await page.locator('tr[data-user="ines"]').getByRole('button', { name: 'Enable' }).click();
  await page.locator('tr[data-user="ines"]').getByRole('button', { name: 'Disable' }).waitFor();
  const groups = page.locator('form.inline').nth(1);
  await groups.getByLabel('Name').fill('newsroom');
  await groups.getByRole('button', { name: 'Add' }).click();
  await page.locator('ul.groups li', { hasText: 'newsroom' }).waitFor();
  const members = page.locator('form.inline').nth(2);
  await members.getByLabel('Group').selectOption('newsroom');
  await members.getByLabel('User').selectOption('ines');
  await members.getByRole('button', { name: 'Add to the group' }).click();
  await page.locator('ul.groups li', { hasText: 'newsroom' }).locator('.member', { hasText: 'ines' }).waitFor();
  const grant = page.locator('form.inline').nth(3);
  await grant.getByLabel('Collection').fill('sport');
  await grant.getByLabel('To', { exact: true }).fill('user:ines');
  await grant.getByRole('button', { name: 'Add' }).click();
  await page.locator('td', { hasText: 'user:ines' }).waitFor();
  await page.locator('form.inline').nth(4).getByRole('button', { name: 'Add' }).click();
  await page.getByRole('status').filter({ hasText: 'shown this once' }).waitFor();
  await page.getByRole('button', { name: 'Verify the chain' }).click();
  await page.getByRole('status').filter({ hasText: 'Intact' }).waitFor();
  await page.screenshot({ path: join(artifacts, 'admin.png') });
  await page.context().close();
});

test('a viewer sees only the collections granted and cannot edit', async () => {
  const page = await signedIn('val');
  const visible = await page.evaluate(async () => (await (await fetch('/api/v1/assets')).json()).items.map((item) => item.collection));
  assert.ok(visible.length >= 2 && visible.every((collection) => collection.startsWith('news')), String(visible));
  await page.waitForFunction((count) => document.querySelectorAll('.grid li').length === count, visible.length);
  assert.equal(await page.getByRole('link', { name: 'sport' }).count(), 0);
  await page.getByRole('button', { name: /voice_over\.wav/ }).click();
  await page.getByLabel('Add a tag').fill('mine');
  await page.getByLabel('Add a tag').press('Enter');
  await page.getByRole('alert').waitFor();
  await page.context().close();
});

test('on a tablet the grid and the asset page fit the screen', async () => {
  const context = await browser.newContext({ viewport: { width: 768, height: 1024 }, locale: 'en-US', hasTouch: true });
  const page = await context.newPage();
  await page.goto(base);
  await page.getByLabel('Username').fill('val');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.grid li').first().waitFor();
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(await overflow(), 0, 'no sideways scrolling on the grid');
  await page.screenshot({ path: join(artifacts, 'tablet-grid.png') });
  await page.getByRole('button', { name: /evening_news\.mp4/ }).click();
  await page.locator('.player video').waitFor();
  assert.equal(await overflow(), 0, 'no sideways scrolling on the asset page');
  await page.screenshot({ path: join(artifacts, 'tablet-asset.png') });
  await page.getByRole('link', { name: 'Jobs' }).click();
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  await context.close();
});

test('the French interface speaks French and is remembered', async () => {
  const page = await signedIn('anne', 'fr-FR');
  await page.getByRole('button', { name: 'Se déconnecter' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Tous les médias' }).count(), 1);
  await page.getByLabel('Langue').selectOption('en');
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.reload();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.screenshot({ path: join(artifacts, 'language.png') });
  await page.context().close();
});
