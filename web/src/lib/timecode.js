// SMPTE timecode arithmetic on exact frame rates (rationals), drop-frame aware. Pure: tested
// with `node --test`. Frames are counted from the file's first frame (0); a source start
// timecode shifts what is displayed, never what is counted.

/** `25`, `25/1`, `30000/1001` → {num, den}; null when it is not a rate. */
export function parseRate(text) {
  if (text == null) return null;
  const [num, den = '1'] = String(text).split('/');
  const n = Number(num);
  const d = Number(den);
  if (!Number.isFinite(n) || !Number.isFinite(d) || n <= 0 || d <= 0) return null;
  return { num: n, den: d };
}

export function framesPerSecond(rate) {
  return rate.num / rate.den;
}

/** Frames per timecode second: 30 for 30000/1001, 25 for 25. */
export function nominalFrames(rate) {
  return Math.round(framesPerSecond(rate));
}

/** Drop-frame timecode applies to 29.97 and 59.94. */
export function isDropFrameRate(rate) {
  return rate.den === 1001 && (nominalFrames(rate) === 30 || nominalFrames(rate) === 60);
}

const pad = (value) => String(value).padStart(2, '0');

/** Frame count → `HH:MM:SS:FF` (`HH:MM:SS;FF` when drop-frame). */
export function framesToTimecode(frames, rate, dropFrame = isDropFrameRate(rate)) {
  const nominal = nominalFrames(rate);
  let count = Math.max(0, Math.floor(frames));
  if (dropFrame) {
    const dropped = nominal === 60 ? 4 : 2;
    const perMinute = nominal * 60 - dropped;
    const perTenMinutes = perMinute * 10 + dropped;
    const tens = Math.floor(count / perTenMinutes);
    const rest = count % perTenMinutes;
    count += dropped * 9 * tens + (rest > dropped ? dropped * Math.floor((rest - dropped) / perMinute) : 0);
  }
  const ff = count % nominal;
  const totalSeconds = Math.floor(count / nominal);
  const ss = totalSeconds % 60;
  const mm = Math.floor(totalSeconds / 60) % 60;
  const hh = Math.floor(totalSeconds / 3600) % 24;
  return `${pad(hh)}:${pad(mm)}:${pad(ss)}${dropFrame ? ';' : ':'}${pad(ff)}`;
}

/** `HH:MM:SS:FF` (or `;FF`) → frame count; null when it does not parse. */
export function timecodeToFrames(text, rate) {
  const match = /^(\d{2}):(\d{2}):(\d{2})([:;.])(\d{2})$/.exec(String(text ?? '').trim());
  if (!match) return null;
  const [hh, mm, ss, ff] = [match[1], match[2], match[3], match[5]].map(Number);
  const nominal = nominalFrames(rate);
  if (mm > 59 || ss > 59 || ff >= nominal) return null;
  const dropFrame = match[4] === ';' || (match[4] !== ':' && isDropFrameRate(rate));
  let frames = ((hh * 60 + mm) * 60 + ss) * nominal + ff;
  if (dropFrame) {
    const dropped = nominal === 60 ? 4 : 2;
    const minutes = hh * 60 + mm;
    frames -= dropped * (minutes - Math.floor(minutes / 10));
  }
  return frames;
}

/** The frame on screen at `seconds` of media time. */
export function frameAt(seconds, rate) {
  return Math.floor(seconds * framesPerSecond(rate) + 1e-6);
}

/** The media time to seek to so that `frame` is shown: the middle of the frame. */
export function timeOfFrame(frame, rate) {
  return (Math.max(0, frame) + 0.5) / framesPerSecond(rate);
}

/** What the editor's timeline shows at `frame`: the source start timecode plus the frame. */
export function displayTimecode(frame, rate, startTimecode) {
  const start = startTimecode ? timecodeToFrames(startTimecode, rate) ?? 0 : 0;
  const dropFrame = startTimecode ? startTimecode.includes(';') || isDropFrameRate(rate) : isDropFrameRate(rate);
  return framesToTimecode(start + frame, rate, dropFrame);
}
