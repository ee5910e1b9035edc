//! Slowing down password guessing: after a few failed logins for one account, or more from one
//! address, further attempts are refused (429 with Retry-After) for a delay that doubles with
//! each new failure, up to 15 minutes. A success clears the account and the address.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures forgiven before any delay, per account and per address.
const FREE_PER_ACCOUNT: u32 = 5;
const FREE_PER_ADDRESS: u32 = 20;
const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Failures older than this are forgotten.
const MEMORY: Duration = Duration::from_secs(3600);

#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginThrottle {
    fn keys(account: &str, address: Option<&str>) -> Vec<(String, u32)> {
        let mut keys = vec![(format!("account:{}", account.to_lowercase()), FREE_PER_ACCOUNT)];
        if let Some(address) = address {
            keys.push((format!("address:{address}"), FREE_PER_ADDRESS));
        }
        keys
    }

    /// How long the caller must wait before trying again, if at all.
    pub fn wait(&self, account: &str, address: Option<&str>) -> Option<Duration> {
        let failures = self.failures.lock().expect("throttle lock");
        let now = Instant::now();
        Self::keys(account, address)
            .into_iter()
            .filter_map(|(key, free)| {
                let (count, last) = *failures.get(&key)?;
                let delay = delay_after(count, free)?;
                (last + delay).checked_duration_since(now)
            })
            .max()
    }

    pub fn failed(&self, account: &str, address: Option<&str>) {
        let mut failures = self.failures.lock().expect("throttle lock");
        let now = Instant::now();
        failures.retain(|_, (_, last)| now.duration_since(*last) < MEMORY);
        for (key, _) in Self::keys(account, address) {
            let entry = failures.entry(key).or_insert((0, now));
            *entry = (entry.0 + 1, now);
        }
    }

    pub fn succeeded(&self, account: &str, address: Option<&str>) {
        let mut failures = self.failures.lock().expect("throttle lock");
        for (key, _) in Self::keys(account, address) {
            failures.remove(&key);
        }
    }
}

/// The delay after `count` failures of which `free` are forgiven: 1 s, 2 s, 4 s... up to 15 min.
fn delay_after(count: u32, free: u32) -> Option<Duration> {
    let beyond = count.checked_sub(free).filter(|beyond| *beyond > 0)?;
    Some(Duration::from_secs(1u64 << (beyond - 1).min(20)).min(MAX_DELAY))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_after_the_free_failures() {
        assert_eq!(delay_after(5, 5), None);
        assert_eq!(delay_after(6, 5), Some(Duration::from_secs(1)));
        assert_eq!(delay_after(8, 5), Some(Duration::from_secs(4)));
        assert_eq!(delay_after(60, 5), Some(MAX_DELAY));
    }

    #[test]
    fn an_account_is_slowed_from_any_address_and_cleared_by_success() {
        let throttle = LoginThrottle::default();
        for attempt in 0..6 {
            throttle.failed("Anne", Some(&format!("10.0.0.{attempt}")));
        }
        assert!(throttle.wait("anne", Some("10.0.0.99")).is_some());
        assert!(throttle.wait("bruno", Some("10.0.0.99")).is_none());
        throttle.succeeded("anne", Some("10.0.0.99"));
        assert!(throttle.wait("anne", None).is_none());
    }
}
