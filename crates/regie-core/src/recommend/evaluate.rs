//! RecBole's evaluation protocol: each user's interactions in a random order (seeded), split
//! 80/10/10 into training, validation and test; models fitted on training; every item ranked for
//! every user (items seen in training, and in validation for the test, left out); Recall@10 and
//! NDCG@10 averaged over users with something to find.

use std::time::Instant;

use serde::Serialize;

use crate::random::SplitMix;

use super::{Ease, Interactions, ItemKnn, Popularity, Recommender, top_items};

/// One user's interactions split three ways.
#[derive(Debug, Clone, Default)]
pub struct Split {
    pub train: Interactions,
    pub valid: Vec<Vec<u32>>,
    pub test: Vec<Vec<u32>>,
}

/// A model's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ModelFigures {
    pub model: String,
    pub recall_at_10: f64,
    pub ndcg_at_10: f64,
    pub fit_s: f64,
}

/// Splits each user's items (in a seeded random order) 80/10/10 the way RecBole's `RS` does:
/// validation and test take a tenth each (at least one when a tenth is below one), training the rest.
pub fn split_per_user(interactions: &Interactions, seed: u64) -> Split {
    let mut random = SplitMix(seed);
    let (mut train, mut valid, mut test) = (Vec::new(), Vec::new(), Vec::new());
    for list in &interactions.by_user {
        let mut items = list.clone();
        for i in (1..items.len()).rev() {
            items.swap(i, (random.next() % (i as u64 + 1)) as usize);
        }
        let total = items.len();
        let mut counts = [0usize, (total as f64 * 0.1) as usize, (total as f64 * 0.1) as usize];
        counts[0] = total - counts[1] - counts[2];
        for part in [2, 1] {
            if counts[0] <= 1 {
                break;
            }
            let share = 0.1 * total as f64;
            if share > 0.0 && share < 1.0 {
                counts[part] += 1;
                counts[0] -= 1;
            }
        }
        test.push(items[counts[0] + counts[1]..].to_vec());
        valid.push(items[counts[0]..counts[0] + counts[1]].to_vec());
        train.push(items[..counts[0]].to_vec());
    }
    let sorted = |mut lists: Vec<Vec<u32>>| {
        lists.iter_mut().for_each(|list| list.sort_unstable());
        lists
    };
    Split { train: Interactions::new(interactions.items, train), valid: sorted(valid), test: sorted(test) }
}

/// Recall@k and NDCG@k of `model` on `targets`, leaving out each user's `seen` items.
fn measure(
    model: &dyn Recommender,
    history: &[Vec<u32>],
    seen: &[Vec<u32>],
    targets: &[Vec<u32>],
    k: usize,
) -> (f64, f64) {
    let (mut recall, mut ndcg, mut users) = (0.0, 0.0, 0usize);
    for ((history, seen), target) in history.iter().zip(seen).zip(targets) {
        if target.is_empty() {
            continue;
        }
        let ranked = top_items(&model.scores(history), seen, k);
        let hits: Vec<bool> = ranked.iter().map(|item| target.binary_search(item).is_ok()).collect();
        recall += hits.iter().filter(|hit| **hit).count() as f64 / target.len() as f64;
        let dcg: f64 =
            hits.iter().enumerate().filter(|(_, hit)| **hit).map(|(rank, _)| 1.0 / (rank as f64 + 2.0).log2()).sum();
        let ideal: f64 = (0..target.len().min(k)).map(|rank| 1.0 / (rank as f64 + 2.0).log2()).sum();
        ndcg += dcg / ideal;
        users += 1;
    }
    let users = users.max(1) as f64;
    (recall / users, ndcg / users)
}

fn union(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut all = [a, b].concat();
    all.sort_unstable();
    all.dedup();
    all
}

/// Popularity, ItemKNN (k = 100, as RecBole's) and EASE (λ chosen on the validation split among
/// a few) under RecBole's protocol, on the test split.
pub fn evaluate(interactions: &Interactions, seed: u64) -> Vec<ModelFigures> {
    let split = split_per_user(interactions, seed);
    let train = &split.train.by_user;
    let seen_for_test: Vec<Vec<u32>> = train.iter().zip(&split.valid).map(|(a, b)| union(a, b)).collect();
    let mut figures = Vec::new();
    let mut run = |name: String, fit: &dyn Fn() -> Box<dyn Recommender>| {
        let started = Instant::now();
        let model = fit();
        let fit_s = started.elapsed().as_secs_f64();
        let (recall_at_10, ndcg_at_10) = measure(model.as_ref(), train, &seen_for_test, &split.test, 10);
        figures.push(ModelFigures { model: name, recall_at_10, ndcg_at_10, fit_s });
    };
    run("pop".to_owned(), &|| Box::new(Popularity::fit(&split.train)));
    run("itemknn".to_owned(), &|| Box::new(ItemKnn::fit(&split.train, 100)));
    if interactions.items <= super::ease::MAX_EASE_ITEMS {
        let lambda = [50.0, 100.0, 250.0, 500.0, 1000.0]
            .into_iter()
            .map(|lambda| {
                let model = Ease::fit(&split.train, lambda);
                (lambda, measure(&model, train, train, &split.valid, 10).1)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(250.0, |(lambda, _)| lambda);
        run(format!("ease (lambda {lambda})"), &|| Box::new(Ease::fit(&split.train, lambda)));
    }
    figures
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_split_keeps_every_interaction_once_in_the_protocol_s_shares() {
        let interactions = Interactions::new(100, vec![(0..40).collect(), (0..9).collect(), (50..70).collect()]);
        let split = split_per_user(&interactions, 7);
        assert_eq!((split.train.by_user[0].len(), split.valid[0].len(), split.test[0].len()), (32, 4, 4));
        assert_eq!((split.train.by_user[1].len(), split.valid[1].len(), split.test[1].len()), (7, 1, 1));
        let mut all = [split.train.by_user[2].clone(), split.valid[2].clone(), split.test[2].clone()].concat();
        all.sort_unstable();
        assert_eq!(all, (50..70).collect::<Vec<u32>>());
        assert_eq!(split_per_user(&interactions, 7).test, split.test, "seeded: the same split again");
    }

    #[test]
    fn on_clustered_viewing_the_models_beat_popularity() {
        // Two audiences: users 0..60 watch items 0..20, users 60..120 watch items 20..40, each
        // 12 items of their cluster; items 0 and 20 are watched by everyone in their cluster.
        let mut random = SplitMix(3);
        let by_user: Vec<Vec<u32>> = (0..120u32)
            .map(|user| {
                let base = if user < 60 { 0 } else { 20 };
                let mut items = vec![base];
                while items.len() < 12 {
                    let item = base + (random.next() % 20) as u32;
                    if !items.contains(&item) {
                        items.push(item);
                    }
                }
                items
            })
            .collect();
        let figures = evaluate(&Interactions::new(40, by_user), 1);
        let recall = |name: &str| figures.iter().find(|f| f.model.starts_with(name)).unwrap().recall_at_10;
        assert!(recall("ease") > recall("pop") + 0.2, "{figures:?}");
        assert!(recall("itemknn") > recall("pop") + 0.2, "{figures:?}");
    }
}
