//! Segments as CSV (one row each, a header naming the columns) and markers read from CSV: a
//! header is required; `start_tc` (or `in`, or `start_frame`) says where, `end_tc` (or `out`, or
//! `end_frame`) until where, `kind` (default `marker`) and `text` (or `comment`, `name`) what.

use super::{LineError, Mark, Segment, SegmentKind, SourceClock};

const COLUMNS: &[&str] =
    &["id", "kind", "start_frame", "end_frame", "start_tc", "end_tc", "text", "author", "origin", "created_at"];

/// Writes `segments` as CSV with a header.
pub fn export_csv(segments: &[Segment]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut write = |row: &[&str]| writer.write_record(row).expect("writing to memory");
    write(COLUMNS);
    for segment in segments {
        let (start, end) = (segment.start_frame.to_string(), segment.end_frame.to_string());
        write(&[
            &segment.id,
            segment.kind.as_str(),
            &start,
            &end,
            &segment.start_tc,
            &segment.end_tc,
            &segment.text,
            segment.author.as_deref().unwrap_or_default(),
            &segment.origin,
            &segment.created_at,
        ]);
    }
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV of UTF-8 fields")
}

/// Which column holds what, from the header.
struct Layout {
    kind: Option<usize>,
    start_tc: Option<usize>,
    start_frame: Option<usize>,
    end_tc: Option<usize>,
    end_frame: Option<usize>,
    text: Option<usize>,
}

impl Layout {
    fn from_header(header: &csv::StringRecord) -> Result<Self, String> {
        let find = |names: &[&str]| {
            header.iter().position(|column| names.contains(&column.trim().to_ascii_lowercase().as_str()))
        };
        let layout = Self {
            kind: find(&["kind"]),
            start_tc: find(&["start_tc", "in", "start"]),
            start_frame: find(&["start_frame"]),
            end_tc: find(&["end_tc", "out", "end"]),
            end_frame: find(&["end_frame"]),
            text: find(&["text", "comment", "name"]),
        };
        if layout.start_tc.is_none() && layout.start_frame.is_none() {
            return Err("the header needs a start_tc (or in, or start_frame) column".to_owned());
        }
        Ok(layout)
    }
}

/// Reads marks from CSV on `clock`; every wrong row is reported, nothing returned unless all are
/// right.
pub fn import_csv(text: &str, clock: &SourceClock) -> Result<Vec<Mark>, Vec<LineError>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let layout = match reader.headers() {
        Ok(header) => Layout::from_header(header).map_err(|reason| vec![LineError { line: 1, reason }])?,
        Err(error) => return Err(vec![LineError { line: 1, reason: error.to_string() }]),
    };
    let mut marks = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        match record {
            Ok(row) => {
                let line = row.position().map_or(0, |position| position.line() as usize);
                match row_mark(&row, &layout, clock) {
                    Ok(mark) => marks.push(mark),
                    Err(reason) => errors.push(LineError { line, reason }),
                }
            }
            Err(error) => {
                let line = error.position().map_or(0, |position| position.line() as usize);
                errors.push(LineError { line, reason: error.to_string() });
            }
        }
    }
    if errors.is_empty() { Ok(marks) } else { Err(errors) }
}

fn row_mark(row: &csv::StringRecord, layout: &Layout, clock: &SourceClock) -> Result<Mark, String> {
    let cell = |column: Option<usize>| column.and_then(|index| row.get(index)).filter(|value| !value.is_empty());
    let frame = |timecode: Option<&str>, frame: Option<&str>, what: &str| -> Result<Option<u64>, String> {
        if let Some(timecode) = timecode {
            return clock.frame_of(timecode).map(Some).map_err(|error| error.to_string());
        }
        frame.map(|text| text.parse::<u64>().map_err(|_| format!("{what} is not a frame number"))).transpose()
    };
    let start = frame(cell(layout.start_tc), cell(layout.start_frame), "start_frame")?
        .ok_or_else(|| "no start timecode or frame".to_owned())?;
    let end = frame(cell(layout.end_tc), cell(layout.end_frame), "end_frame")?.unwrap_or(start);
    if let Some(frames) = clock.frames
        && end > frames
    {
        return Err(format!("frame {end} is after the end of the source ({frames} frames)"));
    }
    let kind = cell(layout.kind).map(SegmentKind::parse).transpose().map_err(|error| error.to_string())?;
    Mark::new(kind.unwrap_or_else(SegmentKind::marker), start, end, cell(layout.text).unwrap_or_default())
        .map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timecode::TimeBase;

    fn clock() -> SourceClock {
        SourceClock { base: TimeBase::new("25".parse().unwrap(), Some("10:00:00:00")).unwrap(), frames: Some(750) }
    }

    fn segment(kind: &str, start: u64, end: u64, text: &str) -> Segment {
        let base = clock().base;
        Segment {
            id: format!("s{start}"),
            asset_id: "a".to_owned(),
            kind: SegmentKind::parse(kind).unwrap(),
            start_frame: start,
            end_frame: end,
            start_tc: base.timecode_of(start),
            end_tc: base.timecode_of(end),
            start_s: base.seconds_of(start),
            end_s: base.seconds_of(end),
            text: text.to_owned(),
            author: Some("anne".to_owned()),
            origin: "user".to_owned(),
            created_at: "2026-11-29T10:00:00Z".to_owned(),
            updated_at: "2026-11-29T10:00:00Z".to_owned(),
            parent_id: None,
            resolved_at: None,
            resolved_by: None,
            keyframe: None,
        }
    }

    #[test]
    fn an_export_reads_back_as_the_same_marks() {
        let segments = [segment("marker", 55, 55, "Goal, \"at last\""), segment("chapter", 0, 250, "two\nlines")];
        let csv = export_csv(&segments);
        assert!(csv.starts_with("id,kind,start_frame,end_frame,start_tc,end_tc,text,author"));
        let marks = import_csv(&csv, &clock()).unwrap();
        let expected: Vec<Mark> = segments.iter().map(Segment::mark).collect();
        assert_eq!(marks, expected);
    }

    #[test]
    fn a_log_sheet_with_in_and_out_columns_is_read_and_bad_rows_are_named() {
        let sheet = "In,Out,Comment\n10:00:01:00,10:00:02:00,good take\n10:00:03:00,,pickup\n";
        let marks = import_csv(sheet, &clock()).unwrap();
        assert_eq!((marks[0].start_frame, marks[0].end_frame, marks[0].text.as_str()), (25, 50, "good take"));
        assert_eq!((marks[1].start_frame, marks[1].end_frame), (75, 75));
        let bad =
            "kind,in,out\nmarker,10:00:01:00,10:00:00:00\n2bad,10:00:01:00,\nmarker,nonsense,\nmarker,10:00:40:00,\n";
        let errors = import_csv(bad, &clock()).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|error| error.line).collect();
        assert_eq!(lines, [2, 3, 4, 5], "{errors:#?}");
        assert!(import_csv("text\nhello\n", &clock()).unwrap_err()[0].reason.contains("start_tc"));
    }
}
