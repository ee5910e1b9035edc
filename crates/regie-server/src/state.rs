//! What every handler shares: the opened data folder, the login throttle, the metrics and the
//! server's options.

use std::sync::Arc;

use regie_app::{NewAuditEntry, Regie};

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::metrics::Metrics;
use crate::throttle::LoginThrottle;

/// How the server behaves; the binary fills it from the configuration.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// The largest upload accepted, in bytes.
    pub max_upload_bytes: u64,
    /// Send session cookies with `Secure` (set when served over HTTPS behind a proxy).
    pub secure_cookies: bool,
    /// How long a login token or a session lasts.
    pub session_hours: i64,
    /// Uploads one user may have open (created and not yet complete) at once.
    pub max_open_uploads: usize,
    /// Connections at once and their deadlines.
    pub connections: crate::ConnectionLimits,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            max_upload_bytes: 1 << 40,
            secure_cookies: false,
            session_hours: 12,
            max_open_uploads: 20,
            connections: crate::ConnectionLimits::default(),
        }
    }
}

pub struct AppState {
    pub regie: Regie,
    pub options: ServerOptions,
    pub throttle: LoginThrottle,
    pub metrics: Metrics,
    /// Serialises tus PATCH requests per upload (one writer per upload file).
    pub upload_locks: crate::routes::uploads::UploadLocks,
}

pub type SharedState = Arc<AppState>;

impl AppState {
    /// Records an action of an authenticated caller; failing to record fails the request.
    pub async fn audit_by(
        &self,
        who: &Authenticated,
        action: &str,
        asset_id: Option<String>,
        outcome: &str,
        detail: String,
    ) -> ApiResult<()> {
        self.audit(NewAuditEntry {
            actor: who.caller.user.name.clone(),
            action: action.to_owned(),
            asset_id,
            address: who.address.clone(),
            outcome: outcome.to_owned(),
            detail,
        })
        .await
    }

    /// The asset `reference` names if the caller may do `permission` on it. A refusal of an
    /// asset the caller can see is audited as `action` denied; one they cannot see is not found.
    pub async fn permitted(
        &self,
        who: &Authenticated,
        reference: &str,
        permission: regie_app::Permission,
        action: &str,
        detail: String,
    ) -> ApiResult<regie_core::AssetId> {
        match self.regie.asset_for(&who.access, reference, permission).await {
            Ok(asset_id) => Ok(asset_id),
            Err(error) => {
                if error.kind() == regie_core::ErrorKind::Forbidden {
                    self.audit_by(who, action, None, "denied", detail).await?;
                }
                Err(error.into())
            }
        }
    }

    pub async fn audit(&self, entry: NewAuditEntry) -> ApiResult<()> {
        self.regie.audit(entry).await.map(|_| ()).map_err(ApiError::from)
    }
}
