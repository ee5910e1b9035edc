//! What every handler shares: the opened data folder, the login throttle, the metrics and the
//! server's options.

use std::sync::Arc;

use regie_app::{NewAuditEntry, Regie};

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::metrics::Metrics;
use crate::throttle::{LoginThrottle, REFUSAL_INTERVAL, RefusalLog};

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
    pub refusals: RefusalLog,
    pub metrics: Metrics,
    /// Audit entries of reads that could not be written (a full disk), and when the last one
    /// failed: logged, counted, and reported by `/readyz` for a while.
    pub audit_failures: std::sync::Mutex<(u64, Option<std::time::Instant>)>,
    /// Serialises tus PATCH requests per upload (one writer per upload file).
    pub upload_locks: crate::routes::uploads::UploadLocks,
}

pub type SharedState = Arc<AppState>;

/// How long a lost audit entry keeps `/readyz` degraded.
const AUDIT_FAILURE_MEMORY: std::time::Duration = std::time::Duration::from_secs(300);

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
        self.audit(entry_by(who, action, asset_id, outcome, detail)).await
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
                    self.audit_read_by(who, action, None, "denied", detail).await;
                }
                Err(error.into())
            }
        }
    }

    pub async fn audit(&self, entry: NewAuditEntry) -> ApiResult<()> {
        self.regie.audit(entry).await.map(|_| ()).map_err(ApiError::from)
    }

    /// Audit entries of reads lost in the last minutes, if any.
    pub fn recent_audit_failures(&self) -> Option<u64> {
        let (count, last) = *self.audit_failures.lock().expect("audit failures lock");
        last.filter(|last| last.elapsed() < AUDIT_FAILURE_MEMORY).map(|_| count)
    }

    /// Records something that changed nothing (a download, a refusal, a failed login): when the
    /// trail cannot be written, the read is still answered and the failure is logged and counted.
    pub async fn audit_read(&self, entry: NewAuditEntry) {
        if let Err(error) = self.regie.audit(entry).await {
            let mut failures = self.audit_failures.lock().expect("audit failures lock");
            *failures = (failures.0 + 1, Some(std::time::Instant::now()));
            tracing::error!(code = error.code(), %error, "cannot write an audit entry of a read");
        }
    }

    pub async fn audit_read_by(
        &self,
        who: &Authenticated,
        action: &str,
        asset_id: Option<String>,
        outcome: &str,
        detail: String,
    ) {
        self.audit_read(entry_by(who, action, asset_id, outcome, detail)).await;
    }
}

/// An audit entry of something an authenticated caller did.
fn entry_by(
    who: &Authenticated,
    action: &str,
    asset_id: Option<String>,
    outcome: &str,
    detail: String,
) -> NewAuditEntry {
    NewAuditEntry {
        actor: who.caller.user.name.clone(),
        action: action.to_owned(),
        asset_id,
        address: who.address.clone(),
        outcome: outcome.to_owned(),
        detail,
    }
}

/// Writes the refusals counted per address into the audit trail, one entry per address and
/// interval, until the server stops (then once more, for the last interval).
pub(crate) async fn audit_refusals(state: SharedState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        let stopping = tokio::select! {
            () = tokio::time::sleep(REFUSAL_INTERVAL) => false,
            _ = shutdown.wait_for(|stopping| *stopping) => true,
        };
        for (address, count) in state.refusals.take_unaudited(stopping) {
            let entry = NewAuditEntry {
                actor: "anonymous".to_owned(),
                action: "auth.refused".to_owned(),
                asset_id: None,
                address: Some(address),
                outcome: "denied".to_owned(),
                detail: format!("{count} further refusals from this address"),
            };
            state.audit_read(entry).await;
        }
        if stopping {
            return;
        }
    }
}
