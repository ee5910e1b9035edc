//! Slowing down password guessing, as OWASP recommends: failures are counted per address, per
//! account and per (account, address), each independently. Past a few failures further attempts
//! wait (429 with Retry-After) for a delay that doubles with each failure, up to 15 minutes.
//!
//! A success clears the account and the (account, address) pair, never the address: an attacker
//! logging into their own account does not earn new guesses on another. An account under attack
//! slows guesses from every address that has failed, but a correct password from an address with
//! no failures on record still gets through, so nobody can lock a user out.
//!
//! Refused tokens and sessions are counted too (`RefusalLog`): one audit entry per address and
//! interval with a count, and a limit past which an address is answered 429 without a lookup.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures forgiven before any delay.
const FREE_PER_PAIR: u32 = 5;
const FREE_PER_ACCOUNT: u32 = 5;
const FREE_PER_ADDRESS: u32 = 20;
const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Failures older than this are forgotten.
const MEMORY: Duration = Duration::from_secs(3600);
/// Counters kept at most; past it the oldest are forgotten (a flood of addresses cannot grow it).
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

fn account_key(account: &str) -> String {
    format!("account:{}", account.to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}

fn pair_key(account: &str, address: &str) -> String {
    format!("pair:{}|{address}", account.to_lowercase())
}

impl LoginThrottle {
    /// How long the caller must wait before trying again, if at all.
    pub fn wait(&self, account: &str, address: Option<&str>) -> Option<Duration> {
        let failures = self.failures.lock().expect("throttle lock");
        let now = Instant::now();
        let remaining = |key: &str, free: u32| {
            let (count, last) = *failures.get(key)?;
            (last + delay_after(count, free)?).checked_duration_since(now)
        };
        let Some(address) = address else { return remaining(&account_key(account), FREE_PER_ACCOUNT) };
        let address_has_failed = failures.contains_key(&address_key(address));
        [
            remaining(&address_key(address), FREE_PER_ADDRESS),
            remaining(&pair_key(account, address), FREE_PER_PAIR),
            // The account's own lock holds only for addresses that have failed before.
            address_has_failed.then(|| remaining(&account_key(account), FREE_PER_ACCOUNT)).flatten(),
        ]
        .into_iter()
        .flatten()
        .max()
    }

    pub fn failed(&self, account: &str, address: Option<&str>) {
        let mut failures = self.failures.lock().expect("throttle lock");
        let now = Instant::now();
        failures.retain(|_, (_, last)| now.duration_since(*last) < MEMORY);
        if failures.len() >= MAX_KEYS {
            failures.clear();
        }
        let mut keys = vec![account_key(account)];
        if let Some(address) = address {
            keys.push(address_key(address));
            keys.push(pair_key(account, address));
        }
        for key in keys {
            let entry = failures.entry(key).or_insert((0, now));
            *entry = (entry.0 + 1, now);
        }
    }

    /// A correct password: the account and this pair start afresh; the address keeps its count.
    pub fn succeeded(&self, account: &str, address: Option<&str>) {
        let mut failures = self.failures.lock().expect("throttle lock");
        failures.remove(&account_key(account));
        if let Some(address) = address {
            failures.remove(&pair_key(account, address));
        }
    }
}

/// The delay after `count` failures of which `free` are forgiven: 1 s, 2 s, 4 s... up to 15 min.
fn delay_after(count: u32, free: u32) -> Option<Duration> {
    let beyond = count.checked_sub(free).filter(|beyond| *beyond > 0)?;
    Some(Duration::from_secs(1u64 << (beyond - 1).min(20)).min(MAX_DELAY))
}

/// How refusals are summed in the audit trail.
pub const REFUSAL_INTERVAL: Duration = Duration::from_secs(10);
/// Refusals one address may cause per interval before it is answered 429 without a lookup.
const REFUSALS_PER_INTERVAL: u64 = 100;

/// What to do about one refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// The first refusal of the address in this interval: audit it now.
    pub audit_now: bool,
}

#[derive(Debug)]
struct Window {
    started: Instant,
    total: u64,
    /// Refusals not yet in the audit trail.
    unaudited: u64,
}

/// Refusals of tokens and sessions per address, summed per interval.
#[derive(Debug, Default)]
pub struct RefusalLog {
    windows: Mutex<HashMap<String, Window>>,
}

impl RefusalLog {
    pub fn record(&self, address: &str) -> Refusal {
        let mut windows = self.windows.lock().expect("refusal lock");
        let now = Instant::now();
        if windows.len() >= MAX_KEYS && !windows.contains_key(address) {
            // Too many addresses at once: count the newcomer without auditing it individually.
            return Refusal { audit_now: false };
        }
        match windows.get_mut(address) {
            Some(window) if now.duration_since(window.started) < REFUSAL_INTERVAL => {
                window.total += 1;
                window.unaudited += 1;
                Refusal { audit_now: false }
            }
            Some(window) => {
                // A new interval; what the last one left unaudited is flushed with its count.
                window.started = now;
                window.total = 1;
                Refusal { audit_now: true }
            }
            None => {
                windows.insert(address.to_owned(), Window { started: now, total: 1, unaudited: 0 });
                Refusal { audit_now: true }
            }
        }
    }

    /// Whether the address has been refused too often in the current interval.
    pub fn is_limited(&self, address: &str) -> bool {
        let windows = self.windows.lock().expect("refusal lock");
        windows
            .get(address)
            .is_some_and(|window| window.started.elapsed() < REFUSAL_INTERVAL && window.total > REFUSALS_PER_INTERVAL)
    }

    /// Refusals not yet audited, per address, for windows that have closed (or all of them when
    /// the server stops); closed windows are forgotten.
    pub fn take_unaudited(&self, all: bool) -> Vec<(String, u64)> {
        let mut windows = self.windows.lock().expect("refusal lock");
        let mut taken = Vec::new();
        windows.retain(|address, window| {
            let closed = all || window.started.elapsed() >= REFUSAL_INTERVAL;
            if closed && window.unaudited > 0 {
                taken.push((address.clone(), window.unaudited));
                window.unaudited = 0;
            }
            !closed
        });
        taken
    }
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
    fn an_account_is_slowed_from_failing_addresses_and_cleared_by_success() {
        let throttle = LoginThrottle::default();
        for attempt in 0..6 {
            throttle.failed("Anne", Some(&format!("10.0.0.{attempt}")));
        }
        assert!(throttle.wait("anne", Some("10.0.0.1")).is_some(), "an address that failed is slowed");
        assert!(throttle.wait("anne", Some("10.0.0.99")).is_none(), "an address without failures gets through");
        assert!(throttle.wait("bruno", Some("10.0.0.1")).is_none());
        throttle.succeeded("anne", Some("10.0.0.99"));
        assert!(throttle.wait("anne", Some("10.0.0.1")).is_none());
    }

    #[test]
    fn an_attackers_own_login_does_not_reset_their_address() {
        let throttle = LoginThrottle::default();
        for _ in 0..6 {
            throttle.failed("anne", Some("10.6.6.6"));
        }
        throttle.succeeded("mallory", Some("10.6.6.6"));
        assert!(throttle.wait("anne", Some("10.6.6.6")).is_some());
        for _ in 0..20 {
            throttle.failed("someone", Some("10.6.6.6"));
        }
        throttle.succeeded("mallory", Some("10.6.6.6"));
        assert!(throttle.wait("bruno", Some("10.6.6.6")).is_some(), "the address count stays");
    }

    #[test]
    fn refusals_are_audited_once_per_interval_with_a_count() {
        let log = RefusalLog::default();
        assert!(log.record("10.0.0.1").audit_now);
        for _ in 0..150 {
            assert!(!log.record("10.0.0.1").audit_now);
        }
        assert!(log.is_limited("10.0.0.1"));
        assert!(!log.is_limited("10.0.0.2"));
        assert!(log.take_unaudited(false).is_empty(), "the window is still open");
        assert_eq!(log.take_unaudited(true), vec![("10.0.0.1".to_owned(), 150)]);
    }
}
