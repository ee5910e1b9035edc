//! TIFF: the first image file directory (size, samples, bits, photometric interpretation, planar
//! configuration, compression, resolution, strips) gives FFmpeg's pixel format as its TIFF decoder
//! chooses it. Tiled, JPEG-compressed, floating-point, CMYK and white-is-zero pictures, and
//! BigTIFF, are left to ffprobe; so is a file whose strips run past its end (ffprobe decodes the
//! picture to describe it).

use std::io::{Read, Seek, SeekFrom};

use regie_core::media::chroma_and_depth;
use regie_core::{Rational, StreamDescription, StreamKind};

use super::{Native, read_exact_or_short, still_picture};

/// Directory entries read at most (a picture's directory has a dozen or two).
const MOST_ENTRIES: usize = 512;
/// Strips checked at most (a 4K picture at 48 bits in 8 KiB strips has about 6,000).
const MOST_STRIPS: u64 = 65_536;

pub(super) fn describe<F: Read + Seek>(file: &mut F, size: u64) -> Native {
    let mut header = [0u8; 8];
    if file.seek(SeekFrom::Start(0)).is_err() || read_exact_or_short(file, &mut header) < 8 {
        return unsure("its header is cut");
    }
    let order = match &header[0..4] {
        b"II*\0" => Order::Little,
        b"MM\0*" => Order::Big,
        _ => return Native::NotMine,
    };
    let directory_offset = u64::from(order.u32(&header[4..8]));
    let mut reader = Reader { file, size, order };
    let Some(directory) = reader.directory(directory_offset) else { return unsure("its first directory is cut") };
    // FFmpeg's decoder reads no size from a directory whose tags are not in ascending order.
    if directory.windows(2).any(|pair| pair[0].tag >= pair[1].tag) {
        return unsure("its tags are out of order");
    }
    match Picture::read(&mut reader, &directory) {
        Ok(picture) => picture.describe(order),
        Err(reason) => unsure(&reason),
    }
}

fn unsure(reason: &str) -> Native {
    Native::Unsure(format!("TIFF: {reason}"))
}

#[derive(Clone, Copy)]
enum Order {
    Little,
    Big,
}

impl Order {
    fn u16(self, bytes: &[u8]) -> u16 {
        let pair = [bytes[0], bytes[1]];
        match self {
            Self::Little => u16::from_le_bytes(pair),
            Self::Big => u16::from_be_bytes(pair),
        }
    }

    fn u32(self, bytes: &[u8]) -> u32 {
        let quad = [bytes[0], bytes[1], bytes[2], bytes[3]];
        match self {
            Self::Little => u32::from_le_bytes(quad),
            Self::Big => u32::from_be_bytes(quad),
        }
    }

    /// FFmpeg's 16-bit pixel formats carry the file's byte order.
    fn suffix(self) -> &'static str {
        match self {
            Self::Little => "le",
            Self::Big => "be",
        }
    }
}

/// One directory entry: tag, field type, value count, and the four bytes holding the value or
/// its offset.
#[derive(Clone, Copy)]
struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    value: [u8; 4],
}

impl Entry {
    fn item_size(&self) -> Option<u64> {
        match self.kind {
            1 | 2 | 6 | 7 => Some(1),
            3 | 8 => Some(2),
            4 | 9 => Some(4),
            5 | 10 => Some(8),
            _ => None,
        }
    }
}

struct Reader<'a, F> {
    file: &'a mut F,
    size: u64,
    order: Order,
}

impl<F: Read + Seek> Reader<'_, F> {
    fn read_at(&mut self, offset: u64, buffer: &mut [u8]) -> Option<()> {
        if offset.checked_add(buffer.len() as u64)? > self.size {
            return None;
        }
        self.file.seek(SeekFrom::Start(offset)).ok()?;
        (read_exact_or_short(self.file, buffer) == buffer.len()).then_some(())
    }

    fn directory(&mut self, offset: u64) -> Option<Vec<Entry>> {
        let mut count = [0u8; 2];
        self.read_at(offset, &mut count)?;
        let count = usize::from(self.order.u16(&count));
        if count == 0 || count > MOST_ENTRIES {
            return None;
        }
        let mut bytes = vec![0u8; count * 12];
        self.read_at(offset + 2, &mut bytes)?;
        Some(
            bytes
                .chunks_exact(12)
                .map(|raw| Entry {
                    tag: self.order.u16(&raw[0..2]),
                    kind: self.order.u16(&raw[2..4]),
                    count: self.order.u32(&raw[4..8]),
                    value: [raw[8], raw[9], raw[10], raw[11]],
                })
                .collect(),
        )
    }

    /// The bytes of values `first..first + count` of an entry (inline or at its offset).
    fn values(&mut self, entry: &Entry, first: u64, count: u64) -> Option<Vec<u8>> {
        let item = entry.item_size()?;
        if first.checked_add(count)? > u64::from(entry.count) {
            return None;
        }
        let total = u64::from(entry.count) * item;
        let (start, length) = (first * item, count * item);
        if length > MOST_STRIPS * 4 {
            return None;
        }
        if total <= 4 {
            return Some(entry.value[start as usize..(start + length) as usize].to_vec());
        }
        let mut bytes = vec![0u8; length as usize];
        self.read_at(u64::from(self.order.u32(&entry.value)) + start, &mut bytes)?;
        Some(bytes)
    }

    /// The unsigned integers of a BYTE, SHORT or LONG entry.
    fn integers(&mut self, entry: &Entry, most: u64) -> Option<Vec<u32>> {
        let count = u64::from(entry.count);
        if count == 0 || count > most {
            return None;
        }
        let bytes = self.values(entry, 0, count)?;
        let order = self.order;
        match entry.kind {
            1 => Some(bytes.iter().map(|byte| u32::from(*byte)).collect()),
            3 => Some(bytes.chunks_exact(2).map(|pair| u32::from(order.u16(pair))).collect()),
            4 => Some(bytes.chunks_exact(4).map(|quad| order.u32(quad)).collect()),
            _ => None,
        }
    }

    fn integer(&mut self, entry: &Entry) -> Option<u32> {
        self.integers(entry, 1).map(|values| values[0])
    }

    /// A RATIONAL entry's numerator and denominator.
    fn rational(&mut self, entry: &Entry) -> Option<(u32, u32)> {
        if entry.kind != 5 || entry.count != 1 {
            return None;
        }
        let bytes = self.values(entry, 0, 1)?;
        Some((self.order.u32(&bytes[0..4]), self.order.u32(&bytes[4..8])))
    }
}

/// What the first directory says of its picture.
struct Picture {
    width: u32,
    height: u32,
    bits: u32,
    samples: u32,
    photometric: u32,
    planar: u32,
    palette: bool,
    subsampling: (u32, u32),
    /// XResolution then YResolution, when both are given.
    resolution: Option<((u32, u32), (u32, u32))>,
}

impl Picture {
    fn read<F: Read + Seek>(reader: &mut Reader<'_, F>, directory: &[Entry]) -> Result<Self, String> {
        let find = |tag: u16| directory.iter().find(|entry| entry.tag == tag).copied();
        let number = |reader: &mut Reader<'_, F>, tag: u16, default: Option<u32>| -> Result<u32, String> {
            match find(tag) {
                Some(entry) => reader.integer(&entry).ok_or_else(|| format!("tag {tag} is not one integer")),
                None => default.ok_or_else(|| format!("no tag {tag}")),
            }
        };
        if find(322).is_some() || find(324).is_some() {
            return Err("a tiled picture".to_owned());
        }
        let compression = number(reader, 259, Some(1))?;
        if !matches!(compression, 1 | 5 | 8 | 32773 | 32946) {
            return Err(format!("compression {compression}"));
        }
        if number(reader, 339, Some(1))? != 1 {
            return Err("samples that are not unsigned integers".to_owned());
        }
        let width = number(reader, 256, None)?;
        let height = number(reader, 257, None)?;
        if width == 0 || height == 0 || width > 1 << 24 || height > 1 << 24 {
            return Err("a size of nothing or of more than 16 million pixels a side".to_owned());
        }
        // Bits per sample: one value (for every sample) or one per sample, all equal here.
        let bits_per_sample = match find(258) {
            Some(entry) => reader.integers(&entry, 5).ok_or("its bits per sample are unreadable")?,
            None => vec![1],
        };
        if bits_per_sample.iter().any(|bits| *bits != bits_per_sample[0]) {
            return Err("samples of different sizes".to_owned());
        }
        let samples = number(reader, 277, Some(bits_per_sample.len() as u32))?;
        if !(1..=5).contains(&samples) || (bits_per_sample.len() > 1 && bits_per_sample.len() as u32 != samples) {
            return Err(format!("{samples} samples a pixel"));
        }
        let subsampling = match find(530) {
            Some(entry) => match reader.integers(&entry, 2).as_deref() {
                Some([horizontal, vertical]) => (*horizontal, *vertical),
                _ => return Err("its YCbCr subsampling is unreadable".to_owned()),
            },
            None => (2, 2),
        };
        let resolution = match (find(282), find(283)) {
            (Some(x), Some(y)) => Some((
                reader.rational(&x).ok_or("its X resolution is unreadable")?,
                reader.rational(&y).ok_or("its Y resolution is unreadable")?,
            )),
            _ => None,
        };
        let picture = Self {
            width,
            height,
            bits: bits_per_sample[0],
            samples,
            photometric: number(reader, 262, None)?,
            planar: number(reader, 284, Some(1))?,
            palette: find(320).is_some(),
            subsampling,
            resolution,
        };
        picture.check_strips(reader, find(273), find(279))?;
        Ok(picture)
    }

    /// Every strip lies inside the file, as ffprobe needs to decode the picture.
    fn check_strips<F: Read + Seek>(
        &self,
        reader: &mut Reader<'_, F>,
        offsets: Option<Entry>,
        lengths: Option<Entry>,
    ) -> Result<(), String> {
        let (Some(offsets), Some(lengths)) = (offsets, lengths) else {
            return Err("no strip offsets or lengths".to_owned());
        };
        let offsets = reader.integers(&offsets, MOST_STRIPS).ok_or("its strip offsets are unreadable")?;
        let lengths = reader.integers(&lengths, MOST_STRIPS).ok_or("its strip lengths are unreadable")?;
        if offsets.len() != lengths.len() {
            return Err("as many strip offsets as lengths".to_owned());
        }
        let beyond = offsets
            .iter()
            .zip(&lengths)
            .any(|(offset, length)| *length == 0 || u64::from(*offset) + u64::from(*length) > reader.size);
        if beyond { Err("a strip runs past the end of the file".to_owned()) } else { Ok(()) }
    }

    /// FFmpeg's TIFF decoder's pixel format for this picture.
    fn pix_fmt(&self, order: Order) -> Result<String, String> {
        let sixteen = |name: &str| format!("{name}{}", order.suffix());
        let interleaved = self.planar == 1;
        let pix_fmt = match (self.photometric, self.bits, self.samples, interleaved) {
            (1, 1, 1, _) if !self.palette => "monob".to_owned(),
            (1, 8, 1, _) if !self.palette => "gray".to_owned(),
            (3, 1 | 2 | 4 | 8, 1, _) if self.palette => "pal8".to_owned(),
            (1, 16, 1, _) => sixteen("gray16"),
            (1, 8, 2, true) => "ya8".to_owned(),
            (1, 16, 2, true) => sixteen("ya16"),
            (2, 8, 3, true) => "rgb24".to_owned(),
            (2, 8, 4, true) => "rgba".to_owned(),
            (2, 16, 3, true) => sixteen("rgb48"),
            (2, 16, 4, true) => sixteen("rgba64"),
            (2, 8, 3, false) => "gbrp".to_owned(),
            (2, 8, 4, false) => "gbrap".to_owned(),
            (2, 16, 3, false) => sixteen("gbrp16"),
            (2, 16, 4, false) => sixteen("gbrap16"),
            (6, 8, 3, true) => match self.subsampling {
                (1, 1) => "yuv444p",
                (2, 1) => "yuv422p",
                (4, 1) => "yuv411p",
                (1, 2) => "yuv440p",
                (2, 2) => "yuv420p",
                (4, 4) => "yuv410p",
                (horizontal, vertical) => return Err(format!("YCbCr subsampled {horizontal}×{vertical}")),
            }
            .to_owned(),
            (photometric, bits, samples, _) => {
                return Err(format!(
                    "photometric interpretation {photometric}, {samples} samples of {bits} bits, planar {}",
                    self.planar
                ));
            }
        };
        Ok(pix_fmt)
    }

    fn describe(&self, order: Order) -> Native {
        let pix_fmt = match self.pix_fmt(order) {
            Ok(pix_fmt) => pix_fmt,
            Err(reason) => return unsure(&reason),
        };
        let mut stream = StreamDescription::of_kind(StreamKind::Video);
        stream.codec = Some("tiff".to_owned());
        stream.width = Some(self.width);
        stream.height = Some(self.height);
        // FFmpeg takes the pixel aspect from the resolutions, Y over X, and reduces the display
        // aspect within 2^20: a ratio it would have to approximate is left to it.
        if let Some(((x_num, x_den), (y_num, y_den))) = self.resolution {
            let pixel = Rational::new(u64::from(y_num) * u64::from(x_den), u64::from(x_num) * u64::from(y_den));
            let display = pixel.and_then(|pixel| {
                Rational::new(
                    pixel.num.saturating_mul(u64::from(self.width)),
                    pixel.den.saturating_mul(u64::from(self.height)),
                )
            });
            match (pixel, display) {
                (Some(pixel), Some(display))
                    if pixel.num <= i32::MAX as u64
                        && pixel.den <= i32::MAX as u64
                        && display.num <= 1 << 20
                        && display.den <= 1 << 20 =>
                {
                    stream.display_aspect_ratio = Some(display);
                }
                (None, _) => {}
                _ => return unsure("a pixel aspect FFmpeg would approximate"),
            }
        }
        let (chroma, bit_depth) = chroma_and_depth(&pix_fmt);
        stream.pix_fmt = Some(pix_fmt);
        stream.chroma = chroma;
        stream.bit_depth = bit_depth;
        still_picture("tiff", stream)
    }
}
