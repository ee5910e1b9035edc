//! Whose screener a leaked file is: its pictures' brightness read, and every recipient's mark
//! (or those of one asset) matched against it (`regie watermark detect`).

use std::path::Path;

use serde::Serialize;

use regie_core::AssetId;
use regie_core::profile::mark::{InvisibleMark, MIN_SECONDS, MarkSpectrum, READ_RATE};

use crate::intelligence::SIMILAR_SCORE;

use crate::{AppError, Regie};

/// What a file's pictures say about the marks given.
#[derive(Debug, Clone, Serialize)]
pub struct WatermarkDetection {
    pub file: String,
    /// Seconds of pictures read.
    pub seconds: f64,
    /// Marks compared (every recipient's, or one asset's).
    pub compared: usize,
    /// The marks found, strongest first: one, unless codes were reused (see `note`).
    pub found: Vec<MarkReading>,
    /// The strongest mark when none was found, for the record.
    pub strongest: Option<MarkReading>,
    pub note: Option<String>,
}

/// One recipient's mark as read from the file.
#[derive(Debug, Clone, Serialize)]
pub struct MarkReading {
    pub asset_id: String,
    pub house_id: String,
    pub recipient: String,
    pub ordinal: u32,
    pub frequencies_hz: [f64; 3],
    /// Sum of the tones' squared strengths over the noise (a file without the mark: about 3 to 6).
    pub strength: f64,
    /// The weakest tone's strength over the noise.
    pub weakest: f64,
    /// Read after the original's own brightness changes were taken out (the clip was found in
    /// the programme's original); otherwise from the clip alone.
    pub with_original: bool,
    /// Given out on the day.
    pub created_at: String,
}

impl Regie {
    /// Reads `file`'s pictures and matches every screener mark given (of `asset` only, when named).
    pub async fn detect_watermark(&self, file: &Path, asset: Option<&str>) -> Result<WatermarkDetection, AppError> {
        let metadata = std::fs::metadata(file).map_err(|_| AppError::InputMissing { path: file.to_owned() })?;
        if !metadata.is_file() {
            return Err(AppError::NotRegularFile { path: file.to_owned() });
        }
        let asset_id = match asset {
            Some(reference) => Some(self.asset(reference).await?.id),
            None => None,
        };
        let marks = self.db.screener_marks(asset_id).await?;
        let means = self.measurer.brightness_means(file).await?;
        let seconds = means.len() as f64 / READ_RATE;
        let Some(spectrum) = MarkSpectrum::read(&means) else {
            return Err(AppError::Invalid(format!(
                "{} holds {seconds:.1} s of pictures: a mark is read from at least {MIN_SECONDS} s",
                file.display()
            )));
        };
        // The programmes the file shows (fingerprints), or the one named: their originals, where
        // the clip is found, take the pictures' own changes out of what is read.
        let programmes = match asset_id {
            Some(id) => vec![id.to_string()],
            // No mark given: nothing to find, no pictures to fingerprint.
            None if marks.is_empty() => Vec::new(),
            None => self.programmes_shown(file).await?,
        };
        let mut against_original: Vec<(String, MarkSpectrum)> = Vec::new();
        for programme in programmes.iter().filter(|id| marks.iter().any(|mark| &mark.asset_id == *id)).take(3) {
            if let Some(residual) = self.against_original(programme, &means).await {
                against_original.push((programme.clone(), residual));
            }
        }
        let mut readings: Vec<(bool, MarkReading)> = marks
            .into_iter()
            .map(|given| {
                let mark = InvisibleMark::for_ordinal(given.ordinal);
                let compared = against_original.iter().find(|(id, _)| *id == given.asset_id);
                let matched = compared.map_or(&spectrum, |(_, residual)| residual).match_of(&mark);
                let reading = MarkReading {
                    asset_id: given.asset_id,
                    house_id: given.house_id,
                    recipient: given.recipient,
                    ordinal: given.ordinal,
                    frequencies_hz: mark.frequencies_hz,
                    strength: matched.strength,
                    weakest: matched.weakest,
                    with_original: compared.is_some(),
                    created_at: given.created_at,
                };
                (matched.found, reading)
            })
            .collect();
        readings.sort_by(|(_, a), (_, b)| b.strength.total_cmp(&a.strength));
        let compared = readings.len();
        let strongest = readings.first().map(|(_, reading)| reading.clone());
        let mut found: Vec<MarkReading> =
            readings.into_iter().filter(|(found, _)| *found).map(|(_, reading)| reading).collect();
        // Programmes reuse codes: the marks that count are those of the programme whose pictures
        // these are (by perceptual fingerprints), when the catalogue recognises them.
        let mut note = None;
        if !found.is_empty() && asset_id.is_none() {
            if found.iter().any(|reading| programmes.contains(&reading.asset_id)) {
                let before = found.len();
                found.retain(|reading| programmes.contains(&reading.asset_id));
                if found.len() < before {
                    note = Some(format!("the programme was recognised from its pictures: asset {}", found[0].asset_id));
                }
            } else if let Some(programme) = programmes.first() {
                note = Some(format!(
                    "these are the pictures of asset {programme}, and none of its screeners' marks is in them \
                     (marks of other programmes' screeners matched: {})",
                    found
                        .iter()
                        .map(|reading| format!("{} of {}", reading.recipient, reading.house_id))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                found.clear();
            }
        }
        let note = note.or_else(|| match found.len() {
            0 if compared == 0 => Some("no screener with an invisible mark has been made yet".to_owned()),
            0 => Some("no recipient's mark is in this file".to_owned()),
            1 => None,
            _ => Some(
                "several marks match: their programmes use the same code and the pictures do not tell them apart; \
                 name the programme with --asset"
                    .to_owned(),
            ),
        });
        Ok(WatermarkDetection {
            file: file.display().to_string(),
            seconds,
            compared,
            strongest: if found.is_empty() { strongest } else { None },
            found,
            note,
        })
    }

    /// The assets whose pictures `file` shows (by perceptual fingerprints), best first; none when
    /// the catalogue has no fingerprints like them.
    async fn programmes_shown(&self, file: &Path) -> Result<Vec<String>, AppError> {
        let hashes = self.measurer.fingerprint(file, false).await?;
        let similar = self.near_copies(AssetId::new(), &hashes, SIMILAR_SCORE).await?;
        Ok(similar.into_iter().map(|asset| asset.asset_id).collect())
    }

    /// The clip's brightness less the original's at the same moments, as a spectrum; `None`
    /// when the original cannot be read or the clip is not found in it.
    async fn against_original(&self, asset_id: &str, means: &[f64]) -> Option<MarkSpectrum> {
        let record = self.db.get_asset(asset_id.parse().ok()?).await.ok()?;
        let original = record.files.iter().find(|file| file.role == "original")?;
        let blob = self.store.local_copy(&regie_core::Blake3Hex::parse(&original.blake3).ok()?).await.ok()?;
        let original_means = self.measurer.brightness_means(blob.path()).await.ok()?;
        let aligned = regie_core::profile::mark::residual(means, &original_means)?;
        MarkSpectrum::read(&aligned.residual)
    }
}
