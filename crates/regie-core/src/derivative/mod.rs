//! The light files made for every asset so people can look at it without its master: the layout
//! of a storyboard and its WebVTT index, the choice of a poster frame, waveform peaks.

pub mod poster;
pub mod storyboard;
pub mod waveform;
