//! Delivery policies: named rules over the technical metadata and measured values of a file,
//! grouped with `all` / `any`, each with a stable id and a severity. A policy is TOML:
//!
//! ```toml
//! name = "xdcamhd50-playout"
//! [[rule]]
//! id = "video-codec"
//! severity = "error"
//! check = 'video.codec == "mpeg2video"'
//! [[any]]
//! id = "field-order"
//! rule = [{ id = "tff", check = 'video.field_order == "tt"' }, { id = "bff", check = 'video.field_order == "bb"' }]
//! ```
//!
//! A check reads `FIELD OP VALUE`: operators `==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`;
//! values are numbers, strings, lists, or `X ± T` (also `X +- T`) for a tolerance.
//! Fields address the facts built by [`facts`]: `container`, `duration_s`, `video.codec`,
//! `video.count`, `audio.count`, `audio[*].sample_rate` (every audio stream), `audio[0].channels`,
//! `loudness.integrated`...

mod check;
mod evaluate;
pub mod facts;
mod file;

pub use check::{Check, Expected, Operator};
pub use evaluate::{PolicyReport, RuleOutcome};
pub use file::{GroupSpec, Policy, PolicyError, PolicyFile, RuleNode, RuleSpec};
