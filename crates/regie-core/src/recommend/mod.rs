//! Recommendations from what people watched: who viewed, downloaded, received or rated which asset
//! (implicit feedback, one interaction per user and item). Three models score every item for a
//! user's history: `Popularity` (the fallback for new users), `ItemKnn` (cosine neighbours, for
//! large catalogues) and `Ease` (Steck 2019: a closed-form item-to-item linear model, the best of
//! the three where the catalogue is small enough for its dense item-by-item matrix).
//! `evaluate` runs RecBole's protocol (per-user random 80/10/10 split, full ranking, Recall@10,
//! NDCG@10) so the figures compare with published ones.

mod ease;
mod evaluate;
mod knn;

pub use ease::{Ease, MAX_EASE_ITEMS};
pub use evaluate::{ModelFigures, Split, evaluate, split_per_user};
pub use knn::ItemKnn;

/// Interactions as item indices per user index (each list sorted, without repeats).
#[derive(Debug, Clone, Default)]
pub struct Interactions {
    pub items: usize,
    pub by_user: Vec<Vec<u32>>,
}

impl Interactions {
    pub fn new(items: usize, mut by_user: Vec<Vec<u32>>) -> Self {
        for list in &mut by_user {
            list.sort_unstable();
            list.dedup();
        }
        Self { items, by_user }
    }

    /// How many users interacted with each item.
    pub fn counts(&self) -> Vec<u32> {
        let mut counts = vec![0u32; self.items];
        for list in &self.by_user {
            for &item in list {
                counts[item as usize] += 1;
            }
        }
        counts
    }
}

/// A model that scores every item for a user's history (higher is better).
pub trait Recommender {
    fn scores(&self, history: &[u32]) -> Vec<f32>;
}

/// Items by how many users interacted with them.
#[derive(Debug, Clone)]
pub struct Popularity {
    counts: Vec<u32>,
}

impl Popularity {
    pub fn fit(interactions: &Interactions) -> Self {
        Self { counts: interactions.counts() }
    }
}

impl Recommender for Popularity {
    fn scores(&self, _history: &[u32]) -> Vec<f32> {
        self.counts.iter().map(|&count| count as f32).collect()
    }
}

/// The `limit` best items by `scores`, leaving out `exclude` (sorted), best first; ties go to the
/// lower index so results are stable.
pub fn top_items(scores: &[f32], exclude: &[u32], limit: usize) -> Vec<u32> {
    let mut ranked: Vec<u32> = (0..scores.len() as u32)
        .filter(|item| exclude.binary_search(item).is_err() && scores[*item as usize].is_finite())
        .collect();
    let by_score = |a: &u32, b: &u32| scores[*b as usize].total_cmp(&scores[*a as usize]).then(a.cmp(b));
    if ranked.len() > limit {
        ranked.select_nth_unstable_by(limit, by_score);
        ranked.truncate(limit);
    }
    ranked.sort_by(by_score);
    ranked
}
