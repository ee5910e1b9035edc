//! The H.264 sequence parameter set, as far as a description needs it: profile, level, chroma
//! format, bit depth, the cropped picture size, whether frames are progressive, the sample aspect
//! ratio and the colour description. Every read is bounded by the NAL unit's bytes.

use crate::native::bits::Bits;

/// What a sequence parameter set says.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Sps {
    pub profile_idc: u8,
    pub constraint_flags: u8,
    pub level_idc: u8,
    pub chroma_format_idc: u32,
    pub separate_colour_planes: bool,
    pub bit_depth_luma: u32,
    pub bit_depth_chroma: u32,
    pub width: u32,
    pub height: u32,
    pub frame_mbs_only: bool,
    pub sample_aspect_ratio: Option<(u32, u32)>,
    pub full_range: bool,
    /// Colour primaries and transfer characteristics (ITU-T H.273 codes), when described.
    pub colour: Option<(u8, u8)>,
}

/// The first SPS of an `avcC` box body.
pub(super) fn sps_of_avcc(avcc: &[u8]) -> Option<Sps> {
    if avcc.len() < 8 || avcc[0] != 1 {
        return None;
    }
    let count = usize::from(avcc[5] & 0x1F);
    if count == 0 {
        return None;
    }
    let length = usize::from(u16::from_be_bytes([avcc[6], avcc[7]]));
    let nal = avcc.get(8..8 + length)?;
    if nal.first()? & 0x1F != 7 {
        return None;
    }
    parse_sps(&unescape(&nal[1..]))
}

/// The SPS of a NAL unit (its header byte first), when it is one.
pub(super) fn sps_of_nal(nal: &[u8]) -> Option<Sps> {
    if nal.first()? & 0x1F != 7 {
        return None;
    }
    parse_sps(&unescape(&nal[1..]))
}

/// Removes emulation prevention bytes (`00 00 03` becomes `00 00`).
pub(super) fn unescape(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut zeros = 0;
    for &byte in bytes {
        if zeros >= 2 && byte == 3 {
            zeros = 0;
            continue;
        }
        zeros = if byte == 0 { zeros + 1 } else { 0 };
        out.push(byte);
    }
    out
}

const HIGH_PROFILES: [u8; 13] = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135];

fn parse_sps(bytes: &[u8]) -> Option<Sps> {
    let mut bits = Bits { bytes, at: 0 };
    let profile_idc = bits.bits(8)? as u8;
    let constraint_flags = bits.bits(8)? as u8;
    let level_idc = bits.bits(8)? as u8;
    let _id = bits.ue()?;
    let (mut chroma_format_idc, mut separate_colour_planes, mut bit_depth_luma, mut bit_depth_chroma) =
        (1, false, 8, 8);
    if HIGH_PROFILES.contains(&profile_idc) {
        chroma_format_idc = bits.ue()?;
        if chroma_format_idc > 3 {
            return None;
        }
        if chroma_format_idc == 3 {
            separate_colour_planes = bits.flag()?;
        }
        bit_depth_luma = bits.ue()?.checked_add(8).filter(|depth| *depth <= 14)?;
        bit_depth_chroma = bits.ue()?.checked_add(8).filter(|depth| *depth <= 14)?;
        let _transform_bypass = bits.flag()?;
        if bits.flag()? {
            let lists = if chroma_format_idc == 3 { 12 } else { 8 };
            for list in 0..lists {
                if bits.flag()? {
                    skip_scaling_list(&mut bits, if list < 6 { 16 } else { 64 })?;
                }
            }
        }
    }
    let _log2_max_frame_num = bits.ue()?;
    match bits.ue()? {
        0 => {
            bits.ue()?;
        }
        1 => {
            bits.flag()?;
            bits.se()?;
            bits.se()?;
            let cycle = bits.ue()?;
            if cycle > 255 {
                return None;
            }
            for _ in 0..cycle {
                bits.se()?;
            }
        }
        2 => {}
        _ => return None,
    }
    let _max_refs = bits.ue()?;
    let _gaps = bits.flag()?;
    let width_in_mbs = bits.ue()?.checked_add(1)?;
    let height_in_map_units = bits.ue()?.checked_add(1)?;
    let frame_mbs_only = bits.flag()?;
    if !frame_mbs_only {
        bits.flag()?;
    }
    let _direct_8x8 = bits.flag()?;
    let crop = if bits.flag()? { [bits.ue()?, bits.ue()?, bits.ue()?, bits.ue()?] } else { [0; 4] };
    let (sub_width, sub_height): (u32, u32) = match (chroma_format_idc, separate_colour_planes) {
        (1, _) => (2, 2),
        (2, _) => (2, 1),
        _ => (1, 1),
    };
    let crop_x = sub_width;
    let crop_y = sub_height * if frame_mbs_only { 1 } else { 2 };
    let full_width = width_in_mbs.checked_mul(16)?;
    let full_height = height_in_map_units.checked_mul(16)?.checked_mul(if frame_mbs_only { 1 } else { 2 })?;
    let width = full_width.checked_sub(crop_x.checked_mul(crop[0].checked_add(crop[1])?)?)?;
    let height = full_height.checked_sub(crop_y.checked_mul(crop[2].checked_add(crop[3])?)?)?;
    let mut sps = Sps {
        profile_idc,
        constraint_flags,
        level_idc,
        chroma_format_idc,
        separate_colour_planes,
        bit_depth_luma,
        bit_depth_chroma,
        width,
        height,
        frame_mbs_only,
        sample_aspect_ratio: None,
        full_range: false,
        colour: None,
    };
    if bits.flag()? {
        read_vui(&mut bits, &mut sps)?;
    }
    Some(sps)
}

fn skip_scaling_list(bits: &mut Bits<'_>, size: usize) -> Option<()> {
    let (mut last, mut next) = (8i64, 8i64);
    for _ in 0..size {
        if next != 0 {
            next = (last + bits.se()? + 256).rem_euclid(256);
        }
        if next != 0 {
            last = next;
        }
    }
    Some(())
}

fn read_vui(bits: &mut Bits<'_>, sps: &mut Sps) -> Option<()> {
    sps.sample_aspect_ratio = read_aspect_ratio(bits)?;
    if bits.flag()? {
        bits.flag()?;
    }
    if bits.flag()? {
        let _video_format = bits.bits(3)?;
        sps.full_range = bits.flag()?;
        if bits.flag()? {
            let primaries = bits.bits(8)? as u8;
            let transfer = bits.bits(8)? as u8;
            let _matrix = bits.bits(8)?;
            sps.colour = Some((primaries, transfer));
        }
    }
    Some(())
}

/// The VUI's sample aspect ratio (`aspect_ratio_info_present_flag` and what follows), shared by
/// H.264 and HEVC.
pub(super) fn read_aspect_ratio(bits: &mut Bits<'_>) -> Option<Option<(u32, u32)>> {
    if !bits.flag()? {
        return Some(None);
    }
    Some(match bits.bits(8)? {
        255 => Some((bits.bits(16)?, bits.bits(16)?)),
        index => SAMPLE_ASPECT_RATIOS.get(index as usize).copied().flatten(),
    })
}

/// Table E-1 of H.264: the sample aspect ratios an `aspect_ratio_idc` names.
const SAMPLE_ASPECT_RATIOS: [Option<(u32, u32)>; 17] = [
    None,
    Some((1, 1)),
    Some((12, 11)),
    Some((10, 11)),
    Some((16, 11)),
    Some((40, 33)),
    Some((24, 11)),
    Some((20, 11)),
    Some((32, 11)),
    Some((80, 33)),
    Some((18, 11)),
    Some((15, 11)),
    Some((64, 33)),
    Some((160, 99)),
    Some((4, 3)),
    Some((3, 2)),
    Some((2, 1)),
];

/// FFmpeg's name of the profile.
pub(super) fn profile_name(sps: &Sps) -> Option<&'static str> {
    let constraint = |set: u8| sps.constraint_flags & (0x80 >> set) != 0;
    Some(match (sps.profile_idc, constraint(3)) {
        (66, _) if constraint(1) => "Constrained Baseline",
        (66, _) => "Baseline",
        (77, _) => "Main",
        (88, _) => "Extended",
        (100, _) => "High",
        (110, false) => "High 10",
        (110, true) => "High 10 Intra",
        (122, false) => "High 4:2:2",
        (122, true) => "High 4:2:2 Intra",
        (244, false) => "High 4:4:4 Predictive",
        (244, true) => "High 4:4:4 Intra",
        (44, _) => "CAVLC 4:4:4",
        _ => return None,
    })
}

/// FFmpeg's pixel format for the chroma format and bit depth it decodes to.
pub(super) fn pixel_format(sps: &Sps) -> Option<String> {
    if sps.separate_colour_planes || sps.bit_depth_chroma != sps.bit_depth_luma || sps.full_range {
        return None;
    }
    let chroma = match sps.chroma_format_idc {
        1 => "420",
        2 => "422",
        3 => "444",
        _ => return None,
    };
    Some(match sps.bit_depth_luma {
        8 => format!("yuv{chroma}p"),
        9 | 10 | 12 | 14 => format!("yuv{chroma}p{}le", sps.bit_depth_luma),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emulation_prevention_bytes_are_removed() {
        assert_eq!(unescape(&[0, 0, 3, 1, 0, 0, 3, 0, 3]), vec![0, 0, 1, 0, 0, 0, 3]);
    }

    #[test]
    fn exponential_golomb_codes_read_back() {
        // 1 | 010 | 011 | 00100 | 00101 = 0, 1, 2, 3, 4
        let bytes = [0b1010_0110, 0b0100_0010, 0b1000_0000];
        let mut bits = Bits { bytes: &bytes, at: 0 };
        let values: Vec<u32> = (0..5).map(|_| bits.ue().unwrap()).collect();
        assert_eq!(values, [0, 1, 2, 3, 4]);
        assert_eq!(Bits { bytes: &[0, 0, 0, 0, 0], at: 0 }.ue(), None);
    }
}
