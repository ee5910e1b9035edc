//! Groups of users and the roles granted to users or groups on collections.

use serde::Serialize;
use uuid::Uuid;

use crate::assets::now;
use crate::error::QueryContext;
use crate::sql::{Tx, query, query_scalar};
use crate::{Database, DbError};

/// A group and its members' names.
#[derive(Debug, Clone, Serialize)]
pub struct GroupRecord {
    pub name: String,
    pub members: Vec<String>,
    pub created_at: String,
}

/// A role granted on a collection tree, to a user or a group.
#[derive(Debug, Clone, Serialize)]
pub struct GrantRecord {
    pub id: String,
    pub collection: String,
    /// `user` or `group`.
    pub principal_kind: String,
    pub principal: String,
    pub role: String,
    pub created_at: String,
}

/// Who a grant is for.
#[derive(Debug, Clone, Copy)]
pub enum Principal<'a> {
    User(&'a str),
    Group(&'a str),
}

impl Database {
    pub async fn insert_group(&self, name: &str) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        query("INSERT INTO user_groups (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(Uuid::now_v7().to_string())
            .bind(name)
            .bind(now())
            .execute(&mut transaction)
            .await
            .map_err(|error| match &error {
                sqlx::Error::Database(database_error) if database_error.is_unique_violation() => {
                    DbError::GroupExists(name.to_owned())
                }
                _ => DbError::Query { step: "recording a group", source: error },
            })?;
        transaction.commit().await.during("committing a group")
    }

    pub async fn list_groups(&self) -> Result<Vec<GroupRecord>, DbError> {
        let rows = query(
            "SELECT g.name, g.created_at, u.name AS member FROM user_groups g
             LEFT JOIN group_members m ON m.group_id = g.id LEFT JOIN users u ON u.id = m.user_id
             ORDER BY g.name, u.name",
        )
        .fetch_all(&self.pool)
        .await
        .during("listing groups")?;
        let mut groups: Vec<GroupRecord> = Vec::new();
        for row in rows {
            let name: String = row.get("name");
            if groups.last().is_none_or(|group| group.name != name) {
                groups.push(GroupRecord { name, members: Vec::new(), created_at: row.get("created_at") });
            }
            if let (Some(group), Some(member)) = (groups.last_mut(), row.get::<Option<String>, _>("member")) {
                group.members.push(member);
            }
        }
        Ok(groups)
    }

    /// Adds (or with `member = false` removes) a user to a group; true when something changed.
    pub async fn set_group_member(&self, group: &str, user: &str, member: bool) -> Result<bool, DbError> {
        let mut transaction = self.begin_write().await?;
        let group_id = self.group_id(&mut transaction, group).await?;
        let user_id = user_id(&mut transaction, user).await?;
        let sql = if member {
            "INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM group_members WHERE group_id = $1 AND user_id = $2"
        };
        let changed =
            query(sql).bind(&group_id).bind(&user_id).execute(&mut transaction).await.during("changing a group")?;
        transaction.commit().await.during("committing a group change")?;
        Ok(changed.rows_affected() > 0)
    }

    /// Grants `role` on `collection` (and below) to a user or group; granting again replaces the role.
    pub async fn upsert_grant(
        &self,
        collection: &str,
        principal: Principal<'_>,
        role: &str,
    ) -> Result<GrantRecord, DbError> {
        let mut transaction = self.begin_write().await?;
        let (user_id, group_id) = match principal {
            Principal::User(name) => (Some(user_id(&mut transaction, name).await?), None),
            Principal::Group(name) => (None, Some(self.group_id(&mut transaction, name).await?)),
        };
        query(
            "DELETE FROM grants WHERE collection = $1 AND COALESCE(user_id, '') = COALESCE($2, '')
               AND COALESCE(group_id, '') = COALESCE($3, '')",
        )
        .bind(collection)
        .bind(&user_id)
        .bind(&group_id)
        .execute(&mut transaction)
        .await
        .during("replacing a grant")?;
        let id = Uuid::now_v7().to_string();
        query(
            "INSERT INTO grants (id, collection, user_id, group_id, role, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(collection)
        .bind(&user_id)
        .bind(&group_id)
        .bind(role)
        .bind(now())
        .execute(&mut transaction)
        .await
        .during("recording a grant")?;
        transaction.commit().await.during("committing a grant")?;
        self.grants_where(Some(&id)).await?.pop().ok_or(DbError::GrantNotFound(id))
    }

    pub async fn list_grants(&self) -> Result<Vec<GrantRecord>, DbError> {
        self.grants_where(None).await
    }

    pub async fn delete_grant(&self, id: &str) -> Result<GrantRecord, DbError> {
        let grant = self.grants_where(Some(id)).await?.pop().ok_or_else(|| DbError::GrantNotFound(id.to_owned()))?;
        let mut transaction = self.begin_write().await?;
        query("DELETE FROM grants WHERE id = $1")
            .bind(id)
            .execute(&mut transaction)
            .await
            .during("removing a grant")?;
        transaction.commit().await.during("committing a grant removal")?;
        Ok(grant)
    }

    /// The (collection, role) pairs granted to a user directly or through their groups.
    pub async fn grants_of_user(&self, user_id: &str) -> Result<Vec<(String, String)>, DbError> {
        let rows = query(
            "SELECT collection, role FROM grants WHERE user_id = $1
             UNION SELECT g.collection, g.role FROM grants g JOIN group_members m ON m.group_id = g.group_id
             WHERE m.user_id = $1",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
        .during("reading a user's grants")?;
        Ok(rows.iter().map(|row| (row.get("collection"), row.get("role"))).collect())
    }

    async fn grants_where(&self, id: Option<&str>) -> Result<Vec<GrantRecord>, DbError> {
        let rows = query(
            "SELECT g.id, g.collection, g.role, g.created_at, u.name AS user_name, ug.name AS group_name
             FROM grants g LEFT JOIN users u ON u.id = g.user_id LEFT JOIN user_groups ug ON ug.id = g.group_id
             WHERE ($1 IS NULL OR g.id = $1) ORDER BY g.collection, g.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .during("listing grants")?;
        Ok(rows
            .iter()
            .map(|row| {
                let user: Option<String> = row.get("user_name");
                let (principal_kind, principal) = match user {
                    Some(user) => ("user", user),
                    None => ("group", row.get::<Option<String>, _>("group_name").unwrap_or_default()),
                };
                GrantRecord {
                    id: row.get("id"),
                    collection: row.get("collection"),
                    principal_kind: principal_kind.to_owned(),
                    principal,
                    role: row.get("role"),
                    created_at: row.get("created_at"),
                }
            })
            .collect())
    }

    async fn group_id(&self, transaction: &mut Tx, name: &str) -> Result<String, DbError> {
        let id: Option<String> = query_scalar("SELECT id FROM user_groups WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *transaction)
            .await
            .during("looking up a group")?;
        id.ok_or_else(|| DbError::GroupNotFound(name.to_owned()))
    }
}

async fn user_id(transaction: &mut Tx, name: &str) -> Result<String, DbError> {
    let id: Option<String> = query_scalar("SELECT id FROM users WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *transaction)
        .await
        .during("looking up a user")?;
    id.ok_or_else(|| DbError::UserNotFound(name.to_owned()))
}
