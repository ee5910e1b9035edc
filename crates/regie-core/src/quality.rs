//! The measured quality of a rendition: PSNR and SSIM of each video rung against its source,
//! recorded with the rendition and read by policies (`rendition.quality.ssim >= 0.95`).

use serde::{Deserialize, Serialize};

/// PSNR (dB, over Y, U and V) and SSIM (0 to 1, over all planes) of one video stream.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    pub psnr: f64,
    pub ssim: f64,
}

/// One rung of a rendition (its picture size) and its quality.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RungQuality {
    pub width: u32,
    pub height: u32,
    #[serde(flatten)]
    pub quality: Quality,
}

/// The lowest PSNR and the lowest SSIM over the rungs: a minimum holds for a rendition when it
/// holds for its worst rung.
pub fn worst(rungs: &[RungQuality]) -> Option<Quality> {
    let first = rungs.first()?.quality;
    Some(rungs.iter().fold(first, |worst, rung| Quality {
        psnr: worst.psnr.min(rung.quality.psnr),
        ssim: worst.ssim.min(rung.quality.ssim),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rung(height: u32, psnr: f64, ssim: f64) -> RungQuality {
        RungQuality { width: height * 16 / 9, height, quality: Quality { psnr, ssim } }
    }

    #[test]
    fn the_worst_rung_sets_each_figure_and_rungs_read_back_flat() {
        let rungs = [rung(1080, 44.0, 0.99), rung(360, 36.5, 0.97), rung(720, 35.0, 0.98)];
        assert_eq!(worst(&rungs), Some(Quality { psnr: 35.0, ssim: 0.97 }));
        assert_eq!(worst(&[]), None);
        let json = serde_json::to_value(rungs[1]).unwrap();
        assert_eq!(json, serde_json::json!({"width": 640, "height": 360, "psnr": 36.5, "ssim": 0.97}));
        assert_eq!(serde_json::from_value::<RungQuality>(json).unwrap(), rungs[1]);
    }
}
