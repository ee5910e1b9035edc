//! EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", 2019): the item-to-item
//! weights B = I - P diag(1/diag P), with P = (XᵀX + λI)⁻¹ and a zero diagonal; a user's score for
//! item j is the sum of B[i][j] over the items i they viewed. Dense: items² weights.

use super::{Interactions, Recommender};

/// The most items EASE is fitted on (its matrix is items² numbers and its fit items³ steps).
pub const MAX_EASE_ITEMS: usize = 6_000;

#[derive(Debug, Clone)]
pub struct Ease {
    items: usize,
    /// Row-major items x items.
    weights: Vec<f32>,
}

impl Ease {
    /// Fits the weights with regularisation `lambda` (a few hundred suits most catalogues).
    pub fn fit(interactions: &Interactions, lambda: f64) -> Self {
        let n = interactions.items;
        assert!(n <= MAX_EASE_ITEMS, "EASE is fitted on at most {MAX_EASE_ITEMS} items");
        let mut gram = vec![0.0f64; n * n];
        for list in &interactions.by_user {
            for &i in list {
                let row = i as usize * n;
                for &j in list {
                    gram[row + j as usize] += 1.0;
                }
            }
        }
        for i in 0..n {
            gram[i * n + i] += lambda;
        }
        let inverse = invert_positive_definite(gram, n);
        let mut weights = vec![0.0f32; n * n];
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    weights[i * n + j] = (-inverse[i * n + j] / inverse[j * n + j]) as f32;
                }
            }
        }
        Self { items: n, weights }
    }

    /// The weight from item `from` to item `to`: how much viewing one speaks for the other.
    pub fn weight(&self, from: u32, to: u32) -> f32 {
        self.weights[from as usize * self.items + to as usize]
    }
}

impl Recommender for Ease {
    fn scores(&self, history: &[u32]) -> Vec<f32> {
        let mut scores = vec![0.0f32; self.items];
        for &item in history {
            let row = &self.weights[item as usize * self.items..(item as usize + 1) * self.items];
            for (score, weight) in scores.iter_mut().zip(row) {
                *score += weight;
            }
        }
        scores
    }
}

/// The inverse of a symmetric positive definite matrix (row-major, n x n), by Cholesky: A = LLᵀ,
/// then L⁻¹ by forward substitution, then A⁻¹ = L⁻ᵀL⁻¹.
fn invert_positive_definite(mut a: Vec<f64>, n: usize) -> Vec<f64> {
    // Cholesky in place, lower triangle (row i holds L[i][0..=i]).
    for j in 0..n {
        let row_j = &mut a[j * n..j * n + n];
        let diagonal = (row_j[j] - row_j[..j].iter().map(|x| x * x).sum::<f64>()).max(f64::MIN_POSITIVE).sqrt();
        row_j[j] = diagonal;
        let row_j: Vec<f64> = row_j[..j].to_vec();
        for i in j + 1..n {
            let row_i = &mut a[i * n..i * n + n];
            let dot: f64 = row_i[..j].iter().zip(&row_j).map(|(x, y)| x * y).sum();
            row_i[j] = (row_i[j] - dot) / diagonal;
        }
    }
    // L⁻¹, lower triangular, column by column of the identity.
    let mut inverse_l = vec![0.0f64; n * n];
    for i in 0..n {
        inverse_l[i * n + i] = 1.0 / a[i * n + i];
        for j in 0..i {
            let mut sum = 0.0;
            for k in j..i {
                sum += a[i * n + k] * inverse_l[k * n + j];
            }
            inverse_l[i * n + j] = -sum / a[i * n + i];
        }
    }
    // A⁻¹ = (L⁻¹)ᵀ L⁻¹: entry (i, j) is the dot product of columns i and j of L⁻¹, rows from
    // max(i, j). Transposing first makes those columns contiguous rows.
    let mut columns = vec![0.0f64; n * n];
    for i in 0..n {
        for j in 0..=i {
            columns[j * n + i] = inverse_l[i * n + j];
        }
    }
    let mut result = vec![0.0f64; n * n];
    for i in 0..n {
        for j in 0..=i {
            let from = i.max(j);
            let dot: f64 = columns[i * n + from..i * n + n]
                .iter()
                .zip(&columns[j * n + from..j * n + n])
                .map(|(x, y)| x * y)
                .sum();
            result[i * n + j] = dot;
            result[j * n + i] = dot;
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inverse_times_the_matrix_is_the_identity() {
        let a = vec![4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0];
        let inverse = invert_positive_definite(a.clone(), 3);
        for i in 0..3 {
            for j in 0..3 {
                let product: f64 = (0..3).map(|k| a[i * 3 + k] * inverse[k * 3 + j]).sum();
                assert!((product - f64::from(u8::from(i == j))).abs() < 1e-12, "({i}, {j}): {product}");
            }
        }
    }

    #[test]
    fn items_viewed_together_recommend_each_other() {
        // Users who watched 0 watched 1; users who watched 2 watched 3.
        let interactions = Interactions::new(4, vec![vec![0, 1], vec![0, 1], vec![2, 3], vec![2, 3], vec![0, 1, 2]]);
        let ease = Ease::fit(&interactions, 0.5);
        let scores = ease.scores(&[0]);
        assert!(scores[1] > scores[2] && scores[1] > scores[3], "{scores:?}");
        assert_eq!(ease.weight(0, 0), 0.0);
    }
}
