//! Server paths are for administrators (issue 12): an asset's source path, the paths in job logs
//! and in upload errors tell an attacker where the data folder and the deliveries live. Others
//! see file names, and the data folder as `DATA`.

use regie_core::access::Access;
use regie_db::AssetRecord;

use crate::Regie;
use crate::jobs::JobDetails;

impl Regie {
    /// `text` as `access` may read it: unchanged for an administrator; otherwise an upload's
    /// landing folder disappears and the data folder reads `DATA`.
    pub fn redact_paths(&self, access: &Access, text: &str) -> String {
        if access.is_admin() {
            return text.to_owned();
        }
        let data_dir = self.settings.data_dir.display().to_string();
        let uploads = format!("{data_dir}/uploads/");
        let mut redacted = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find(&uploads) {
            redacted.push_str(&rest[..start]);
            let after = &rest[start + uploads.len()..];
            // `ID/` of the landing folder: the file name follows.
            let id_length = after.find('/').filter(|&length| after[..length].bytes().all(|b| b.is_ascii_hexdigit()));
            rest = match id_length {
                Some(length) => &after[length + 1..],
                None => {
                    redacted.push_str("DATA/uploads/");
                    after
                }
            };
        }
        redacted.push_str(rest);
        redacted.replace(&data_dir, "DATA")
    }

    /// An asset record as `access` may read it (server paths for administrators only).
    pub fn record_as_seen_by(&self, access: &Access, record: AssetRecord) -> AssetRecord {
        if access.is_admin() { record } else { without_paths(record) }
    }

    /// A job as `access` may read it.
    pub fn redact_job(&self, access: &Access, mut details: JobDetails) -> JobDetails {
        if access.is_admin() {
            return details;
        }
        details.job.error = details.job.error.map(|error| self.redact_paths(access, &error));
        for line in &mut details.log {
            line.message = self.redact_paths(access, &line.message);
        }
        details
    }
}

/// An asset record without server paths: the source and duplicate paths become file names.
pub(crate) fn without_paths(mut record: AssetRecord) -> AssetRecord {
    record.source_path = file_name(&record.source_path);
    record.duplicates = record.duplicates.iter().map(|path| file_name(path)).collect();
    record
}

fn file_name(path: &str) -> String {
    std::path::Path::new(path).file_name().map_or_else(String::new, |name| name.to_string_lossy().into_owned())
}
