//! A reader of bits, most significant first, bounded by its bytes: every read past the end is
//! `None` (or, through `read`, an error). Codec headers (H.264 and HEVC parameter sets, MPEG-2 sequence headers, VP9 frame
//! headers) are read with it.

/// Bits of `bytes` from bit `at`.
pub(super) struct Bits<'a> {
    pub bytes: &'a [u8],
    pub at: usize,
}

impl Bits<'_> {
    pub(super) fn bit(&mut self) -> Option<u32> {
        let byte = *self.bytes.get(self.at / 8)?;
        let bit = (byte >> (7 - self.at % 8)) & 1;
        self.at += 1;
        Some(u32::from(bit))
    }

    pub(super) fn bits(&mut self, count: u32) -> Option<u32> {
        (0..count).try_fold(0u32, |value, _| Some((value << 1) | self.bit()?))
    }

    /// `count` bits, or an error naming a header cut short.
    pub(super) fn read(&mut self, count: u32) -> Result<u32, String> {
        self.bits(count).ok_or_else(|| "a codec header cut short".to_owned())
    }

    pub(super) fn flag(&mut self) -> Option<bool> {
        self.bit().map(|bit| bit == 1)
    }

    /// Unsigned exponential-Golomb; `None` past 31 leading zeros (no valid SPS field is that long).
    pub(super) fn ue(&mut self) -> Option<u32> {
        let mut zeros = 0;
        while self.bit()? == 0 {
            zeros += 1;
            if zeros > 31 {
                return None;
            }
        }
        let rest = self.bits(zeros)?;
        Some(((1u64 << zeros) - 1 + u64::from(rest)).min(u64::from(u32::MAX)) as u32)
    }

    pub(super) fn se(&mut self) -> Option<i64> {
        let code = i64::from(self.ue()?);
        Some(if code % 2 == 1 { (code + 1) / 2 } else { -(code / 2) })
    }
}
