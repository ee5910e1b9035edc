//! Who may touch what: a caller's grants (their own and their groups'), the asset checks every
//! front end makes, and the administration of groups and grants.

use std::sync::Arc;

use regie_core::access::{Access, EVERY_COLLECTION, Grant, Permission, Role};
use regie_core::{AssetId, CollectionPath, CoreError};
use regie_db::{AssetRecord, AssetSummary, GrantRecord, GroupRecord, Principal};

use crate::{AppError, Caller, Regie};

impl Regie {
    /// What `caller` may do: their role, their token's scopes, and the grants to them and their groups.
    pub async fn access_of(&self, caller: &Caller) -> Result<Access, AppError> {
        let grants = match self.reads.grants(&caller.user.id) {
            Some(grants) => grants,
            None => {
                let seen = self.reads.version();
                let grants: Vec<Grant> = self
                    .db
                    .grants_of_user(&caller.user.id)
                    .await?
                    .into_iter()
                    .filter_map(|(collection, role)| Role::parse(&role).ok().map(|role| Grant { collection, role }))
                    .collect();
                self.reads.keep_grants(seen, &caller.user.id, grants.clone());
                grants
            }
        };
        Ok(Access {
            user_id: caller.user.id.clone(),
            role: Role::parse(&caller.user.role)?,
            scopes: caller.scopes.clone(),
            grants,
        })
    }

    /// Resolves `reference` to an asset the caller may read and checks `permission` on it. An
    /// asset the caller may not read is reported exactly like one that does not exist.
    pub async fn asset_for(
        &self,
        access: &Access,
        reference: &str,
        permission: Permission,
    ) -> Result<AssetId, AppError> {
        let (asset_id, collection, owner) = match self.reads.access(reference) {
            Some(found) => found,
            None => {
                let seen = self.reads.version();
                let found = self.db.asset_access(reference).await?;
                self.reads.keep_access(seen, reference, found.clone());
                found
            }
        };
        if !access.allows(Permission::Read, &collection, owner.as_deref()) {
            return Err(regie_db::DbError::AssetNotFound(reference.to_owned()).into());
        }
        if !access.allows(permission, &collection, owner.as_deref()) {
            return Err(AppError::Forbidden(format!(
                "you may read asset {reference} but not {} it: ask an administrator for a grant on {collection}",
                permission.as_str()
            )));
        }
        Ok(asset_id)
    }

    /// The whole record of an asset the caller may read.
    pub async fn asset_as(&self, access: &Access, reference: &str) -> Result<Arc<AssetRecord>, AppError> {
        let asset_id = self.asset_for(access, reference, Permission::Read).await?;
        // Server paths are for administrators; both forms are cached.
        let with_paths = access.is_admin();
        if let Some(record) = self.reads.record(asset_id, with_paths) {
            return Ok(record);
        }
        let seen = self.reads.version();
        let record = self.db.get_asset(asset_id).await?;
        let record = Arc::new(if with_paths { record } else { crate::redact::without_paths(record) });
        self.reads.keep_record(seen, Arc::clone(&record), with_paths);
        Ok(record)
    }

    /// One page of the assets the caller may read.
    pub async fn asset_page(
        &self,
        access: &Access,
        collection: Option<&CollectionPath>,
        tag: Option<&str>,
        after: Option<AssetId>,
        limit: u32,
    ) -> Result<Arc<Vec<AssetSummary>>, AppError> {
        let visible = access.readable();
        let key = format!("{visible:?}|{collection:?}|{tag:?}|{after:?}|{limit}");
        if let Some(page) = self.reads.page(&key) {
            return Ok(page);
        }
        let seen = self.reads.version();
        let page = Arc::new(self.db.list_assets(collection, tag, after, limit, &visible).await?);
        self.reads.keep_page(seen, key, Arc::clone(&page));
        Ok(page)
    }

    /// Checks that the caller may ingest into `collection`.
    pub fn check_may_ingest(&self, access: &Access, collection: &CollectionPath) -> Result<(), AppError> {
        if access.allows(Permission::Ingest, collection.as_str(), None) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!("you may not ingest into {collection}: ask an administrator for a grant")))
        }
    }

    pub async fn add_group(&self, name: &str) -> Result<(), AppError> {
        crate::accounts::check_name(name)?;
        Ok(self.db.insert_group(name).await?)
    }

    pub async fn groups(&self) -> Result<Vec<GroupRecord>, AppError> {
        Ok(self.db.list_groups().await?)
    }

    pub async fn set_group_member(&self, group: &str, user: &str, member: bool) -> Result<bool, AppError> {
        Ok(self.db.set_group_member(group, user, member).await?)
    }

    /// Grants `role` on `collection` (`*` for every collection) to `user:NAME` or `group:NAME`.
    pub async fn grant(&self, collection: &str, principal: &str, role: &str) -> Result<GrantRecord, AppError> {
        let collection = if collection.trim() == EVERY_COLLECTION {
            EVERY_COLLECTION.to_owned()
        } else {
            collection.parse::<CollectionPath>()?.as_str().to_owned()
        };
        let role = Role::parse(role)?;
        let principal = match principal.split_once(':') {
            Some(("user", name)) => Principal::User(name),
            Some(("group", name)) => Principal::Group(name),
            _ => return Err(CoreError::invalid("grantee", principal, "write user:NAME or group:NAME").into()),
        };
        Ok(self.db.upsert_grant(&collection, principal, role.as_str()).await?)
    }

    pub async fn grants(&self) -> Result<Vec<GrantRecord>, AppError> {
        Ok(self.db.list_grants().await?)
    }

    pub async fn revoke_grant(&self, id: &str) -> Result<GrantRecord, AppError> {
        Ok(self.db.delete_grant(id).await?)
    }
}
