//! EBML, the binary layout of Matroska and WebM: elements of an ID and a size (both
//! variable-length integers) then a body. Element headers are read from the file one at a time;
//! small master elements (`Info`, `Tracks`) are read whole, bounded, and walked in memory.

use std::io::{Read, Seek, SeekFrom};

use super::super::read_exact_or_short;

/// An element found in the file: its ID (length marker kept, as the specification writes IDs),
/// where its body starts, and its body's size (`None` for "unknown", as live streams write).
#[derive(Debug, Clone, Copy)]
pub(super) struct Element {
    pub id: u32,
    pub body: u64,
    pub size: Option<u64>,
}

impl Element {
    /// Where the element ends, when its size is known.
    pub fn end(&self) -> Option<u64> {
        self.body.checked_add(self.size?)
    }
}

/// A variable-length integer at the start of `bytes`: its value (marker removed unless
/// `keep_marker`), its length, and whether every value bit is set (a size of "unknown").
fn vint(bytes: &[u8], keep_marker: bool) -> Option<(u64, usize, bool)> {
    let first = *bytes.first()?;
    if first == 0 {
        return None;
    }
    let length = first.leading_zeros() as usize + 1;
    let head = if keep_marker { u64::from(first) } else { u64::from(first) & (0xFF >> length) };
    let value = bytes.get(1..length)?.iter().fold(head, |value, byte| (value << 8) | u64::from(*byte));
    let value_bits = 7 * length as u32;
    let all_ones = !keep_marker && value == (1u64 << value_bits) - 1;
    Some((value, length, all_ones))
}

/// The element whose header starts at `offset`, when it fits before `limit`.
pub(super) fn element_at<F: Read + Seek>(file: &mut F, offset: u64, limit: u64) -> Option<Element> {
    let mut bytes = [0u8; 12];
    file.seek(SeekFrom::Start(offset)).ok()?;
    let read = read_exact_or_short(file, &mut bytes);
    let (id, id_length, _) = vint(&bytes[..read], true)?;
    if id_length > 4 {
        return None;
    }
    let (size, size_length, unknown) = vint(&bytes[id_length..read], false)?;
    let body = offset + (id_length + size_length) as u64;
    if body > limit {
        return None;
    }
    Some(Element { id: id as u32, body, size: (!unknown).then_some(size) })
}

/// Reads an element's body whole, when it is no larger than `most` and lies inside the file.
pub(super) fn body_of<F: Read + Seek>(file: &mut F, element: &Element, most: u64, file_size: u64) -> Option<Vec<u8>> {
    let size = element.size?;
    if size > most || element.end()? > file_size {
        return None;
    }
    let mut bytes = vec![0u8; size as usize];
    file.seek(SeekFrom::Start(element.body)).ok()?;
    (read_exact_or_short(file, &mut bytes) == bytes.len()).then_some(bytes)
}

/// The children of a master element held in memory, as (ID, body) pairs. A child that runs
/// past its parent ends the walk with an error.
pub(super) fn children(bytes: &[u8]) -> Result<Vec<(u32, &[u8])>, String> {
    let mut found = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let (id, id_length, _) = vint(&bytes[at..], true).ok_or("an element ID it cannot read")?;
        let (size, size_length, unknown) =
            vint(&bytes[at + id_length..], false).ok_or("an element size it cannot read")?;
        if id_length > 4 || unknown {
            return Err("an element of unknown size inside another".to_owned());
        }
        let start = at + id_length + size_length;
        let end = usize::try_from(size).ok().and_then(|size| start.checked_add(size)).filter(|end| *end <= bytes.len());
        let end = end.ok_or("an element that runs past its parent")?;
        found.push((id as u32, &bytes[start..end]));
        at = end;
        if found.len() > 4096 {
            return Err("more than 4,096 elements in one".to_owned());
        }
    }
    Ok(found)
}

/// The body of the first child with `id`.
pub(super) fn child<'a>(elements: &[(u32, &'a [u8])], id: u32) -> Option<&'a [u8]> {
    elements.iter().find(|(found, _)| *found == id).map(|(_, body)| *body)
}

/// An unsigned integer body (0 to 8 bytes).
pub(super) fn unsigned(body: &[u8]) -> Result<u64, String> {
    if body.len() > 8 {
        return Err("an integer of more than 8 bytes".to_owned());
    }
    Ok(body.iter().fold(0u64, |value, byte| (value << 8) | u64::from(*byte)))
}

/// A float body (0, 4 or 8 bytes).
pub(super) fn float(body: &[u8]) -> Result<f64, String> {
    match body.len() {
        0 => Ok(0.0),
        4 => Ok(f64::from(f32::from_be_bytes(body.try_into().expect("4 bytes")))),
        8 => Ok(f64::from_be_bytes(body.try_into().expect("8 bytes"))),
        length => Err(format!("a float of {length} bytes")),
    }
}

/// A string body, without the zero bytes that may pad it.
pub(super) fn string(body: &[u8]) -> String {
    let end = body.iter().position(|byte| *byte == 0).unwrap_or(body.len());
    String::from_utf8_lossy(&body[..end]).into_owned()
}

/// A block's track number (a variable-length integer, marker removed) and its header's length
/// (track number, 2 bytes of timestamp, 1 of flags).
pub(super) fn block_track(bytes: &[u8]) -> Option<(u64, usize, u8)> {
    let (track, length, _) = vint(bytes, false)?;
    let flags = *bytes.get(length + 2)?;
    Some((track, length + 3, flags))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_length_integers_read_back() {
        assert_eq!(vint(&[0x81], false), Some((1, 1, false)));
        assert_eq!(vint(&[0x40, 0x02], false), Some((2, 2, false)));
        assert_eq!(vint(&[0x1A, 0x45, 0xDF, 0xA3], true), Some((0x1A45_DFA3, 4, false)));
        assert_eq!(vint(&[0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], false).map(|found| found.2), Some(true));
        assert_eq!(vint(&[0x00], false), None);
        assert_eq!(vint(&[0x40], false), None);
    }

    #[test]
    fn children_must_fit_their_parent() {
        // Two children (ID 0x86, 2 bytes; ID 0xD7, 1 byte), then one that claims 5 bytes of 1.
        assert_eq!(children(&[0x86, 0x82, b'V', b'9', 0xD7, 0x81, 1]).unwrap().len(), 2);
        assert!(children(&[0x86, 0x85, b'V']).is_err());
    }
}
