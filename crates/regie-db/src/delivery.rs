//! Destinations, deliveries with their receipts, and the contracts that rights are checked
//! against.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::assets::now;
use crate::error::QueryContext;
use crate::jobs::{NewJob, enqueue_in};
use crate::sql::{Row, query, query_scalar};
use crate::{Database, DbError};

/// A destination as stored: its address and its settings (JSON, shaped by `regie-app`).
#[derive(Debug, Clone, Serialize)]
pub struct DestinationRow {
    pub name: String,
    pub url: String,
    pub settings: serde_json::Value,
    pub created_at: String,
    pub updated_at: String,
}

/// One delivered file in a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptFile {
    /// The path (or key) at the destination.
    pub path: String,
    pub size: u64,
    pub md5: String,
    /// The POSIX `cksum` CRC read back at the far end.
    pub cksum: u32,
    pub verified: bool,
    /// `media`, `sidecar` or `manifest`.
    pub role: String,
    /// Bytes already at the far end from an interrupted attempt.
    #[serde(default)]
    pub resumed_from: u64,
}

/// One delivery as `deliveries list|show` present it.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRecord {
    pub id: String,
    pub asset_id: String,
    pub destination: String,
    pub profile: Option<String>,
    /// `queued`, `running`, `delivered`, `failed` or `refused`.
    pub state: String,
    pub files: Vec<ReceiptFile>,
    pub error: Option<String>,
    pub error_code: Option<String>,
    pub deadline: Option<String>,
    /// Set when the delivery cannot make its deadline (flagged when it is asked for).
    pub deadline_at_risk: bool,
    pub deadline_note: Option<String>,
    pub job_id: Option<String>,
    pub requested_by: Option<String>,
    pub contract_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub delivered_at: Option<String>,
}

/// A delivery to record.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub asset_id: String,
    pub destination: String,
    pub profile: Option<String>,
    pub deadline: Option<String>,
    pub deadline_note: Option<String>,
    pub requested_by: Option<String>,
    pub contract_id: Option<String>,
    /// The workflow action that asked for it (unique: it delivers once).
    pub trigger: Option<String>,
}

/// A contract as stored; `regie-core::rights` gives it meaning.
#[derive(Debug, Clone, Serialize)]
pub struct ContractRow {
    pub id: String,
    pub asset_id: Option<String>,
    pub series: Option<String>,
    pub holder: String,
    pub territories: String,
    pub platforms: String,
    pub starts_on: String,
    pub ends_on: String,
    pub exclusive: bool,
    pub max_runs: Option<u32>,
    pub runs: u32,
    pub created_at: String,
}

/// A delivery's state as its job tells it: a queued or running delivery whose job has ended
/// without succeeding (attempts used up by a dead worker, cancelled) has failed.
const DELIVERY_COLUMNS: &str = "d.id, d.asset_id, d.destination, d.profile,
    CASE WHEN d.state IN ('queued', 'running') AND j.state IN ('failed', 'cancelled') THEN 'failed' ELSE d.state END AS state,
    d.files, COALESCE(d.error, CASE WHEN d.state IN ('queued', 'running') AND j.state IN ('failed', 'cancelled') THEN j.error END) AS error,
    d.error_code, d.deadline, d.deadline_note, d.job_id, d.requested_by, d.contract_id, d.created_at, d.updated_at, d.delivered_at";

impl Database {
    pub async fn insert_destination(&self, name: &str, url: &str, settings: &serde_json::Value) -> Result<(), DbError> {
        let now = now();
        query("INSERT INTO destinations (name, url, settings, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)")
            .bind(name)
            .bind(url)
            .bind(settings.to_string())
            .bind(&now)
            .execute(&self.pool)
            .await
            .map_err(|error| match &error {
                sqlx::Error::Database(database_error) if database_error.is_unique_violation() => {
                    DbError::DestinationExists(name.to_owned())
                }
                _ => DbError::Query { step: "recording a destination", source: error },
            })?;
        Ok(())
    }

    /// Replaces a destination's settings (a host key learnt on first use).
    pub async fn update_destination_settings(&self, name: &str, settings: &serde_json::Value) -> Result<(), DbError> {
        query("UPDATE destinations SET settings = $2, updated_at = $3 WHERE name = $1")
            .bind(name)
            .bind(settings.to_string())
            .bind(now())
            .execute(&self.pool)
            .await
            .during("updating a destination")?;
        Ok(())
    }

    pub async fn get_destination(&self, name: &str) -> Result<DestinationRow, DbError> {
        let row = query("SELECT name, url, settings, created_at, updated_at FROM destinations WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .during("reading a destination")?
            .ok_or_else(|| DbError::DestinationNotFound(name.to_owned()))?;
        destination_row(&row)
    }

    pub async fn list_destinations(&self) -> Result<Vec<DestinationRow>, DbError> {
        let rows = query("SELECT name, url, settings, created_at, updated_at FROM destinations ORDER BY name")
            .fetch_all(&self.pool)
            .await
            .during("listing destinations")?;
        rows.iter().map(destination_row).collect()
    }

    pub async fn delete_destination(&self, name: &str) -> Result<(), DbError> {
        let done = query("DELETE FROM destinations WHERE name = $1")
            .bind(name)
            .execute(&self.pool)
            .await
            .during("removing a destination")?;
        if done.rows_affected() == 0 {
            return Err(DbError::DestinationNotFound(name.to_owned()));
        }
        Ok(())
    }

    /// Records a delivery and, when `job` is given, queues it in the same transaction; a refused
    /// delivery (`job` none) is recorded as `refused` with its reason.
    pub async fn insert_delivery(
        &self,
        delivery: &NewDelivery,
        job: Option<&NewJob>,
        refusal: Option<(&str, &str)>,
    ) -> Result<DeliveryRecord, DbError> {
        let id = Uuid::now_v7().to_string();
        let now = now();
        let mut transaction = self.begin_write().await?;
        let job_id = match job {
            Some(job) => {
                let mut job = job.clone();
                job.payload["delivery_id"] = serde_json::Value::String(id.clone());
                job.idempotency_key = Some(format!("deliver:{id}"));
                Some(enqueue_in(&mut transaction, &job).await?.job_id)
            }
            None => None,
        };
        let state = if refusal.is_some() { "refused" } else { "queued" };
        let inserted = query(
            "INSERT INTO deliveries (id, asset_id, destination, profile, state, files, error, error_code, deadline,
                                     deadline_note, job_id, requested_by, contract_id, trigger_key, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, '[]', $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)",
        )
        .bind(&id)
        .bind(&delivery.asset_id)
        .bind(&delivery.destination)
        .bind(&delivery.profile)
        .bind(state)
        .bind(refusal.map(|(_, message)| message))
        .bind(refusal.map(|(code, _)| code))
        .bind(&delivery.deadline)
        .bind(&delivery.deadline_note)
        .bind(&job_id)
        .bind(&delivery.requested_by)
        .bind(&delivery.contract_id)
        .bind(&delivery.trigger)
        .bind(&now)
        .execute(&mut transaction)
        .await;
        match inserted {
            Ok(_) => {}
            // Another run of the same workflow action recorded it first: that delivery is this one.
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() && delivery.trigger.is_some() => {
                drop(transaction);
                let trigger = delivery.trigger.as_deref().unwrap_or_default();
                return self.delivery_by_trigger(trigger).await?.ok_or(DbError::DeliveryNotFound(trigger.to_owned()));
            }
            Err(error) => return Err(DbError::Query { step: "recording a delivery", source: error }),
        }
        transaction.commit().await.during("committing a delivery")?;
        self.get_delivery(&id).await
    }

    /// The delivery a workflow action asked for, if it was recorded.
    pub async fn delivery_by_trigger(&self, trigger: &str) -> Result<Option<DeliveryRecord>, DbError> {
        let row = query(format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries d LEFT JOIN jobs j ON j.id = d.job_id WHERE d.trigger_key = $1"
        ))
        .bind(trigger)
        .fetch_optional(&self.pool)
        .await
        .during("reading a delivery")?;
        row.as_ref().map(delivery_record).transpose()
    }

    /// Marks a delivery as running (its job started).
    pub async fn start_delivery(&self, id: &str) -> Result<(), DbError> {
        query(
            "UPDATE deliveries SET state = 'running', updated_at = $2 WHERE id = $1 AND state IN ('queued', 'running')",
        )
        .bind(id)
        .bind(now())
        .execute(&self.pool)
        .await
        .during("starting a delivery")?;
        Ok(())
    }

    /// Records how a delivery's run ended: `delivered` with its receipt (counting a run on the
    /// contract that allowed it), or `queued` again / `failed` with the error.
    pub async fn finish_delivery(
        &self,
        id: &str,
        state: &str,
        files: &[ReceiptFile],
        error: Option<(&str, &str)>,
    ) -> Result<(), DbError> {
        let now = now();
        let files = serde_json::to_string(files)
            .map_err(|error| DbError::Corrupt { what: "delivery receipt", reason: error.to_string() })?;
        let mut transaction = self.begin_write().await?;
        let previous: Option<String> = query_scalar("SELECT state FROM deliveries WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut transaction)
            .await
            .during("reading a delivery")?;
        query(
            "UPDATE deliveries SET state = $2, files = $3, error = $4, error_code = $5, updated_at = $6,
                    delivered_at = CASE WHEN $2 = 'delivered' THEN $6 ELSE delivered_at END
             WHERE id = $1",
        )
        .bind(id)
        .bind(state)
        .bind(&files)
        .bind(error.map(|(_, message)| message))
        .bind(error.map(|(code, _)| code))
        .bind(&now)
        .execute(&mut transaction)
        .await
        .during("recording how a delivery ended")?;
        if state == "delivered" && previous.as_deref() != Some("delivered") {
            query(
                "UPDATE contracts SET runs = runs + 1
                 WHERE id = (SELECT contract_id FROM deliveries WHERE id = $1)",
            )
            .bind(id)
            .execute(&mut transaction)
            .await
            .during("counting a run")?;
        }
        transaction.commit().await.during("committing how a delivery ended")
    }

    /// A delivery by id or unambiguous id prefix.
    pub async fn get_delivery(&self, reference: &str) -> Result<DeliveryRecord, DbError> {
        let reference = reference.trim();
        let pattern = format!("{}%", reference.replace(['%', '_'], ""));
        let rows = query(format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries d LEFT JOIN jobs j ON j.id = d.job_id
             WHERE d.id = $1 OR d.id LIKE $2 ORDER BY d.id LIMIT 2"
        ))
        .bind(reference)
        .bind(&pattern)
        .fetch_all(&self.pool)
        .await
        .during("reading a delivery")?;
        match rows.as_slice() {
            [row] => delivery_record(row),
            [] => Err(DbError::DeliveryNotFound(reference.to_owned())),
            _ => match rows.iter().find(|row| row.get::<&str, _>("id") == reference) {
                Some(row) => delivery_record(row),
                None => Err(DbError::DeliveryAmbiguous(reference.to_owned())),
            },
        }
    }

    /// The latest deliveries, newest first, of one asset or state when given.
    pub async fn list_deliveries(
        &self,
        asset_id: Option<&str>,
        state: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, DbError> {
        let rows = query(format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries d LEFT JOIN jobs j ON j.id = d.job_id
             WHERE ($1 IS NULL OR d.asset_id = $1) ORDER BY d.created_at DESC, d.id DESC LIMIT $2"
        ))
        .bind(asset_id)
        .bind(i64::from(limit.clamp(1, 10_000)) * if state.is_some() { 20 } else { 1 })
        .fetch_all(&self.pool)
        .await
        .during("listing deliveries")?;
        let mut records = Vec::new();
        for row in &rows {
            let record = delivery_record(row)?;
            if state.is_none_or(|state| record.state == state) {
                records.push(record);
            }
            if records.len() == limit as usize {
                break;
            }
        }
        Ok(records)
    }

    pub async fn insert_contract(&self, contract: &ContractRow) -> Result<(), DbError> {
        query(
            "INSERT INTO contracts (id, asset_id, series, holder, territories, platforms, starts_on, ends_on,
                                    exclusive, max_runs, runs, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&contract.id)
        .bind(&contract.asset_id)
        .bind(&contract.series)
        .bind(&contract.holder)
        .bind(&contract.territories)
        .bind(&contract.platforms)
        .bind(&contract.starts_on)
        .bind(&contract.ends_on)
        .bind(i64::from(contract.exclusive))
        .bind(contract.max_runs.map(i64::from))
        .bind(i64::from(contract.runs))
        .bind(&contract.created_at)
        .execute(&self.pool)
        .await
        .during("recording a contract")?;
        Ok(())
    }

    /// The contracts attached to an asset, to its series, or (both none) every contract.
    pub async fn contracts_for(
        &self,
        asset_id: Option<&str>,
        series: Option<&str>,
    ) -> Result<Vec<ContractRow>, DbError> {
        let rows = query(
            "SELECT id, asset_id, series, holder, territories, platforms, starts_on, ends_on, exclusive, max_runs,
                    runs, created_at
             FROM contracts
             WHERE ($1 IS NULL AND $2 IS NULL) OR asset_id = $1 OR series = $2
             ORDER BY starts_on, id",
        )
        .bind(asset_id)
        .bind(series)
        .fetch_all(&self.pool)
        .await
        .during("reading contracts")?;
        Ok(rows.iter().map(contract_row).collect())
    }

    /// Contracts whose window ends between the two days (inclusive), soonest first.
    pub async fn contracts_ending(&self, from: &str, to: &str) -> Result<Vec<ContractRow>, DbError> {
        let rows = query(
            "SELECT id, asset_id, series, holder, territories, platforms, starts_on, ends_on, exclusive, max_runs,
                    runs, created_at
             FROM contracts WHERE ends_on >= $1 AND ends_on <= $2 ORDER BY ends_on, id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await
        .during("reading contracts")?;
        Ok(rows.iter().map(contract_row).collect())
    }

    /// Sets where and how a partner account uses what it downloads.
    pub async fn set_partner_territory(&self, user: &str, territory: &str, platform: &str) -> Result<(), DbError> {
        let user_id: Option<String> = query_scalar("SELECT id FROM users WHERE name = $1")
            .bind(user)
            .fetch_optional(&self.pool)
            .await
            .during("looking up a user")?;
        let user_id = user_id.ok_or_else(|| DbError::UserNotFound(user.to_owned()))?;
        query(
            "INSERT INTO partner_territories (user_id, territory, platform) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE SET territory = excluded.territory, platform = excluded.platform",
        )
        .bind(&user_id)
        .bind(territory)
        .bind(platform)
        .execute(&self.pool)
        .await
        .during("recording a partner's territory")?;
        Ok(())
    }

    /// A partner account's territory and platform, if set.
    pub async fn partner_territory(&self, user_id: &str) -> Result<Option<(String, String)>, DbError> {
        let row = query("SELECT territory, platform FROM partner_territories WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .during("reading a partner's territory")?;
        Ok(row.map(|row| (row.get("territory"), row.get("platform"))))
    }

    /// Removes a contract by id or unambiguous prefix; returns its full id.
    pub async fn delete_contract(&self, reference: &str) -> Result<String, DbError> {
        let pattern = format!("{}%", reference.trim().replace(['%', '_'], ""));
        let ids: Vec<String> = query_scalar("SELECT id FROM contracts WHERE id = $1 OR id LIKE $2 LIMIT 2")
            .bind(reference.trim())
            .bind(&pattern)
            .fetch_all(&self.pool)
            .await
            .during("looking up a contract")?;
        let id = match ids.as_slice() {
            [id] => id.clone(),
            [] => return Err(DbError::ContractNotFound(reference.to_owned())),
            _ => {
                return Err(DbError::ContractNotFound(format!(
                    "{reference} (more than one matches; give more of the id)"
                )));
            }
        };
        query("DELETE FROM contracts WHERE id = $1")
            .bind(&id)
            .execute(&self.pool)
            .await
            .during("removing a contract")?;
        Ok(id)
    }
}

fn destination_row(row: &Row) -> Result<DestinationRow, DbError> {
    Ok(DestinationRow {
        name: row.get("name"),
        url: row.get("url"),
        settings: serde_json::from_str(row.get::<&str, _>("settings"))
            .map_err(|error| DbError::Corrupt { what: "destination settings", reason: error.to_string() })?,
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
    })
}

fn delivery_record(row: &Row) -> Result<DeliveryRecord, DbError> {
    Ok(DeliveryRecord {
        id: row.get("id"),
        asset_id: row.get("asset_id"),
        destination: row.get("destination"),
        profile: row.get("profile"),
        state: row.get("state"),
        files: serde_json::from_str(row.get::<&str, _>("files"))
            .map_err(|error| DbError::Corrupt { what: "delivery receipt", reason: error.to_string() })?,
        error: row.get("error"),
        error_code: row.get("error_code"),
        deadline: row.get("deadline"),
        deadline_at_risk: row.get::<Option<String>, _>("deadline_note").is_some(),
        deadline_note: row.get("deadline_note"),
        job_id: row.get("job_id"),
        requested_by: row.get("requested_by"),
        contract_id: row.get("contract_id"),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
        delivered_at: row.get("delivered_at"),
    })
}

fn contract_row(row: &Row) -> ContractRow {
    ContractRow {
        id: row.get("id"),
        asset_id: row.get("asset_id"),
        series: row.get("series"),
        holder: row.get("holder"),
        territories: row.get("territories"),
        platforms: row.get("platforms"),
        starts_on: row.get("starts_on"),
        ends_on: row.get("ends_on"),
        exclusive: row.get::<i64, _>("exclusive") != 0,
        max_runs: row.get::<Option<i64>, _>("max_runs").map(|runs| runs.clamp(0, i64::from(u32::MAX)) as u32),
        runs: row.get::<i64, _>("runs").clamp(0, i64::from(u32::MAX)) as u32,
        created_at: row.get("created_at"),
    }
}
