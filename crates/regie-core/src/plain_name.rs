//! Plain names: what a caller may use to choose a profile, a policy or another named definition.
//! A plain name is never a path, so it can be looked up in a folder without leaving it.

/// The longest plain name.
pub const MAX_PLAIN_NAME: usize = 64;

/// Letters, digits, `-` and `_`, starting with a letter or digit, at most 64 characters.
pub fn is_plain_name(name: &str) -> bool {
    let mut characters = name.chars();
    characters.next().is_some_and(|first| first.is_ascii_alphanumeric())
        && name.len() <= MAX_PLAIN_NAME
        && characters.all(|character| character.is_ascii_alphanumeric() || character == '-' || character == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_identifiers_and_never_paths() {
        for good in ["web-ladder", "prores_hq", "ebu-r128", "a", "X264"] {
            assert!(is_plain_name(good), "{good}");
        }
        let long = "a".repeat(65);
        for bad in ["", "/etc/shadow", "../uploads/x.part", "a/b", ".hidden", "-x", "a b", "é", "a.toml", &long] {
            assert!(!is_plain_name(bad), "{bad}");
        }
    }
}
