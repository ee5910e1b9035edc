//! Users and API tokens. Passwords arrive already hashed (argon2id, in regie-app) and tokens as
//! SHA-256 digests: nothing here can reveal a secret.

use serde::Serialize;
use uuid::Uuid;

use crate::assets::now;
use crate::error::QueryContext;
use crate::sql::{Row, query};
use crate::{Database, DbError};

/// A user as `users list` presents it (never the password hash).
#[derive(Debug, Clone, Serialize)]
pub struct UserRecord {
    pub id: String,
    pub name: String,
    pub role: String,
    pub disabled: bool,
    pub has_password: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// A user with the hash to check a password against.
#[derive(Debug, Clone)]
pub struct UserCredentials {
    pub user: UserRecord,
    pub password_hash: Option<String>,
}

/// A token as `tokens list` presents it (never the token).
#[derive(Debug, Clone, Serialize)]
pub struct TokenRecord {
    pub id: String,
    pub user: String,
    pub label: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// A token to record: its digest, never the token.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub user_id: &'a str,
    pub label: &'a str,
    pub token_sha256: &'a str,
    pub scopes: &'a [String],
    pub expires_at: Option<&'a str>,
    /// The token it was made with, if any.
    pub parent_id: Option<&'a str>,
}

/// The label of the tokens handed out by a password login.
pub const LOGIN_LABEL: &str = "login";

impl Database {
    pub async fn insert_user(
        &self,
        name: &str,
        role: &str,
        password_hash: Option<&str>,
    ) -> Result<UserRecord, DbError> {
        let mut transaction = self.begin_write().await?;
        let now = now();
        let id = Uuid::now_v7().to_string();
        query(
            "INSERT INTO users (id, name, role, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(&id)
        .bind(name)
        .bind(role)
        .bind(password_hash)
        .bind(&now)
        .execute(&mut transaction)
        .await
        .map_err(|error| match &error {
            sqlx::Error::Database(database_error) if database_error.is_unique_violation() => {
                DbError::UserExists(name.to_owned())
            }
            _ => DbError::Query { step: "recording a user", source: error },
        })?;
        transaction.commit().await.during("committing a user")?;
        Ok(self.user_credentials(name).await?.ok_or_else(|| DbError::UserNotFound(name.to_owned()))?.user)
    }

    pub async fn list_users(&self) -> Result<Vec<UserRecord>, DbError> {
        let rows = query("SELECT * FROM users ORDER BY name").fetch_all(&self.pool).await.during("listing users")?;
        Ok(rows.iter().map(user_from_row).collect())
    }

    pub async fn user_credentials(&self, name: &str) -> Result<Option<UserCredentials>, DbError> {
        let row = query("SELECT * FROM users WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .during("reading a user")?;
        Ok(row.map(|row| UserCredentials { user: user_from_row(&row), password_hash: row.get("password_hash") }))
    }

    /// Sets a user's password hash, or its `disabled` flag; the user must exist. A new password
    /// or a disabled account ends the user's browser sessions and login tokens in the same
    /// transaction (API tokens made on purpose stay, and stop working while the user is disabled).
    pub async fn update_user(
        &self,
        name: &str,
        password_hash: Option<&str>,
        disabled: Option<bool>,
    ) -> Result<UserRecord, DbError> {
        let mut transaction = self.begin_write().await?;
        if password_hash.is_some() || disabled == Some(true) {
            query("DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = $1)")
                .bind(name)
                .execute(&mut transaction)
                .await
                .during("ending a user's sessions")?;
            query(
                "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2)
                 WHERE user_id = (SELECT id FROM users WHERE name = $1) AND label = $3",
            )
            .bind(name)
            .bind(now())
            .bind(LOGIN_LABEL)
            .execute(&mut transaction)
            .await
            .during("revoking a user's login tokens")?;
        }
        let changed = query(
            "UPDATE users SET password_hash = COALESCE($2, password_hash), disabled = COALESCE($3, disabled),
                    updated_at = $4
             WHERE name = $1",
        )
        .bind(name)
        .bind(password_hash)
        .bind(disabled.map(i64::from))
        .bind(now())
        .execute(&mut transaction)
        .await
        .during("updating a user")?
        .rows_affected();
        if changed == 0 {
            return Err(DbError::UserNotFound(name.to_owned()));
        }
        transaction.commit().await.during("committing a user")?;
        Ok(self.user_credentials(name).await?.ok_or_else(|| DbError::UserNotFound(name.to_owned()))?.user)
    }

    pub async fn insert_token(&self, token: &NewToken<'_>) -> Result<TokenRecord, DbError> {
        let mut transaction = self.begin_write().await?;
        let id = Uuid::now_v7().to_string();
        query(
            "INSERT INTO api_tokens (id, user_id, label, token_sha256, scopes, expires_at, created_at, parent_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(token.user_id)
        .bind(token.label)
        .bind(token.token_sha256)
        .bind(token.scopes.join(" "))
        .bind(token.expires_at)
        .bind(now())
        .bind(token.parent_id)
        .execute(&mut transaction)
        .await
        .during("recording a token")?;
        transaction.commit().await.during("committing a token")?;
        self.tokens_where(None, Some(&id)).await?.pop().ok_or(DbError::TokenNotFound(id))
    }

    /// The live token with this digest (not revoked, not expired) and its enabled user.
    pub async fn token_by_digest(&self, token_sha256: &str) -> Result<Option<(TokenRecord, UserRecord)>, DbError> {
        let now = now();
        let row = query(
            "SELECT t.id AS token_id, t.label, t.scopes, t.expires_at, t.revoked_at, t.created_at AS token_created,
                    t.last_used_at, u.*
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_sha256 = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)
               AND u.disabled = 0",
        )
        .bind(token_sha256)
        .bind(&now)
        .fetch_optional(&self.pool)
        .await
        .during("looking up a token")?;
        Ok(row.map(|row| {
            let user = user_from_row(&row);
            let token = TokenRecord {
                id: row.get("token_id"),
                user: user.name.clone(),
                label: row.get("label"),
                scopes: split_scopes(row.get("scopes")),
                expires_at: row.get("expires_at"),
                revoked_at: row.get("revoked_at"),
                created_at: row.get("token_created"),
                last_used_at: row.get("last_used_at"),
            };
            (token, user)
        }))
    }

    pub async fn list_tokens(&self, user: Option<&str>) -> Result<Vec<TokenRecord>, DbError> {
        self.tokens_where(user, None).await
    }

    async fn tokens_where(&self, user: Option<&str>, id: Option<&str>) -> Result<Vec<TokenRecord>, DbError> {
        let rows = query(
            "SELECT t.*, u.name AS user_name FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE ($1 IS NULL OR u.name = $1) AND ($2 IS NULL OR t.id = $2) ORDER BY t.id",
        )
        .bind(user)
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .during("listing tokens")?;
        Ok(rows
            .iter()
            .map(|row| TokenRecord {
                id: row.get("id"),
                user: row.get("user_name"),
                label: row.get("label"),
                scopes: split_scopes(row.get("scopes")),
                expires_at: row.get("expires_at"),
                revoked_at: row.get("revoked_at"),
                created_at: row.get("created_at"),
                last_used_at: row.get("last_used_at"),
            })
            .collect())
    }

    /// Revokes a token and every token made with it, down the lineage.
    pub async fn revoke_token(&self, id: &str) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        let changed = query(
            "WITH RECURSIVE lineage (id) AS (
                 SELECT id FROM api_tokens WHERE id = $1
                 UNION SELECT t.id FROM api_tokens t JOIN lineage l ON t.parent_id = l.id)
             UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id IN (SELECT id FROM lineage)",
        )
        .bind(id)
        .bind(now())
        .execute(&mut transaction)
        .await
        .during("revoking a token")?
        .rows_affected();
        if changed == 0 {
            return Err(DbError::TokenNotFound(id.to_owned()));
        }
        transaction.commit().await.during("committing a revocation")
    }
}

fn split_scopes(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

pub(crate) fn user_from_row(row: &Row) -> UserRecord {
    let hash: Option<String> = row.get("password_hash");
    UserRecord {
        id: row.get("id"),
        name: row.get("name"),
        role: row.get("role"),
        disabled: row.get::<i64, _>("disabled") != 0,
        has_password: hash.is_some(),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
    }
}
