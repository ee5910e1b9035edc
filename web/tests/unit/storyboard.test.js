// Storyboard tiles and waveform bars for the timeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStoryboard, tileAt, waveformBars } from '../../src/lib/storyboard.js';

const vtt = 'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nstoryboard#xywh=0,0,160,90\n\n00:00:01.000 --> 00:00:02.000\nstoryboard#xywh=160,0,160,90\n';

test('the storyboard index gives a tile per second', () => {
  const cues = parseStoryboard(vtt);
  assert.equal(cues.length, 2);
  assert.deepEqual(tileAt(cues, 1.5), { start: 1, end: 2, x: 160, y: 0, w: 160, h: 90 });
  assert.equal(tileAt(cues, 9).x, 160, 'past the end: the last tile');
  assert.equal(tileAt([], 1), null);
});

test('waveform peaks become bars between 0 and 1', () => {
  const peaks = { channels: 1, bits: 8, data: [-64, 64, -128, 127, 0, 0, -32, 16] };
  assert.deepEqual(waveformBars(peaks, 2), [1, 0.25]);
  assert.deepEqual(waveformBars({ data: [] }, 4), []);
});
