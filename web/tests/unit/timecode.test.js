// Timecode arithmetic: the frame counts and labels the player shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseRate, framesToTimecode, timecodeToFrames, frameAt, timeOfFrame, displayTimecode, isDropFrameRate,
} from '../../src/lib/timecode.js';

const pal = parseRate('25/1');
const ntsc = parseRate('30000/1001');

test('rates parse from what the API gives', () => {
  assert.deepEqual(parseRate('25'), { num: 25, den: 1 });
  assert.deepEqual(parseRate('30000/1001'), { num: 30000, den: 1001 });
  assert.equal(parseRate('0/1'), null);
  assert.equal(parseRate('abc'), null);
  assert.ok(isDropFrameRate(ntsc) && !isDropFrameRate(pal));
});

test('non-drop timecode counts whole frames', () => {
  assert.equal(framesToTimecode(0, pal), '00:00:00:00');
  assert.equal(framesToTimecode(24, pal), '00:00:00:24');
  assert.equal(framesToTimecode(25, pal), '00:00:01:00');
  assert.equal(framesToTimecode(90000, pal), '01:00:00:00');
  assert.equal(timecodeToFrames('01:00:00:00', pal), 90000);
  assert.equal(timecodeToFrames('00:00:00:25', pal), null, 'frame 25 does not exist at 25 fps');
});

test('drop-frame timecode skips labels, not frames', () => {
  assert.equal(framesToTimecode(1799, ntsc), '00:00:59;29');
  assert.equal(framesToTimecode(1800, ntsc), '00:01:00;02');
  assert.equal(framesToTimecode(17982, ntsc), '00:10:00;00');
  assert.equal(framesToTimecode(107892, ntsc), '01:00:00;00');
  for (const frames of [0, 1799, 1800, 17981, 17982, 107891, 107892, 123456]) {
    assert.equal(timecodeToFrames(framesToTimecode(frames, ntsc), ntsc), frames);
  }
});

test('seeking lands in the middle of the frame asked for', () => {
  for (const frame of [0, 1, 24, 25, 1000]) {
    assert.equal(frameAt(timeOfFrame(frame, pal), pal), frame);
    assert.equal(frameAt(timeOfFrame(frame, ntsc), ntsc), frame);
  }
});

test('the source start timecode shifts the label', () => {
  assert.equal(displayTimecode(0, pal, '10:00:00:00'), '10:00:00:00');
  assert.equal(displayTimecode(26, pal, '10:00:00:00'), '10:00:01:01');
  assert.equal(displayTimecode(26, pal, null), '00:00:01:01');
});
