//! Accounts: users with a role and a password hashed with argon2id, and API tokens (32 random
//! bytes shown once; only their SHA-256 is stored) scoped to a subset of the user's permissions,
//! expirable and revocable. No account or password exists until an admin adds one.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{SecondsFormat, Utc};
use regie_core::CoreError;
use regie_core::access::{Permission, Role, parse_scopes};
use regie_db::{NewToken, TokenRecord, UserRecord};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{AppError, Regie};

/// Passwords shorter than this are refused.
const MIN_PASSWORD_LEN: usize = 12;
const TOKEN_PREFIX: &str = "regie_";

/// A token just created: the only time the token itself is seen.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedToken {
    pub token: String,
    #[serde(flatten)]
    pub record: TokenRecord,
}

/// Who is calling, once a token, a session or a password has been checked.
#[derive(Debug, Clone, Serialize)]
pub struct Caller {
    pub user: UserRecord,
    /// The token's scopes; `None` for a password or session login (the role's permissions).
    pub scopes: Option<Vec<Permission>>,
    /// The token used, if any.
    pub token_id: Option<String>,
    /// When that token expires (`None`: never, or not a token).
    pub token_expires_at: Option<String>,
}

impl Caller {
    /// A caller logged in with a password or a session cookie.
    pub fn logged_in(user: UserRecord) -> Self {
        Self { user, scopes: None, token_id: None, token_expires_at: None }
    }
}

impl Regie {
    pub async fn add_user(&self, name: &str, role: &str, password: Option<&str>) -> Result<UserRecord, AppError> {
        check_name(name)?;
        let role = Role::parse(role)?;
        let hash = match password {
            Some(password) => Some(hash_password(password).await?),
            None => None,
        };
        Ok(self.db.insert_user(name, role.as_str(), hash.as_deref()).await?)
    }

    pub async fn list_users(&self) -> Result<Vec<UserRecord>, AppError> {
        Ok(self.db.list_users().await?)
    }

    /// Disables (or enables again) a user: a disabled user's tokens stop working at once.
    pub async fn set_user_disabled(&self, name: &str, disabled: bool) -> Result<UserRecord, AppError> {
        Ok(self.db.update_user(name, None, Some(disabled)).await?)
    }

    pub async fn reset_password(&self, name: &str, password: &str) -> Result<UserRecord, AppError> {
        let hash = hash_password(password).await?;
        Ok(self.db.update_user(name, Some(&hash), None).await?)
    }

    /// Creates a token for `user` with `scopes` (each must be a permission of the user's role)
    /// that expires after `expires` (`90d`, `12h`, `30m`) or never. A token made with another
    /// token (`parent`) expires no later than it (by default when it does) and is revoked with it.
    pub async fn create_token(
        &self,
        user: &str,
        label: &str,
        scopes: &[String],
        expires: Option<&str>,
        parent: Option<&Caller>,
    ) -> Result<CreatedToken, AppError> {
        let credentials =
            self.db.user_credentials(user).await?.ok_or_else(|| regie_db::DbError::UserNotFound(user.to_owned()))?;
        let role = Role::parse(&credentials.user.role)?;
        let scopes = parse_scopes(scopes)?;
        if let Some(beyond) = scopes.iter().find(|scope| !role.permissions().contains(scope)) {
            return Err(CoreError::invalid(
                "scope",
                beyond.as_str(),
                format!("user {user} is {}, whose role does not allow it", role.as_str()),
            )
            .into());
        }
        let mut expires_at = expires.map(expiry).transpose()?;
        let parent_id = parent.and_then(|caller| caller.token_id.as_deref());
        if let Some(limit) = parent.and_then(|caller| caller.token_expires_at.as_deref()) {
            match &expires_at {
                None => expires_at = Some(limit.to_owned()),
                Some(asked) if asked.as_str() > limit => {
                    let reason = format!("a token made with a token expires no later than it ({limit})");
                    return Err(CoreError::invalid("expiry", expires.unwrap_or_default(), reason).into());
                }
                Some(_) => {}
            }
        }
        let token = format!("{TOKEN_PREFIX}{}", random_hex()?);
        let scope_names: Vec<String> = scopes.iter().map(|scope| scope.as_str().to_owned()).collect();
        let record = self
            .db
            .insert_token(&NewToken {
                user_id: &credentials.user.id,
                label,
                token_sha256: &digest(&token),
                scopes: &scope_names,
                expires_at: expires_at.as_deref(),
                parent_id,
            })
            .await?;
        Ok(CreatedToken { token, record })
    }

    pub async fn list_tokens(&self, user: Option<&str>) -> Result<Vec<TokenRecord>, AppError> {
        Ok(self.db.list_tokens(user).await?)
    }

    pub async fn revoke_token(&self, id: &str) -> Result<(), AppError> {
        Ok(self.db.revoke_token(id).await?)
    }

    /// The caller a bearer token stands for; `None` for an unknown, revoked or expired token or a
    /// disabled user (the answer is the same, so it reveals nothing).
    pub async fn authenticate_token(&self, token: &str) -> Result<Option<Caller>, AppError> {
        if !token.starts_with(TOKEN_PREFIX) || token.len() != TOKEN_PREFIX.len() + 64 {
            return Ok(None);
        }
        let digest = digest(token);
        let entry = match self.reads.token(&digest) {
            Some(entry) => entry,
            None => {
                let seen = self.reads.version();
                let entry = self.db.token_by_digest(&digest).await?.map(|(token, user)| {
                    let scopes = token.scopes.iter().filter_map(|scope| Permission::parse(scope).ok()).collect();
                    let caller = Caller {
                        user,
                        scopes: Some(scopes),
                        token_id: Some(token.id),
                        token_expires_at: token.expires_at.clone(),
                    };
                    (caller, token.expires_at)
                });
                self.reads.keep_token(seen, &digest, entry.clone());
                entry
            }
        };
        // A cached token may have expired since it was read.
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        Ok(entry
            .filter(|(_, expires_at)| expires_at.as_ref().is_none_or(|expires_at| *expires_at > now))
            .map(|(caller, _)| caller))
    }

    /// Checks a user's password; `None` for a wrong password, an unknown or disabled user, or a
    /// user without a password (the same answer for all, after the same work).
    pub async fn check_password(&self, name: &str, password: &str) -> Result<Option<UserRecord>, AppError> {
        let credentials = self.db.user_credentials(name).await?;
        let (user, hash) = match credentials {
            Some(found) if !found.user.disabled && found.password_hash.is_some() => {
                let hash = found.password_hash.clone().unwrap_or_default();
                (Some(found.user), hash)
            }
            // Hash anyway, so a missing user takes as long as a wrong password.
            _ => (None, DUMMY_HASH.to_owned()),
        };
        let password = password.to_owned();
        let matches = tokio::task::spawn_blocking(move || {
            Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok()
        })
        .await
        .map_err(|error| AppError::Internal(error.to_string()))?;
        Ok(user.filter(|_| matches))
    }
}

/// A browser session just opened: the cookie value and the CSRF token, both shown once.
#[derive(Debug, Clone)]
pub struct OpenedSession {
    pub cookie: String,
    pub csrf_token: String,
    pub expires_at: String,
}

impl Regie {
    /// A token for a user who just logged in with their password: every permission of their
    /// role, expiring after `hours`.
    pub async fn login_token(&self, user: &UserRecord, hours: i64) -> Result<CreatedToken, AppError> {
        let role = Role::parse(&user.role)?;
        let scopes: Vec<String> = role.permissions().iter().map(|scope| scope.as_str().to_owned()).collect();
        self.create_token(&user.name, regie_db::LOGIN_LABEL, &scopes, Some(&format!("{hours}h")), None).await
    }

    /// Opens a browser session for `user`, lasting `hours`.
    pub async fn open_session(&self, user: &UserRecord, hours: i64) -> Result<OpenedSession, AppError> {
        let cookie = random_hex()?;
        let csrf_token = random_hex()?;
        let expires_at = expiry(&format!("{hours}h"))?;
        self.db.insert_session(&digest(&cookie), &user.id, &csrf_token, &expires_at).await?;
        Ok(OpenedSession { cookie, csrf_token, expires_at })
    }

    /// The CSRF token and user of a live session.
    pub async fn session(&self, cookie: &str) -> Result<Option<(String, UserRecord)>, AppError> {
        if cookie.len() != 64 || !cookie.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Ok(None);
        }
        Ok(self.db.session_by_digest(&digest(cookie)).await?)
    }

    pub async fn close_session(&self, cookie: &str) -> Result<(), AppError> {
        Ok(self.db.delete_session(&digest(cookie)).await?)
    }
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn constant_time_eq(left: &str, right: &str) -> bool {
    use subtle::ConstantTimeEq;
    left.len() == right.len() && bool::from(left.as_bytes().ct_eq(right.as_bytes()))
}

fn random_hex() -> Result<String, AppError> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|error| AppError::Internal(format!("no randomness: {error}")))?;
    Ok(hex::encode(secret))
}

/// An argon2id hash of a password nobody has, checked when the user does not exist.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Q3M2hm0b2m8H8rZzCwqZ4Zc3mN8n3C6mYb7oFf8wE0M";

pub(crate) fn check_name(name: &str) -> Result<(), AppError> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|character| character.is_ascii_alphanumeric() || "._@-".contains(character));
    if valid {
        Ok(())
    } else {
        Err(CoreError::invalid("user name", name, "use 1 to 64 letters, digits, '.', '_', '@' or '-'").into())
    }
}

pub(crate) async fn hash_password(password: &str) -> Result<String, AppError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(
            CoreError::invalid("password", "(hidden)", format!("use at least {MIN_PASSWORD_LEN} characters")).into()
        );
    }
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default().hash_password(password.as_bytes()).map(|hash| hash.to_string())
    })
    .await
    .map_err(|error| AppError::Internal(error.to_string()))?
    .map_err(|error| AppError::Internal(format!("cannot hash the password: {error}")))
}

pub(crate) fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// `90d`, `12h` or `30m` from now, as an RFC 3339 timestamp.
fn expiry(text: &str) -> Result<String, AppError> {
    let invalid = || CoreError::invalid("expiry", text, "use a duration such as 90d, 12h or 30m");
    let text = text.trim();
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let amount: i64 = number.parse().map_err(|_| invalid())?;
    let duration = match unit {
        "d" => chrono::Duration::try_days(amount),
        "h" => chrono::Duration::try_hours(amount),
        "m" => chrono::Duration::try_minutes(amount),
        _ => None,
    }
    .filter(|duration| *duration > chrono::Duration::zero())
    .ok_or_else(invalid)?;
    Ok((Utc::now() + duration).to_rfc3339_opts(SecondsFormat::Millis, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiries_are_durations_from_now() {
        assert!(expiry("90d").unwrap() > Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true));
        for bad in ["", "d", "0d", "-1h", "12", "3w", "1.5d"] {
            assert!(expiry(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn user_names_are_plain() {
        assert!(check_name("anne.durand@tf1").is_ok());
        for bad in ["", "a b", "x'; DROP TABLE users; --", &"a".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
