//! `.md5` files as md5sum writes them (`<hash>  <name>` or `<hash> *<name>`), or a bare hash.

use regie_core::Md5Hex;
use regie_core::sidecar::{DeclaredFacts, Sidecar};

#[derive(Debug)]
pub(crate) struct Md5List {
    entries: Vec<(Option<String>, Md5Hex)>,
}

impl Md5List {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut entries = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            let (hash, name) = match line.split_once(char::is_whitespace) {
                Some((hash, name)) => (hash, Some(name.trim_start().trim_start_matches('*'))),
                None => (line, None),
            };
            let hash = Md5Hex::parse(hash).map_err(|_| format!("line {} is not an MD5 checksum line", number + 1))?;
            let name = name.filter(|name| !name.is_empty()).map(|name| base_name(name).to_owned());
            entries.push((name, hash));
        }
        if entries.is_empty() {
            return Err("it holds no checksum".to_owned());
        }
        Ok(Self { entries })
    }

    /// Whether this list names files (a folder manifest) rather than holding one bare hash.
    pub fn names_files(&self) -> bool {
        self.entries.iter().any(|(name, _)| name.is_some())
    }

    /// The entry for a file, when the list names it.
    pub fn entry_for(&self, file_name: &str) -> Option<Sidecar> {
        self.entries
            .iter()
            .find(|(name, _)| name.as_deref() == Some(file_name))
            .map(|(_, hash)| declared_md5(hash.clone()))
    }

    /// For a file's own `.md5`: its named entry, or the only hash when the line names no file.
    pub fn entry_for_own(&self, file_name: &str) -> Option<Sidecar> {
        self.entry_for(file_name).or_else(|| match self.entries.as_slice() {
            [(None, hash)] => Some(declared_md5(hash.clone())),
            _ => None,
        })
    }
}

fn declared_md5(md5: Md5Hex) -> Sidecar {
    Sidecar { declared: DeclaredFacts { md5: Some(md5), ..Default::default() }, ..Default::default() }
}

fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5sum_lines_and_bare_hashes_are_read() {
        let list = Md5List::parse(
            "d41d8cd98f00b204e9800998ecf8427e  sub/clip one.mxf\n0cc175b9c0f1b6a831c399e269772661 *b.wav\n",
        )
        .unwrap();
        assert!(list.names_files());
        assert!(list.entry_for("clip one.mxf").is_some());
        assert_eq!(list.entry_for("b.wav").unwrap().declared.md5.unwrap().as_str(), "0cc175b9c0f1b6a831c399e269772661");
        let bare = Md5List::parse("D41D8CD98F00B204E9800998ECF8427E\n").unwrap();
        assert!(!bare.names_files());
        assert!(bare.entry_for_own("anything.mov").is_some());
        assert!(Md5List::parse("hello world").is_err());
    }
}
