//! A storyboard: frames at a regular interval tiled into one JPEG sprite, indexed by a WebVTT
//! file whose cues point into the sprite with `#xywh=` fragments, as web players expect.

use serde::Serialize;

/// At most this many tiles: long programmes get a longer interval.
const MAX_TILES: u32 = 200;
const COLUMNS: u32 = 10;
const TILE_WIDTH: u32 = 160;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StoryboardLayout {
    pub interval_s: u32,
    pub tiles: u32,
    pub columns: u32,
    pub rows: u32,
    pub tile_width: u32,
    pub tile_height: u32,
    pub duration_s: f64,
}

impl StoryboardLayout {
    /// The layout for a programme of `duration_s` whose picture has display aspect `aspect`.
    pub fn new(duration_s: f64, aspect: f64) -> Self {
        let duration_s = duration_s.max(0.001);
        let interval_s = ((duration_s / f64::from(MAX_TILES)).ceil() as u32).max(1);
        let tiles = ((duration_s / f64::from(interval_s)).ceil() as u32).clamp(1, MAX_TILES);
        let columns = tiles.min(COLUMNS);
        let rows = tiles.div_ceil(columns);
        let aspect = if aspect.is_finite() && aspect > 0.1 { aspect } else { 16.0 / 9.0 };
        let tile_height = ((f64::from(TILE_WIDTH) / aspect / 2.0).round() as u32 * 2).max(2);
        Self { interval_s, tiles, columns, rows, tile_width: TILE_WIDTH, tile_height, duration_s }
    }

    /// The WebVTT index; `sprite` is the sprite's URL relative to the index.
    pub fn webvtt(&self, sprite: &str) -> String {
        let mut text = String::from("WEBVTT\n");
        for tile in 0..self.tiles {
            let start = f64::from(tile * self.interval_s);
            let end = (f64::from((tile + 1) * self.interval_s)).min(self.duration_s).max(start + 0.001);
            let x = (tile % self.columns) * self.tile_width;
            let y = (tile / self.columns) * self.tile_height;
            text.push_str(&format!(
                "\n{} --> {}\n{sprite}#xywh={x},{y},{},{}\n",
                vtt_time(start),
                vtt_time(end),
                self.tile_width,
                self.tile_height
            ));
        }
        text
    }
}

fn vtt_time(seconds: f64) -> String {
    let millis = (seconds * 1000.0).round() as u64;
    format!("{:02}:{:02}:{:02}.{:03}", millis / 3_600_000, millis / 60_000 % 60, millis / 1000 % 60, millis % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_clip_gets_a_tile_a_second() {
        let layout = StoryboardLayout::new(8.0, 16.0 / 9.0);
        assert_eq!((layout.interval_s, layout.tiles, layout.columns, layout.rows), (1, 8, 8, 1));
        assert_eq!((layout.tile_width, layout.tile_height), (160, 90));
        let vtt = layout.webvtt("storyboard");
        assert!(vtt.starts_with("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nstoryboard#xywh=0,0,160,90\n"), "{vtt}");
        assert!(vtt.ends_with("00:00:07.000 --> 00:00:08.000\nstoryboard#xywh=1120,0,160,90\n"), "{vtt}");
    }

    #[test]
    fn an_hour_stays_within_two_hundred_tiles_on_a_grid() {
        let layout = StoryboardLayout::new(3600.0, 4.0 / 3.0);
        assert_eq!((layout.interval_s, layout.tiles, layout.columns, layout.rows), (18, 200, 10, 20));
        assert_eq!(layout.tile_height, 120);
        let vtt = layout.webvtt("s");
        assert!(vtt.contains("00:59:42.000 --> 01:00:00.000\ns#xywh=1440,2280,160,120"), "{vtt}");
    }
}
