//! Browser sessions: the cookie's digest, its user, its CSRF token and its expiry.

use crate::assets::now;
use crate::error::QueryContext;
use crate::sql::query;
use crate::{Database, DbError, UserRecord};

impl Database {
    pub async fn insert_session(
        &self,
        id_sha256: &str,
        user_id: &str,
        csrf_token: &str,
        expires_at: &str,
    ) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        let now = now();
        query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(&now)
            .execute(&mut transaction)
            .await
            .during("removing expired sessions")?;
        query(
            "INSERT INTO sessions (id_sha256, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id_sha256)
        .bind(user_id)
        .bind(csrf_token)
        .bind(&now)
        .bind(expires_at)
        .execute(&mut transaction)
        .await
        .during("recording a session")?;
        transaction.commit().await.during("committing a session")
    }

    /// The live session with this digest, its CSRF token and its enabled user.
    pub async fn session_by_digest(&self, id_sha256: &str) -> Result<Option<(String, UserRecord)>, DbError> {
        let row = query(
            "SELECT s.csrf_token, u.* FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id_sha256 = $1 AND s.expires_at > $2 AND u.disabled = 0",
        )
        .bind(id_sha256)
        .bind(now())
        .fetch_optional(&self.pool)
        .await
        .during("looking up a session")?;
        Ok(row.map(|row| (row.get("csrf_token"), crate::accounts::user_from_row(&row))))
    }

    pub async fn delete_session(&self, id_sha256: &str) -> Result<(), DbError> {
        let mut transaction = self.begin_write().await?;
        query("DELETE FROM sessions WHERE id_sha256 = $1")
            .bind(id_sha256)
            .execute(&mut transaction)
            .await
            .during("ending a session")?;
        transaction.commit().await.during("committing a logout")
    }
}
