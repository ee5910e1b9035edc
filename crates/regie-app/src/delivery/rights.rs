//! Rights: contracts recorded, imported from CSV, checked before a delivery or a partner's
//! download, and watched for windows about to close.

use std::path::Path;

use chrono::{NaiveDate, Utc};
use regie_core::rights::{
    self, Conflict, Contract, RightsAnswer, Subject, Territories, Use, parse_date, parse_platform, parse_territory,
};
use regie_db::ContractRow;
use serde::Serialize;

use crate::{AppError, Regie};

/// A contract to add, as written by the operator (checked here).
#[derive(Debug, Clone, Default)]
pub struct NewContract {
    /// An asset id or house id; or
    pub asset: Option<String>,
    /// a series name (every asset whose `series` is this).
    pub series: Option<String>,
    pub holder: String,
    pub territories: String,
    pub platforms: String,
    pub start: String,
    pub end: String,
    pub exclusive: bool,
    pub max_runs: Option<u32>,
}

/// A contract added, with the exclusivity conflicts it has with contracts already held.
#[derive(Debug, Clone, Serialize)]
pub struct ContractAdded {
    pub contract: ContractRow,
    pub conflicts: Vec<Conflict>,
}

/// What `rights import` did.
#[derive(Debug, Clone, Serialize)]
pub struct RightsImport {
    pub added: Vec<ContractAdded>,
}

/// A contract row in the domain's terms.
pub(crate) fn contract_of(row: &ContractRow) -> Result<Contract, AppError> {
    let corrupt = |what: &str| AppError::Internal(format!("contract {} holds an unreadable {what}", row.id));
    Ok(Contract {
        id: row.id.clone(),
        holder: row.holder.clone(),
        subject: match (&row.asset_id, &row.series) {
            (Some(asset), _) => Subject::Asset(asset.clone()),
            (None, Some(series)) => Subject::Series(series.clone()),
            (None, None) => return Err(corrupt("subject")),
        },
        territories: Territories::parse(&row.territories).map_err(|_| corrupt("territory list"))?,
        platforms: row.platforms.split(' ').filter(|name| !name.is_empty()).map(str::to_owned).collect(),
        start: parse_date(&row.starts_on).map_err(|_| corrupt("start date"))?,
        end: parse_date(&row.ends_on).map_err(|_| corrupt("end date"))?,
        exclusive: row.exclusive,
        max_runs: row.max_runs,
        runs: row.runs,
    })
}

impl Regie {
    /// Checks and records a contract; reports (does not refuse) exclusivity conflicts.
    pub async fn add_contract(&self, new: &NewContract) -> Result<ContractAdded, AppError> {
        let row = self.contract_row(new).await?;
        self.record_contract(row).await
    }

    /// Records a checked contract with the exclusivity conflicts it has with those already held.
    async fn record_contract(&self, row: ContractRow) -> Result<ContractAdded, AppError> {
        let contract = contract_of(&row)?;
        let existing = self.contracts_of_subject(&row).await?;
        let conflicts = rights::exclusivity_conflicts(&contract, &existing);
        self.db.insert_contract(&row).await?;
        Ok(ContractAdded { contract: row, conflicts })
    }

    /// Imports contracts from CSV: every line is checked first and a bad line refuses the file,
    /// naming its line and reason, so nothing is half-imported.
    pub async fn import_contracts(&self, path: &Path) -> Result<RightsImport, AppError> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(false)
            .from_path(path)
            .map_err(|error| AppError::InvalidImport(format!("{}: {error}", path.display())))?;
        let headers =
            reader.headers().map_err(|error| AppError::InvalidImport(format!("{}: {error}", path.display())))?.clone();
        let column = |name: &str| headers.iter().position(|header| header.eq_ignore_ascii_case(name));
        let required = ["holder", "territories", "platforms", "start", "end"];
        let missing: Vec<&str> = required.iter().copied().filter(|name| column(name).is_none()).collect();
        if !missing.is_empty() || (column("asset").is_none() && column("series").is_none()) {
            return Err(AppError::InvalidImport(format!(
                "{}: the header row must name asset (or series), holder, territories, platforms, start, end, exclusive, max_runs; missing: {}",
                path.display(),
                if missing.is_empty() { "asset or series".to_owned() } else { missing.join(", ") }
            )));
        }
        let mut rows = Vec::new();
        let mut problems = Vec::new();
        for (index, record) in reader.records().enumerate() {
            let line = index + 2;
            let record = match record {
                Ok(record) => record,
                Err(error) => {
                    problems.push(format!("line {line}: {error}"));
                    continue;
                }
            };
            let field = |name: &str| column(name).and_then(|at| record.get(at)).unwrap_or("").to_owned();
            let optional = |name: &str| Some(field(name)).filter(|value| !value.is_empty());
            let parsed = async {
                let exclusive = match field("exclusive").to_ascii_lowercase().as_str() {
                    "" | "false" | "no" | "0" => false,
                    "true" | "yes" | "1" => true,
                    other => return Err(AppError::Invalid(format!("exclusive is {other:?}: write true or false"))),
                };
                let max_runs = match field("max_runs").as_str() {
                    "" => None,
                    text => Some(text.parse::<u32>().map_err(|_| {
                        AppError::Invalid(format!("max_runs is {text:?}: write a whole number, or leave it empty"))
                    })?),
                };
                let new = NewContract {
                    asset: optional("asset"),
                    series: optional("series"),
                    holder: field("holder"),
                    territories: field("territories"),
                    platforms: field("platforms"),
                    start: field("start"),
                    end: field("end"),
                    exclusive,
                    max_runs,
                };
                self.contract_row(&new).await
            };
            match parsed.await {
                Ok(row) => rows.push(row),
                Err(error) => problems.push(format!("line {line}: {error}")),
            }
        }
        if !problems.is_empty() {
            return Err(AppError::InvalidImport(format!(
                "{}: nothing imported, {} bad line(s): {}",
                path.display(),
                problems.len(),
                problems.join("; ")
            )));
        }
        let mut added = Vec::new();
        for row in rows {
            added.push(self.record_contract(row).await?);
        }
        Ok(RightsImport { added })
    }

    /// Contracts of one asset (its own and its series'), or every contract.
    pub async fn list_contracts(&self, asset: Option<&str>) -> Result<Vec<ContractRow>, AppError> {
        match asset {
            Some(reference) => {
                let record = self.db.get_asset(self.db.resolve_asset(reference).await?).await?;
                let id = record.id.to_string();
                Ok(self.db.contracts_for(Some(&id), record.metadata.series.as_deref()).await?)
            }
            None => Ok(self.db.contracts_for(None, None).await?),
        }
    }

    pub async fn remove_contract(&self, reference: &str) -> Result<String, AppError> {
        Ok(self.db.delete_contract(reference).await?)
    }

    /// The asset's contracts (its own and its series') in the domain's terms.
    pub(crate) async fn contracts_of_asset(&self, asset: &str) -> Result<Vec<Contract>, AppError> {
        self.list_contracts(Some(asset)).await?.iter().map(contract_of).collect()
    }

    /// Whether the asset may be used in `territory` on `platform` on day `at` (today by default).
    pub async fn check_rights(
        &self,
        asset: &str,
        territory: &str,
        platform: &str,
        at: Option<&str>,
    ) -> Result<RightsAnswer, AppError> {
        let wanted = Use {
            territory: parse_territory(territory)?,
            platform: parse_platform(platform)?,
            on: match at {
                Some(day) => parse_date(day)?,
                None => Utc::now().date_naive(),
            },
        };
        let contracts =
            self.list_contracts(Some(asset)).await?.iter().map(contract_of).collect::<Result<Vec<_>, _>>()?;
        Ok(rights::check(&contracts, &wanted))
    }

    /// Sets the territory (and platform, `download` by default) a partner account uses what it
    /// downloads in; its downloads are then checked against the rights.
    pub async fn set_partner_territory(&self, user: &str, territory: &str, platform: &str) -> Result<(), AppError> {
        let territory = parse_territory(territory)?;
        let platform = parse_platform(platform)?;
        Ok(self.db.set_partner_territory(user, &territory, &platform).await?)
    }

    /// Whether `caller` may download the asset: partners only where the rights allow their
    /// territory and platform today; other roles are not checked here.
    pub async fn check_download_rights(&self, caller: &crate::Caller, asset_id: &str) -> Result<(), AppError> {
        if caller.user.role != regie_core::access::Role::Partner.as_str() {
            return Ok(());
        }
        let Some((territory, platform)) = self.db.partner_territory(&caller.user.id).await? else {
            return Err(AppError::DownloadRightsDenied {
                reasons: format!(
                    "partner {} has no territory on record: an administrator sets it with `regie rights partner {} --territory CODE`",
                    caller.user.name, caller.user.name
                ),
            });
        };
        let answer = self.check_rights(asset_id, &territory, &platform, None).await?;
        if answer.allowed {
            Ok(())
        } else {
            Err(AppError::DownloadRightsDenied {
                reasons: format!("{territory} on {platform}: {}", answer.reasons.join("; ")),
            })
        }
    }

    /// Contracts whose window closes within `days` from today.
    pub async fn contracts_expiring(&self, days: u32) -> Result<Vec<ContractRow>, AppError> {
        let today = Utc::now().date_naive();
        let until = today + chrono::Duration::days(i64::from(days));
        Ok(self.db.contracts_ending(&today.to_string(), &until.to_string()).await?)
    }

    async fn contract_row(&self, new: &NewContract) -> Result<ContractRow, AppError> {
        let (asset_id, series) = match (&new.asset, &new.series) {
            (Some(asset), None) => (Some(self.db.resolve_asset(asset).await?.to_string()), None),
            (None, Some(series)) if !series.trim().is_empty() => (None, Some(series.trim().to_owned())),
            _ => return Err(AppError::Invalid("attach the contract to one asset or to one series".to_owned())),
        };
        let holder = new.holder.trim();
        if holder.is_empty() || holder.len() > 200 {
            return Err(AppError::Invalid("name the rights holder (1 to 200 characters)".to_owned()));
        }
        let territories = Territories::parse(&new.territories)?;
        let mut platforms: Vec<String> = new
            .platforms
            .split([' ', ','])
            .filter(|name| !name.is_empty())
            .map(parse_platform)
            .collect::<Result<_, _>>()?;
        platforms.sort();
        platforms.dedup();
        if platforms.is_empty() {
            return Err(AppError::Invalid("name at least one platform (linear, svod, catch-up...)".to_owned()));
        }
        let (start, end): (NaiveDate, NaiveDate) = (parse_date(&new.start)?, parse_date(&new.end)?);
        if end < start {
            return Err(AppError::Invalid(format!("the window ends ({end}) before it starts ({start})")));
        }
        Ok(ContractRow {
            id: uuid::Uuid::now_v7().to_string(),
            asset_id,
            series,
            holder: holder.to_owned(),
            territories: territories.to_string(),
            platforms: platforms.join(" "),
            starts_on: start.to_string(),
            ends_on: end.to_string(),
            exclusive: new.exclusive,
            max_runs: new.max_runs,
            runs: 0,
            created_at: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        })
    }

    /// Contracts on the same subject as `row`: the asset's (and its series'), or the series'.
    async fn contracts_of_subject(&self, row: &ContractRow) -> Result<Vec<Contract>, AppError> {
        let rows = match (&row.asset_id, &row.series) {
            (Some(asset), _) => {
                let record = self.db.get_asset(self.db.resolve_asset(asset).await?).await?;
                self.db.contracts_for(Some(asset), record.metadata.series.as_deref()).await?
            }
            (None, series) => self.db.contracts_for(None, series.as_deref()).await?,
        };
        rows.iter().map(contract_of).collect()
    }
}
