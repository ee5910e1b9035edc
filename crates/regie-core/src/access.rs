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
    /// Claim, renew and complete jobs through the server's lease API (a render-farm worker).
    Work,
    /// Write review comments and replies, and resolve them.
    Comment,
    /// Decide an asset's approval state in review.
    Approve,
}

impl Permission {
    pub const ALL: [Self; 10] = [
        Self::Read,
        Self::Download,
        Self::WriteMetadata,
        Self::Ingest,
        Self::Deliver,
        Self::Delete,
        Self::Administer,
        Self::Work,
        Self::Comment,
        Self::Approve,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Download => "download",
            Self::WriteMetadata => "write-metadata",
            Self::Ingest => "ingest",
            Self::Deliver => "deliver",
            Self::Delete => "delete",
            Self::Administer => "administer",
            Self::Work => "worker",
            Self::Comment => "comment",
            Self::Approve => "approve",
        }
    }

    pub fn parse(text: &str) -> Result<Self, CoreError> {
        Self::ALL.into_iter().find(|permission| permission.as_str() == text.trim()).ok_or_else(|| {
            CoreError::invalid(
                "permission",
                text,
                "use read, download, write-metadata, ingest, deliver, delete, administer, worker, comment or approve",
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

    /// The job priorities the role may ask for: only managers may put work ahead of the previews
    /// of new arrivals (priority 10), and nobody beyond the bounds every queue query expects.
    pub fn job_priorities(self) -> std::ops::RangeInclusive<i64> {
        match self {
            Self::Admin => -1000..=1000,
            Self::MediaManager => -1000..=100,
            Self::Editor | Self::Viewer | Self::Partner => -1000..=0,
        }
    }

    /// Checks a job priority asked for by someone with this role.
    pub fn check_job_priority(self, priority: i64) -> Result<(), CoreError> {
        let allowed = self.job_priorities();
        if allowed.contains(&priority) {
            return Ok(());
        }
        let reason = format!("a {} may ask for {} to {}", self.as_str(), allowed.start(), allowed.end());
        Err(CoreError::invalid("job priority", priority.to_string(), reason))
    }

    /// What the role may do where it is granted.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Self::Admin => &Permission::ALL,
            Self::MediaManager => &[Read, Download, WriteMetadata, Ingest, Deliver, Delete, Work, Comment, Approve],
            Self::Editor => &[Read, Download, WriteMetadata, Ingest, Comment],
            Self::Viewer => &[Read, Comment],
            Self::Partner => &[Read, Download, Comment],
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

/// A role granted on a collection and everything below it; `*` is every collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub collection: String,
    pub role: Role,
}

/// The collection a grant on everything names.
pub const EVERY_COLLECTION: &str = "*";

impl Grant {
    /// Whether the grant reaches `collection` (the granted one or one below it).
    pub fn covers(&self, collection: &str) -> bool {
        self.collection == EVERY_COLLECTION
            || collection == self.collection
            || collection.strip_prefix(self.collection.as_str()).is_some_and(|rest| rest.starts_with('/'))
    }
}

/// Which assets a caller may list: all, or those in some collection trees and those they own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    All,
    Limited { collections: Vec<String>, owner_id: Option<String> },
}

/// What one caller may do: their role bounds everything, a token narrows it to its scopes, and
/// outside `admin` a permission holds only in the collections granted to the user or their groups.
/// The owner of an asset may always read it.
#[derive(Debug, Clone)]
pub struct Access {
    pub user_id: String,
    pub role: Role,
    /// `None` for a password or session login (the role's permissions).
    pub scopes: Option<Vec<Permission>>,
    pub grants: Vec<Grant>,
}

impl Access {
    /// Whether the role and scopes allow `permission` at all.
    fn may_ever(&self, permission: Permission) -> bool {
        self.role.permissions().contains(&permission)
            && self.scopes.as_ref().is_none_or(|scopes| scopes.contains(&permission))
    }

    /// Whether the caller may do `permission` on an asset filed in `collection` and owned by `owner_id`.
    pub fn allows(&self, permission: Permission, collection: &str, owner_id: Option<&str>) -> bool {
        if !self.may_ever(permission) {
            return false;
        }
        if self.role == Role::Admin {
            return true;
        }
        if permission == Permission::Read && owner_id == Some(self.user_id.as_str()) {
            return true;
        }
        self.grants.iter().any(|grant| grant.covers(collection) && grant.role.permissions().contains(&permission))
    }

    /// Whether the caller may do `permission` somewhere (for actions not tied to an asset).
    pub fn allows_anywhere(&self, permission: Permission) -> bool {
        self.may_ever(permission)
            && (self.role == Role::Admin
                || self.grants.iter().any(|grant| grant.role.permissions().contains(&permission)))
    }

    /// Whether the caller may do `permission` where no collection is concerned (running jobs for
    /// the whole house): the role and the token's scopes decide, not grants.
    pub fn allows_system(&self, permission: Permission) -> bool {
        self.may_ever(permission)
    }

    /// Whether the caller may administer the whole system (users, grants, audit).
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin && self.may_ever(Permission::Administer)
    }

    /// The assets the caller may read, as a filter for listings and counts.
    pub fn readable(&self) -> Visibility {
        if !self.may_ever(Permission::Read) {
            return Visibility::Limited { collections: Vec::new(), owner_id: None };
        }
        if self.role == Role::Admin {
            return Visibility::All;
        }
        let mut collections: Vec<String> = self
            .grants
            .iter()
            .filter(|grant| grant.role.permissions().contains(&Permission::Read))
            .map(|grant| grant.collection.clone())
            .collect();
        if collections.iter().any(|collection| collection == EVERY_COLLECTION) {
            return Visibility::All;
        }
        collections.sort();
        collections.dedup();
        Visibility::Limited { collections, owner_id: Some(self.user_id.clone()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(role: Role, grants: &[(&str, Role)]) -> Access {
        Access {
            user_id: "u1".into(),
            role,
            scopes: None,
            grants: grants
                .iter()
                .map(|(collection, role)| Grant { collection: (*collection).into(), role: *role })
                .collect(),
        }
    }

    #[test]
    fn grants_are_inherited_down_the_tree_only() {
        let editor = access(Role::Editor, &[("news", Role::Editor), ("sport/archive", Role::Viewer)]);
        assert!(editor.allows(Permission::WriteMetadata, "news", None));
        assert!(editor.allows(Permission::WriteMetadata, "news/2026/evening", None));
        assert!(!editor.allows(Permission::Read, "newsroom", None), "a sibling sharing a prefix is not below");
        assert!(editor.allows(Permission::Read, "sport/archive/1998", None));
        assert!(!editor.allows(Permission::Download, "sport/archive", None), "viewer grants read only");
        assert!(!editor.allows(Permission::Read, "sport", None), "grants do not flow upwards");
        assert_eq!(
            editor.readable(),
            Visibility::Limited {
                collections: vec!["news".into(), "sport/archive".into()],
                owner_id: Some("u1".into())
            }
        );
    }

    #[test]
    fn the_role_bounds_grants_and_scopes_bound_the_role() {
        let viewer = access(Role::Viewer, &[("news", Role::MediaManager)]);
        assert!(viewer.allows(Permission::Read, "news", None));
        assert!(!viewer.allows(Permission::Delete, "news", None), "a grant cannot lift a user above their role");
        let mut admin = access(Role::Admin, &[]);
        assert!(admin.allows(Permission::Delete, "anything", None));
        assert_eq!(admin.readable(), Visibility::All);
        admin.scopes = Some(vec![Permission::Read]);
        assert!(!admin.allows(Permission::Delete, "anything", None));
        assert!(!admin.is_admin());
        admin.scopes = Some(vec![Permission::Download]);
        assert_eq!(admin.readable(), Visibility::Limited { collections: vec![], owner_id: None });
    }

    #[test]
    fn owners_read_their_assets_and_star_reaches_everything() {
        let partner = access(Role::Partner, &[]);
        assert!(partner.allows(Permission::Read, "inbox", Some("u1")));
        assert!(!partner.allows(Permission::Download, "inbox", Some("u1")));
        assert!(!partner.allows(Permission::Read, "inbox", Some("u2")));
        let viewer = access(Role::Viewer, &[("*", Role::Viewer)]);
        assert!(viewer.allows(Permission::Read, "any/where", None));
        assert_eq!(viewer.readable(), Visibility::All);
    }

    #[test]
    fn roles_grant_nested_permissions() {
        assert!(Role::Admin.permissions().contains(&Permission::Administer));
        assert!(!Role::MediaManager.permissions().contains(&Permission::Administer));
        assert!(Role::MediaManager.permissions().contains(&Permission::Work), "a media manager may run a render farm");
        assert!(!Role::Editor.permissions().contains(&Permission::Work), "an editor may not act as a worker");
        assert_eq!(Role::Viewer.permissions(), &[Permission::Read, Permission::Comment], "a viewer reviews");
        assert!(!Role::Editor.permissions().contains(&Permission::Approve), "approving is for managers");
        assert!(Role::MediaManager.permissions().contains(&Permission::Approve));
        assert_eq!(Role::parse("Media_Manager").unwrap(), Role::MediaManager);
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn running_jobs_follows_the_role_and_the_token_not_grants() {
        let manager = access(Role::MediaManager, &[]);
        assert!(manager.allows_system(Permission::Work), "no grant is needed to run the house's jobs");
        assert!(!access(Role::Editor, &[("*", Role::MediaManager)]).allows_system(Permission::Work));
        let mut reader = access(Role::Admin, &[]);
        reader.scopes = Some(vec![Permission::Read]);
        assert!(!reader.allows_system(Permission::Work), "a read token of an admin cannot act as a worker");
        assert_eq!(parse_scopes(&["worker".to_owned()]).unwrap(), vec![Permission::Work]);
    }

    #[test]
    fn scopes_are_parsed_deduplicated_and_never_empty() {
        let scopes = parse_scopes(&["download,read".to_owned(), "read".to_owned()]).unwrap();
        assert_eq!(scopes, vec![Permission::Read, Permission::Download]);
        assert!(parse_scopes(&[]).is_err());
        assert!(parse_scopes(&["read,sudo".to_owned()]).is_err());
    }
}
