//! Who may do what: built-in roles and the permissions they carry, and token scopes.

use serde::Serialize;

use crate::CoreError;

/// What an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Permission {
    Read,
    Download,
    WriteMetadata,
    Ingest,
    Deliver,
    Delete,
    Administer,
}

impl Permission {
    pub const ALL: [Self; 7] =
        [Self::Read, Self::Download, Self::WriteMetadata, Self::Ingest, Self::Deliver, Self::Delete, Self::Administer];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Download => "download",
            Self::WriteMetadata => "write-metadata",
            Self::Ingest => "ingest",
            Self::Deliver => "deliver",
            Self::Delete => "delete",
            Self::Administer => "administer",
        }
    }

    pub fn parse(text: &str) -> Result<Self, CoreError> {
        Self::ALL.into_iter().find(|permission| permission.as_str() == text.trim()).ok_or_else(|| {
            CoreError::invalid(
                "permission",
                text,
                "use read, download, write-metadata, ingest, deliver, delete or administer",
            )
        })
    }
}

/// The built-in roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Admin,
    MediaManager,
    Editor,
    Viewer,
    Partner,
}

impl Role {
    pub const ALL: [Self; 5] = [Self::Admin, Self::MediaManager, Self::Editor, Self::Viewer, Self::Partner];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::MediaManager => "media-manager",
            Self::Editor => "editor",
            Self::Viewer => "viewer",
            Self::Partner => "partner",
        }
    }

    pub fn parse(text: &str) -> Result<Self, CoreError> {
        let wanted = text.trim().replace('_', "-").to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == wanted)
            .ok_or_else(|| CoreError::invalid("role", text, "use admin, media-manager, editor, viewer or partner"))
    }

    /// What the role may do where it is granted.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Self::Admin => &Permission::ALL,
            Self::MediaManager => &[Read, Download, WriteMetadata, Ingest, Deliver, Delete],
            Self::Editor => &[Read, Download, WriteMetadata, Ingest],
            Self::Viewer => &[Read],
            Self::Partner => &[Read, Download],
        }
    }
}

/// The permissions a token may use: a subset of its user's, named by scope. An empty list of
/// scopes is refused: a token always says what it is for.
pub fn parse_scopes(text: &[String]) -> Result<Vec<Permission>, CoreError> {
    let mut scopes: Vec<Permission> = Vec::new();
    for item in text.iter().flat_map(|item| item.split([',', ' '])).filter(|item| !item.trim().is_empty()) {
        let permission = Permission::parse(item)?;
        if !scopes.contains(&permission) {
            scopes.push(permission);
        }
    }
    if scopes.is_empty() {
        return Err(CoreError::invalid("scopes", "", "name at least one scope, such as read"));
    }
    scopes.sort();
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_nested_permissions() {
        assert!(Role::Admin.permissions().contains(&Permission::Administer));
        assert!(!Role::MediaManager.permissions().contains(&Permission::Administer));
        assert_eq!(Role::Viewer.permissions(), &[Permission::Read]);
        assert_eq!(Role::parse("Media_Manager").unwrap(), Role::MediaManager);
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn scopes_are_parsed_deduplicated_and_never_empty() {
        let scopes = parse_scopes(&["download,read".to_owned(), "read".to_owned()]).unwrap();
        assert_eq!(scopes, vec![Permission::Read, Permission::Download]);
        assert!(parse_scopes(&[]).is_err());
        assert!(parse_scopes(&["read,sudo".to_owned()]).is_err());
    }
}
