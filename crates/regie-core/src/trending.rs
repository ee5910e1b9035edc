//! Trends: a time-decayed popularity per asset kept as one log-space number per half-life,
//! updated on each view and sortable without recomputation, and burst detection: an asset whose
//! viewing over the last hour suddenly runs far above its own weekly rate (in the spirit of
//! Kleinberg 2002's bursts, reduced to two decaying rates).
//!
//! For a half-life h (decay λ = ln 2 / h), the score at time t of views at t₁, t₂... is
//! Σ exp(-λ (t - tᵢ)). Stored as L = ln Σ exp(λ tᵢ), one `logaddexp` per view; the score is
//! exp(L - λ t), so ordering assets by L orders them by score at any common t.

use serde::Serialize;

use crate::random::SplitMix;

/// The half-lives kept, by name: the window `regie trending --window` chooses among.
pub const WINDOWS: [(&str, f64); 3] = [("1h", 3_600.0), ("24h", 86_400.0), ("7d", 604_800.0)];
/// A burst: the last hour's rate at least this many times the weekly rate...
pub const BURST_RATIO: f64 = 4.0;
/// ...over at least this many recent views (decayed), so that three plays of a quiet title
/// are not a trend.
pub const BURST_MIN_VIEWS: f64 = 6.0;

/// The decayed sums of one asset, one per window, in log space (`f64::NEG_INFINITY`: no view).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrendState {
    pub logs: [f64; 3],
}

impl Default for TrendState {
    fn default() -> Self {
        Self { logs: [f64::NEG_INFINITY; 3] }
    }
}

fn decay(half_life_s: f64) -> f64 {
    std::f64::consts::LN_2 / half_life_s
}

fn log_add_exp(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    let (high, low) = if a > b { (a, b) } else { (b, a) };
    high + (low - high).exp().ln_1p()
}

impl TrendState {
    /// Adds a view at `t_s` (seconds from any fixed epoch, the same for every call).
    pub fn add_view(&mut self, t_s: f64) {
        for (log, (_, half_life)) in self.logs.iter_mut().zip(WINDOWS) {
            *log = log_add_exp(*log, decay(half_life) * t_s);
        }
    }

    /// The decayed number of views in window `index` at `t_s`.
    pub fn score(&self, index: usize, t_s: f64) -> f64 {
        (self.logs[index] - decay(WINDOWS[index].1) * t_s).exp()
    }

    /// The viewing rate per hour over window `index` (a decayed sum times its decay).
    pub fn rate_per_hour(&self, index: usize, t_s: f64) -> f64 {
        self.score(index, t_s) * decay(WINDOWS[index].1) * 3_600.0
    }

    /// Whether the asset is in a burst at `t_s`, and how many times its weekly rate the last
    /// hour's is.
    pub fn burst(&self, t_s: f64) -> (bool, f64) {
        let (recent, weekly) = (self.rate_per_hour(0, t_s), self.rate_per_hour(2, t_s));
        let ratio = if weekly > 0.0 { recent / weekly } else { 0.0 };
        (ratio >= BURST_RATIO && self.score(0, t_s) >= BURST_MIN_VIEWS, ratio)
    }
}

/// The window index of a name (`1h`, `24h`, `7d`).
pub fn window_index(name: &str) -> Option<usize> {
    WINDOWS.iter().position(|(window, _)| *window == name)
}

/// How burst detection fared on simulated traffic.
#[derive(Debug, Clone, Serialize)]
pub struct SimulationFigures {
    pub assets: usize,
    pub days: f64,
    pub views: u64,
    pub injected_bursts: usize,
    pub detected_bursts: usize,
    /// Alerts (an asset entering the burst state) that fell in no injected burst.
    pub false_alerts: usize,
    pub precision: f64,
    pub recall: f64,
    pub median_delay_min: f64,
}

/// Simulates `assets` assets viewed for `days` days (Poisson traffic, base rates from 0.05 to 30
/// views an hour, a daily cycle), with `bursts` injected bursts (the rate raised to ten times its
/// base, at least 10 an hour, for two to four hours), checks every asset every five minutes, and
/// scores the alerts.
pub fn simulate(assets: usize, days: f64, bursts: usize, seed: u64) -> SimulationFigures {
    let mut random = SplitMix(seed);
    let base: Vec<f64> = (0..assets).map(|_| 0.05 * (600.0f64).powf(random.unit())).collect();
    // Assets with a history: each window starts at the steady state of the asset's base rate.
    let warm_up = 86_400.0;
    let end = warm_up + days * 86_400.0;
    let injected: Vec<(usize, f64, f64)> = (0..bursts)
        .map(|_| {
            let asset = (random.next() % assets as u64) as usize;
            let start = warm_up + random.unit() * (end - warm_up - 5.0 * 3_600.0);
            (asset, start, start + 3_600.0 * (2.0 + 2.0 * random.unit()))
        })
        .collect();
    let mut states: Vec<TrendState> = base
        .iter()
        .map(|rate| {
            let per_second = rate / 3_600.0;
            TrendState { logs: WINDOWS.map(|(_, half_life)| (per_second / decay(half_life)).ln()) }
        })
        .collect();
    let mut in_burst = vec![false; assets];
    let mut detected = vec![None::<f64>; injected.len()];
    let (mut false_alerts, mut views) = (0usize, 0u64);
    let step = 60.0;
    let mut t = 0.0;
    let mut next_check = 0.0;
    while t < end {
        let daily = 1.0 + 0.5 * (2.0 * std::f64::consts::PI * t / 86_400.0).sin();
        for (asset, state) in states.iter_mut().enumerate() {
            let mut rate = base[asset] * daily;
            if let Some(&(_, _, _)) =
                injected.iter().find(|(which, start, stop)| *which == asset && (*start..*stop).contains(&t))
            {
                rate = (base[asset] * 10.0).max(10.0);
            }
            for _ in 0..random.poisson(rate * step / 3_600.0) {
                state.add_view(t + random.unit() * step);
                views += 1;
            }
        }
        t += step;
        if t >= next_check && t >= warm_up {
            next_check = t + 300.0;
            for (asset, state) in states.iter().enumerate() {
                let (burst, ratio) = state.burst(t);
                if burst && !in_burst[asset] {
                    // An alert: in an injected burst (or up to an hour after its start's decay)?
                    let hit = injected
                        .iter()
                        .position(|(which, start, stop)| *which == asset && t >= *start && t <= *stop + 3_600.0);
                    match hit {
                        Some(index) => {
                            detected[index].get_or_insert(t - injected[index].1);
                        }
                        None => false_alerts += 1,
                    }
                }
                // A burst lasts until the ratio falls below half the threshold, so one burst is
                // one alert, not one each time it wavers around the threshold.
                in_burst[asset] = if in_burst[asset] { ratio >= BURST_RATIO / 2.0 } else { burst };
            }
        }
    }
    let found: Vec<f64> = detected.iter().flatten().copied().collect();
    let true_alerts = found.len();
    let mut delays: Vec<f64> = found.iter().map(|delay| delay / 60.0).collect();
    delays.sort_by(f64::total_cmp);
    SimulationFigures {
        assets,
        days,
        views,
        injected_bursts: injected.len(),
        detected_bursts: true_alerts,
        false_alerts,
        precision: true_alerts as f64 / (true_alerts + false_alerts).max(1) as f64,
        recall: true_alerts as f64 / injected.len().max(1) as f64,
        median_delay_min: delays.get(delays.len() / 2).copied().unwrap_or(f64::NAN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_decays_by_half_over_each_half_life() {
        let mut state = TrendState::default();
        state.add_view(1_000_000.0);
        assert!((state.score(0, 1_000_000.0) - 1.0).abs() < 1e-9);
        assert!((state.score(0, 1_003_600.0) - 0.5).abs() < 1e-9);
        assert!((state.score(1, 1_086_400.0) - 0.5).abs() < 1e-9);
        let mut two = state;
        two.add_view(1_003_600.0);
        assert!((two.score(0, 1_003_600.0) - 1.5).abs() < 1e-9);
    }

    #[test]
    fn ordering_by_the_stored_number_is_ordering_by_the_score_now() {
        let (mut old_hit, mut new_one) = (TrendState::default(), TrendState::default());
        for i in 0..10 {
            old_hit.add_view(f64::from(i));
        }
        new_one.add_view(20_000.0);
        new_one.add_view(20_001.0);
        let now = 20_002.0;
        assert!(new_one.score(0, now) > old_hit.score(0, now));
        assert!(new_one.logs[0] > old_hit.logs[0]);
    }

    #[test]
    fn a_sudden_rise_is_a_burst_and_steady_traffic_is_not() {
        let mut steady = TrendState::default();
        let mut rising = TrendState::default();
        for minute in 0..(7 * 24 * 60) {
            let t = f64::from(minute) * 60.0;
            if minute % 6 == 0 {
                steady.add_view(t);
            }
            if minute % 120 == 0 {
                rising.add_view(t);
            }
        }
        let now = 7.0 * 86_400.0;
        for second in 0..40 {
            rising.add_view(now - 3_000.0 + f64::from(second) * 60.0);
        }
        assert!(!steady.burst(now).0, "{:?}", steady.burst(now));
        assert!(rising.burst(now).0, "{:?}", rising.burst(now));
    }

    #[test]
    fn injected_bursts_are_found_on_simulated_traffic() {
        let figures = simulate(150, 3.0, 12, 5);
        assert!(figures.recall >= 0.8, "{figures:?}");
        assert!(figures.precision >= 0.8, "{figures:?}");
    }
}
