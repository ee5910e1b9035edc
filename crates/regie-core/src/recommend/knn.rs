//! Item-based k nearest neighbours: the cosine similarity of two items over the users who viewed
//! them, keeping each item's `k` most similar; a user's score for an item is the sum of its
//! similarities to the items they viewed. Sparse, for catalogues too large for EASE.

use std::collections::HashMap;

use super::{Interactions, Recommender};

#[derive(Debug, Clone)]
pub struct ItemKnn {
    items: usize,
    /// For each item, its neighbours and their similarity.
    neighbours: Vec<Vec<(u32, f32)>>,
}

impl ItemKnn {
    pub fn fit(interactions: &Interactions, k: usize) -> Self {
        let n = interactions.items;
        let counts = interactions.counts();
        let mut co: Vec<HashMap<u32, u32>> = vec![HashMap::new(); n];
        for list in &interactions.by_user {
            for &i in list {
                let row = &mut co[i as usize];
                for &j in list {
                    if i != j {
                        *row.entry(j).or_default() += 1;
                    }
                }
            }
        }
        let neighbours = co
            .into_iter()
            .enumerate()
            .map(|(i, row)| {
                let mut similar: Vec<(u32, f32)> = row
                    .into_iter()
                    .map(|(j, together)| {
                        let norm = (f64::from(counts[i]) * f64::from(counts[j as usize])).sqrt();
                        (j, (f64::from(together) / norm.max(1.0)) as f32)
                    })
                    .collect();
                similar.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                similar.truncate(k);
                similar
            })
            .collect();
        Self { items: n, neighbours }
    }

    /// The items most like `item` with their similarity, most similar first.
    pub fn neighbours_of(&self, item: u32) -> &[(u32, f32)] {
        self.neighbours.get(item as usize).map_or(&[], Vec::as_slice)
    }
}

impl Recommender for ItemKnn {
    fn scores(&self, history: &[u32]) -> Vec<f32> {
        let mut scores = vec![0.0f32; self.items];
        for &item in history {
            for &(other, similarity) in self.neighbours_of(item) {
                scores[other as usize] += similarity;
            }
        }
        scores
    }
}
