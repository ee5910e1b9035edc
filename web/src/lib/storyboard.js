// The storyboard index (WebVTT cues naming a tile of the sprite) and the waveform peaks
// (audiowaveform JSON: min/max pairs), turned into what the timeline draws. Pure: tested with
// `node --test`.

function seconds(text) {
  const parts = text.trim().split(':').map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

/** Cues `{start, end, x, y, w, h}` from the storyboard's WebVTT index. */
export function parseStoryboard(vtt) {
  const cues = [];
  const pattern = /([\d:.]+)\s*-->\s*([\d:.]+)\s*\n[^\n#]*#xywh=(\d+),(\d+),(\d+),(\d+)/g;
  for (const match of String(vtt ?? '').matchAll(pattern)) {
    const [, start, end, x, y, w, h] = match;
    cues.push({ start: seconds(start), end: seconds(end), x: +x, y: +y, w: +w, h: +h });
  }
  return cues;
}

/** The tile shown at `time` (the last one past the end). */
export function tileAt(cues, time) {
  return cues.find((cue) => time >= cue.start && time < cue.end) ?? cues.at(-1) ?? null;
}

/** `buckets` bar heights in 0..1 from audiowaveform peaks (every channel, min and max). */
export function waveformBars(peaks, buckets) {
  const data = peaks?.data ?? [];
  const channels = peaks?.channels ?? 1;
  const range = 2 ** ((peaks?.bits ?? 8) - 1);
  const pairs = Math.floor(data.length / (2 * channels));
  if (!pairs || buckets < 1) return [];
  const bars = [];
  for (let bucket = 0; bucket < buckets; bucket += 1) {
    const from = Math.floor((bucket * pairs) / buckets);
    const to = Math.max(from + 1, Math.floor(((bucket + 1) * pairs) / buckets));
    let loudest = 0;
    for (let pair = from; pair < to && pair < pairs; pair += 1) {
      for (let channel = 0; channel < channels; channel += 1) {
        const index = 2 * (pair * channels + channel);
        loudest = Math.max(loudest, Math.abs(data[index]), Math.abs(data[index + 1]));
      }
    }
    bars.push(Math.min(1, loudest / range));
  }
  return bars;
}
