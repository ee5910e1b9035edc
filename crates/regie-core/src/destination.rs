//! Where deliveries go: a destination's address (a mounted folder, an SFTP server, an S3
//! bucket), the form of the metadata sidecar it expects and the template its file names follow.
//! Pure: the transfer crate moves the bytes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// Where a destination's files land.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "lowercase")]
pub enum DestinationUrl {
    /// A folder, usually a mounted share: `file:///mnt/playout/in`.
    File { path: String },
    /// `sftp://user@host[:port]/path` (key-based authentication).
    Sftp { user: String, host: String, port: u16, path: String },
    /// `s3://bucket[/prefix]`.
    S3 { bucket: String, prefix: String },
}

impl DestinationUrl {
    pub fn parse(text: &str) -> Result<Self, CoreError> {
        let invalid = |reason: &str| CoreError::invalid("destination address", text, reason);
        if text.chars().any(|character| character.is_control() || character == '"' || character == '\'') {
            return Err(invalid("control characters and quotes are not allowed in a destination address"));
        }
        if text.contains(['*', '?', '[', ']', '\\']) {
            return Err(invalid("'*', '?', '[', ']' and '\\' are not allowed in a destination address"));
        }
        if let Some(path) = text.strip_prefix("file://") {
            if !path.starts_with('/') {
                return Err(invalid("give an absolute folder, as file:///mnt/share/in"));
            }
            return Ok(Self::File { path: trim_slashes_end(path) });
        }
        if let Some(rest) = text.strip_prefix("sftp://") {
            let (authority, path) = rest.split_once('/').ok_or_else(|| invalid("give sftp://USER@HOST[:PORT]/PATH"))?;
            let (user, host_port) =
                authority.split_once('@').ok_or_else(|| invalid("name the user: sftp://USER@HOST[:PORT]/PATH"))?;
            let (host, port) = match host_port.rsplit_once(':') {
                Some((host, port)) if !host.ends_with(']') || host.starts_with('[') => {
                    (host, port.parse::<u16>().map_err(|_| invalid("the port must be a number from 1 to 65535"))?)
                }
                _ => (host_port, 22),
            };
            let plain = |value: &str| {
                !value.is_empty()
                    && !value.starts_with('-')
                    && value.chars().all(|character| character.is_ascii_alphanumeric() || "._-[]:".contains(character))
            };
            if !plain(user) || !plain(host) || port == 0 {
                return Err(invalid("the user and host may hold letters, digits, '.', '-' and '_' only"));
            }
            return Ok(Self::Sftp {
                user: user.to_owned(),
                host: host.to_owned(),
                port,
                path: format!("/{}", trim_slashes_end(path).trim_start_matches('/')),
            });
        }
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let valid_bucket = (3..=63).contains(&bucket.len())
                && bucket
                    .bytes()
                    .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || b".-".contains(&byte));
            if !valid_bucket {
                return Err(invalid("an S3 bucket name has 3 to 63 lower-case letters, digits, '.' or '-'"));
            }
            return Ok(Self::S3 { bucket: bucket.to_owned(), prefix: prefix.trim_matches('/').to_owned() });
        }
        Err(invalid("give file:///PATH, sftp://USER@HOST[:PORT]/PATH or s3://BUCKET[/PREFIX]"))
    }

    pub fn scheme(&self) -> &'static str {
        match self {
            Self::File { .. } => "file",
            Self::Sftp { .. } => "sftp",
            Self::S3 { .. } => "s3",
        }
    }
}

impl std::fmt::Display for DestinationUrl {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File { path } => write!(formatter, "file://{path}"),
            Self::Sftp { user, host, port: 22, path } => write!(formatter, "sftp://{user}@{host}{path}"),
            Self::Sftp { user, host, port, path } => write!(formatter, "sftp://{user}@{host}:{port}{path}"),
            Self::S3 { bucket, prefix } if prefix.is_empty() => write!(formatter, "s3://{bucket}"),
            Self::S3 { bucket, prefix } => write!(formatter, "s3://{bucket}/{prefix}"),
        }
    }
}

fn trim_slashes_end(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() { "/".to_owned() } else { trimmed.to_owned() }
}

/// The form of the metadata sidecar delivered beside the media.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SidecarForm {
    /// regie's own JSON (the asset's description as `assets show --json` gives it).
    #[default]
    Json,
    /// EBUCore XML.
    Ebucore,
    /// One header row and one row of descriptive fields.
    Csv,
    /// No sidecar.
    None,
}

impl SidecarForm {
    pub fn parse(text: &str) -> Result<Self, CoreError> {
        match text {
            "json" | "regie" => Ok(Self::Json),
            "ebucore" | "xml" => Ok(Self::Ebucore),
            "csv" => Ok(Self::Csv),
            "none" => Ok(Self::None),
            _ => Err(CoreError::invalid("sidecar form", text, "use json, ebucore, csv or none")),
        }
    }

    /// The extension of the sidecar file, when there is one.
    pub fn extension(self) -> Option<&'static str> {
        match self {
            Self::Json => Some("json"),
            Self::Ebucore => Some("xml"),
            Self::Csv => Some("csv"),
            Self::None => None,
        }
    }
}

/// The default file-name template: house id, then the profile when one was asked.
pub const DEFAULT_NAME_TEMPLATE: &str = "{house_id}{_profile}";

/// The fields a template may use; unknown ones are refused when the destination is added.
const TEMPLATE_FIELDS: [&str; 9] =
    ["house_id", "title", "series", "episode", "version", "profile", "_profile", "asset_id", "date"];

/// A file-name template such as `{house_id}_{title}_v{version}`: fields in braces, the rest kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NameTemplate(String);

impl NameTemplate {
    pub fn parse(text: &str) -> Result<Self, CoreError> {
        let invalid = |reason: String| CoreError::invalid("file-name template", text, reason);
        if text.is_empty() || text.len() > 200 {
            return Err(invalid("give a template of 1 to 200 characters, such as {house_id}_{title}".to_owned()));
        }
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').ok_or_else(|| invalid("a '{' is not closed".to_owned()))? + open;
            let field = &rest[open + 1..close];
            if !TEMPLATE_FIELDS.contains(&field) {
                return Err(invalid(format!("unknown field {{{field}}}; use {}", TEMPLATE_FIELDS.join(", "))));
            }
            rest = &rest[close + 1..];
        }
        if text.contains('/') || text.contains('\\') {
            return Err(invalid("a template names a file, not a folder: no '/'".to_owned()));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The file name (without extension) for `fields`; every value is made safe for any file
    /// system (letters, digits, `-`, `_`, `.`; the rest becomes `_`), never empty or hidden.
    pub fn render(&self, fields: &BTreeMap<&str, String>) -> String {
        let mut name = String::new();
        let mut rest = self.0.as_str();
        while let Some(open) = rest.find('{') {
            name.push_str(&rest[..open]);
            let close = rest[open..].find('}').map_or(rest.len(), |close| close + open);
            let field = &rest[open + 1..close];
            name.push_str(fields.get(field).map_or("", String::as_str));
            rest = rest.get(close + 1..).unwrap_or("");
        }
        name.push_str(rest);
        safe_file_stem(&name)
    }
}

impl Default for NameTemplate {
    fn default() -> Self {
        Self(DEFAULT_NAME_TEMPLATE.to_owned())
    }
}

/// Letters and digits (any script folded to ASCII where it is a Latin accent), `-`, `_`, `.`;
/// runs of anything else become one `_`; at most 150 bytes; never starts with `.` or `-`.
pub fn safe_file_stem(text: &str) -> String {
    let mut stem = String::new();
    for character in text.chars() {
        let folded = fold_accent(character);
        if folded.is_ascii_alphanumeric() || "-_.".contains(folded) {
            stem.push(folded);
        } else if !stem.ends_with('_') {
            stem.push('_');
        }
    }
    let stem = stem.trim_matches(|character| character == '_' || character == '.' || character == '-');
    let mut stem: String = stem.chars().take(150).collect();
    if stem.is_empty() {
        stem.push_str("delivery");
    }
    stem
}

fn fold_accent(character: char) -> char {
    match character {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'A',
        'ç' => 'c',
        'Ç' => 'C',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'È' | 'É' | 'Ê' | 'Ë' => 'E',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'Ì' | 'Í' | 'Î' | 'Ï' => 'I',
        'ñ' => 'n',
        'Ñ' => 'N',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => 'O',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'Ù' | 'Ú' | 'Û' | 'Ü' => 'U',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_into_their_parts() {
        assert_eq!(
            DestinationUrl::parse("file:///mnt/playout/in/").unwrap(),
            DestinationUrl::File { path: "/mnt/playout/in".into() }
        );
        assert_eq!(
            DestinationUrl::parse("sftp://deliver@127.0.0.1:2222/incoming").unwrap(),
            DestinationUrl::Sftp {
                user: "deliver".into(),
                host: "127.0.0.1".into(),
                port: 2222,
                path: "/incoming".into()
            }
        );
        let default_port = DestinationUrl::parse("sftp://ops@playout.example/in").unwrap();
        assert_eq!(default_port.to_string(), "sftp://ops@playout.example/in");
        assert_eq!(
            DestinationUrl::parse("s3://partner-drop/arte/in/").unwrap(),
            DestinationUrl::S3 { bucket: "partner-drop".into(), prefix: "arte/in".into() }
        );
        for bad in [
            "ftp://host/x",
            "file://relative",
            "sftp://host/x",
            "sftp://-oProxyCommand=x@host/x",
            "sftp://u@host:99999/x",
            "s3://UPPER",
            "file:///a'b",
        ] {
            assert!(DestinationUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn templates_render_safe_names_and_refuse_unknown_fields() {
        let template = NameTemplate::parse("{house_id}_{title}_v{version}").unwrap();
        let fields = BTreeMap::from([
            ("house_id", "NEWS-000042".to_owned()),
            ("title", "Le Journal: édition / spéciale".to_owned()),
            ("version", "3".to_owned()),
        ]);
        assert_eq!(template.render(&fields), "NEWS-000042_Le_Journal_edition_speciale_v3");
        assert_eq!(
            NameTemplate::parse("{title}").unwrap().render(&BTreeMap::from([("title", "../..".into())])),
            "delivery"
        );
        assert!(NameTemplate::parse("{owner}").unwrap_err().to_string().contains("unknown field {owner}"));
        assert!(NameTemplate::parse("a/{house_id}").is_err());
        assert!(NameTemplate::parse("{house_id").is_err());
    }
}
