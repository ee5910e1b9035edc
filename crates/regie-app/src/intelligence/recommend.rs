//! Recommendations: viewing events recorded per user (play, download, delivery, rating), and the
//! evaluation of the models on a public log of interactions under RecBole's protocol.

use std::collections::HashMap;
use std::path::Path;

use regie_core::recommend::{Interactions, ModelFigures, evaluate};
use serde::Serialize;

use crate::AppError;

/// The most interactions an evaluation file may hold.
const MAX_EVALUATION_ROWS: usize = 20_000_000;

/// What `regie recommend --evaluate` measured.
#[derive(Debug, Clone, Serialize)]
pub struct EvaluationReport {
    pub interactions: usize,
    pub users: usize,
    pub items: usize,
    pub seed: u64,
    pub protocol: &'static str,
    pub models: Vec<ModelFigures>,
}

/// Reads a log of interactions (RecBole's atomic `.inter` file: a tab-separated header naming
/// `user_id` and `item_id`, or a CSV with `user,item` columns) and evaluates the models on it.
pub async fn evaluate_file(path: &Path, seed: u64) -> Result<EvaluationReport, AppError> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let text = std::fs::read_to_string(&path)
            .map_err(|source| AppError::InputUnreadable { path: path.clone(), source })?;
        let interactions = parse_interactions(&text).map_err(AppError::Invalid)?;
        let count = interactions.by_user.iter().map(Vec::len).sum();
        let models = evaluate(&interactions, seed);
        Ok(EvaluationReport {
            interactions: count,
            users: interactions.by_user.len(),
            items: interactions.items,
            seed,
            protocol: "RecBole: per-user random 80/10/10 split, full ranking, Recall@10 and NDCG@10 on the test split",
            models,
        })
    })
    .await
    .map_err(|error| AppError::Internal(error.to_string()))?
}

/// Users and items by their names in the file, in order of first appearance.
fn parse_interactions(text: &str) -> Result<Interactions, String> {
    let mut lines = text.lines();
    let header = lines.next().ok_or("the file is empty")?;
    let separator = if header.contains('\t') { '\t' } else { ',' };
    let columns: Vec<&str> =
        header.split(separator).map(|column| column.split(':').next().unwrap_or_default().trim()).collect();
    let find = |names: &[&str]| columns.iter().position(|column| names.contains(column));
    let (Some(user_column), Some(item_column)) = (find(&["user_id", "user"]), find(&["item_id", "item", "asset"]))
    else {
        return Err(format!("the header {header:?} names no user_id and item_id columns"));
    };
    let (mut users, mut items): (HashMap<String, u32>, HashMap<String, u32>) = (HashMap::new(), HashMap::new());
    let mut by_user: Vec<Vec<u32>> = Vec::new();
    for (number, line) in lines.enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        if number >= MAX_EVALUATION_ROWS {
            return Err(format!("more than {MAX_EVALUATION_ROWS} interactions"));
        }
        let fields: Vec<&str> = line.split(separator).collect();
        let (Some(user), Some(item)) = (fields.get(user_column), fields.get(item_column)) else {
            return Err(format!("line {}: fewer columns than the header", number + 2));
        };
        let next_user = users.len() as u32;
        let user = *users.entry(user.trim().to_owned()).or_insert(next_user);
        let next_item = items.len() as u32;
        let item = *items.entry(item.trim().to_owned()).or_insert(next_item);
        if user as usize == by_user.len() {
            by_user.push(Vec::new());
        }
        by_user[user as usize].push(item);
    }
    if by_user.is_empty() {
        return Err("no interaction".to_owned());
    }
    Ok(Interactions::new(items.len(), by_user))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recbole_atomic_files_and_csv_are_read() {
        let tsv = "user_id:token\titem_id:token\trating:float\n196\t242\t3\n186\t302\t3\n196\t302\t4\n";
        let read = parse_interactions(tsv).unwrap();
        assert_eq!((read.by_user.len(), read.items), (2, 2));
        assert_eq!(read.by_user[0], [0, 1]);
        let csv = "user,item\nanne,a\nbob,a\n";
        assert_eq!(parse_interactions(csv).unwrap().by_user, [vec![0], vec![0]]);
        assert!(parse_interactions("a,b\n1,2\n").unwrap_err().contains("no user_id"));
    }
}

/// How often a server refits its model at most while events keep coming.
const REFIT_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// Neighbours kept per item by ItemKNN.
const NEIGHBOURS: usize = 100;
/// EASE's regularisation for a live catalogue.
const EASE_LAMBDA: f64 = 250.0;
/// At most this many recommendations per request.
pub const MAX_RECOMMENDATIONS: usize = 100;

/// The model fitted on the catalogue's viewing events.
#[derive(Debug)]
pub(crate) struct FittedRecommender {
    events: u64,
    fitted_at: std::time::Instant,
    assets: Vec<String>,
    asset_index: HashMap<String, u32>,
    histories: Vec<Vec<u32>>,
    popularity: Vec<u32>,
    model: Model,
}

#[derive(Debug)]
enum Model {
    Ease(regie_core::recommend::Ease),
    Knn(regie_core::recommend::ItemKnn),
}

impl Model {
    fn name(&self) -> &'static str {
        match self {
            Self::Ease(_) => "ease",
            Self::Knn(_) => "itemknn",
        }
    }

    fn scores(&self, history: &[u32]) -> Vec<f32> {
        use regie_core::recommend::Recommender;
        match self {
            Self::Ease(model) => model.scores(history),
            Self::Knn(model) => model.scores(history),
        }
    }
}

/// The recommender's cache in a running process.
pub(crate) type RecommenderCache = std::sync::Arc<tokio::sync::Mutex<Option<std::sync::Arc<FittedRecommender>>>>;

/// One recommended asset.
#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    pub asset_id: String,
    pub house_id: String,
    pub name: String,
    pub collection: String,
    pub score: f64,
    /// `viewed-together` (from what people watched) or `popular` (the fallback).
    pub reason: &'static str,
}

/// What `regie recommend` and the API answer.
#[derive(Debug, Clone, Serialize)]
pub struct RecommendationReport {
    /// The user recommended for, or the asset "more like this" was asked about.
    pub r#for: String,
    /// `ease`, `itemknn`, or `popularity` for a user with no history.
    pub model: &'static str,
    /// Assets in the user's history (or users who viewed the asset).
    pub history: usize,
    pub recommendations: Vec<Recommendation>,
}

impl crate::Regie {
    /// Records that the caller played, downloaded, received or rated an asset they may read.
    pub async fn record_viewing(
        &self,
        user_id: &str,
        asset_id: regie_core::AssetId,
        kind: regie_db::ViewingKind,
        rating: Option<u8>,
    ) -> Result<(), AppError> {
        if kind == regie_db::ViewingKind::Rating && !rating.is_some_and(|stars| (1..=5).contains(&stars)) {
            return Err(AppError::Invalid("a rating is 1 to 5".to_owned()));
        }
        self.db.record_viewing(user_id, asset_id, kind, rating, chrono::Utc::now()).await?;
        Ok(())
    }

    /// The model on the current events: refitted when events were added (at most once a minute
    /// while they keep coming), else the cached one.
    async fn recommender(&self) -> Result<std::sync::Arc<FittedRecommender>, AppError> {
        let events = self.db.viewing_event_count().await?;
        let mut cached = self.recommender.lock().await;
        if let Some(fitted) =
            cached.as_ref().filter(|fitted| fitted.events == events || fitted.fitted_at.elapsed() < REFIT_EVERY)
        {
            return Ok(fitted.clone());
        }
        let interests = self.db.interests().await?;
        let fitted = tokio::task::spawn_blocking(move || fit(events, interests))
            .await
            .map_err(|error| AppError::Internal(error.to_string()))?;
        let fitted = std::sync::Arc::new(fitted);
        *cached = Some(fitted.clone());
        Ok(fitted)
    }

    /// Recommendations for a user among the assets `access` may read: from what they watched,
    /// or the most watched for a user with no history.
    pub async fn recommend_for(
        &self,
        user: &regie_db::UserRecord,
        access: &regie_core::access::Access,
        limit: usize,
    ) -> Result<RecommendationReport, AppError> {
        let fitted = self.recommender().await?;
        // The user's history as it is now (the model may be a minute old): what they watched
        // since counts at once, for the assets the model knows.
        let mut history: Vec<u32> = self
            .db
            .interests_of(&user.id)
            .await?
            .iter()
            .filter_map(|asset| fitted.asset_index.get(asset).copied())
            .collect();
        history.sort_unstable();
        let (model, scores, reason) = if history.is_empty() {
            ("popularity", fitted.popularity.iter().map(|&count| count as f32).collect(), "popular")
        } else {
            (fitted.model.name(), fitted.model.scores(&history), "viewed-together")
        };
        let recommendations = self.readable_top(&fitted, &scores, &history, access, limit, reason).await?;
        Ok(RecommendationReport { r#for: user.name.clone(), model, history: history.len(), recommendations })
    }

    /// The assets people who watched `asset_id` also watched (more like this), among those
    /// `access` may read; assets of the same collection sharing its tags when nobody has yet.
    pub async fn more_like(
        &self,
        asset_id: regie_core::AssetId,
        access: &regie_core::access::Access,
        limit: usize,
    ) -> Result<RecommendationReport, AppError> {
        let fitted = self.recommender().await?;
        let id = asset_id.to_string();
        let viewers = fitted
            .asset_index
            .get(&id)
            .map_or(0, |index| fitted.histories.iter().filter(|history| history.binary_search(index).is_ok()).count());
        let mut recommendations = Vec::new();
        let mut model = "metadata";
        if let Some(&index) = fitted.asset_index.get(&id) {
            let scores = fitted.model.scores(&[index]);
            recommendations = self.readable_top(&fitted, &scores, &[index], access, limit, "viewed-together").await?;
            model = fitted.model.name();
            recommendations.retain(|recommendation| recommendation.score > 0.0);
        }
        if recommendations.len() < limit {
            let record = self.db.get_asset(asset_id).await?;
            let mut seen: Vec<String> = recommendations.iter().map(|r| r.asset_id.clone()).collect();
            seen.push(id.clone());
            for other in self.same_shelf(&record, access, limit * 4).await? {
                if recommendations.len() >= limit {
                    break;
                }
                if !seen.contains(&other.asset_id) {
                    seen.push(other.asset_id.clone());
                    recommendations.push(other);
                }
            }
        }
        Ok(RecommendationReport { r#for: id, model, history: viewers, recommendations })
    }

    /// Assets of the same collection, those sharing most tags first (the metadata fallback).
    async fn same_shelf(
        &self,
        record: &regie_db::AssetRecord,
        access: &regie_core::access::Access,
        limit: usize,
    ) -> Result<Vec<Recommendation>, AppError> {
        let collection: regie_core::CollectionPath = record.collection.parse()?;
        let page = self.db.list_assets(Some(&collection), None, None, limit as u32, &access.readable()).await?;
        let mut found: Vec<Recommendation> = Vec::new();
        for summary in page {
            if summary.id == record.id {
                continue;
            }
            let tags = self.db.get_asset(summary.id).await?.tags;
            let shared = tags.iter().filter(|tag| record.tags.contains(tag)).count();
            found.push(Recommendation {
                asset_id: summary.id.to_string(),
                house_id: summary.house_id,
                name: summary.name,
                collection: summary.collection,
                score: shared as f64,
                reason: "same-collection",
            });
        }
        found.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.asset_id.cmp(&b.asset_id)));
        Ok(found)
    }

    /// The best-scored assets the caller may read, leaving out `exclude`.
    async fn readable_top(
        &self,
        fitted: &FittedRecommender,
        scores: &[f32],
        exclude: &[u32],
        access: &regie_core::access::Access,
        limit: usize,
        reason: &'static str,
    ) -> Result<Vec<Recommendation>, AppError> {
        let limit = limit.clamp(1, MAX_RECOMMENDATIONS);
        let mut exclude = exclude.to_vec();
        exclude.sort_unstable();
        let mut found = Vec::new();
        // Ranked in rounds, so unreadable assets cost a few more lookups, not a full sort each.
        let ranked = regie_core::recommend::top_items(scores, &exclude, (limit * 4).max(40));
        for item in ranked {
            if found.len() >= limit {
                break;
            }
            let id = &fitted.assets[item as usize];
            let Ok(asset_id) = self.asset_for(access, id, crate::Permission::Read).await else { continue };
            let record = self.db.get_asset(asset_id).await?;
            found.push(Recommendation {
                asset_id: id.clone(),
                house_id: record.house_id,
                name: record.name,
                collection: record.collection,
                score: f64::from(scores[item as usize]),
                reason,
            });
        }
        Ok(found)
    }
}

/// Fits the model on the interests: EASE while the catalogue's viewed assets are few enough for
/// its dense matrix, ItemKNN beyond.
fn fit(events: u64, interests: Vec<regie_db::Interest>) -> FittedRecommender {
    let mut users: HashMap<String, u32> = HashMap::new();
    let mut asset_index: HashMap<String, u32> = HashMap::new();
    let mut assets: Vec<String> = Vec::new();
    let mut histories: Vec<Vec<u32>> = Vec::new();
    for interest in interests {
        let next = users.len() as u32;
        let user = *users.entry(interest.user_id).or_insert(next);
        if user as usize == histories.len() {
            histories.push(Vec::new());
        }
        let item = *asset_index.entry(interest.asset_id.clone()).or_insert_with(|| {
            assets.push(interest.asset_id);
            assets.len() as u32 - 1
        });
        histories[user as usize].push(item);
    }
    let interactions = Interactions::new(assets.len(), histories);
    let model = if interactions.items <= regie_core::recommend::MAX_EASE_ITEMS {
        Model::Ease(regie_core::recommend::Ease::fit(&interactions, EASE_LAMBDA))
    } else {
        Model::Knn(regie_core::recommend::ItemKnn::fit(&interactions, NEIGHBOURS))
    };
    FittedRecommender {
        events,
        fitted_at: std::time::Instant::now(),
        popularity: interactions.counts(),
        histories: interactions.by_user,
        assets,
        asset_index,
        model,
    }
}
