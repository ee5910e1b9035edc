//! Encoding speeds measured on this worker, per profile and preset (times real time), kept in
//! `DATA/speeds.json`: what a deadline's preset is chosen by.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use regie_core::profile::Speed;

/// How much a new measurement moves the kept figure.
const WEIGHT_OF_NEW: f64 = 0.5;

fn file(data_dir: &Path) -> PathBuf {
    data_dir.join("speeds.json")
}

fn key(profile: &str, speed: Speed) -> String {
    format!("{profile}/{}", speed.as_str())
}

fn read(data_dir: &Path) -> BTreeMap<String, f64> {
    std::fs::read(file(data_dir)).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default()
}

/// The measured speed of a profile's preset on this worker, if any.
pub(crate) fn measured(data_dir: &Path, profile: &str, speed: Speed) -> Option<f64> {
    read(data_dir).get(&key(profile, speed)).copied().filter(|factor| factor.is_finite() && *factor > 0.0)
}

/// Records an encode of `duration_s` of programme that took `elapsed_s` (a moving average).
pub(crate) fn record(data_dir: &Path, profile: &str, speed: Speed, duration_s: f64, elapsed_s: f64) {
    if duration_s <= 0.0 || elapsed_s <= 0.0 {
        return;
    }
    let factor = duration_s / elapsed_s;
    let mut speeds = read(data_dir);
    let entry = speeds.entry(key(profile, speed)).or_insert(factor);
    *entry = *entry * (1.0 - WEIGHT_OF_NEW) + factor * WEIGHT_OF_NEW;
    let Ok(text) = serde_json::to_vec_pretty(&speeds) else { return };
    // Written beside and renamed: a reader never sees half a file.
    let Ok(mut temporary) = tempfile::NamedTempFile::new_in(data_dir) else { return };
    if std::io::Write::write_all(&mut temporary, &text).is_ok() {
        let _ = temporary.persist(file(data_dir));
    }
}
