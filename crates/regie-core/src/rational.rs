//! Exact rationals for frame rates and aspect ratios: 30000/1001 must stay 30000/1001,
//! never become 29.97 and drift by a frame every few minutes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::CoreError;

/// A positive rational in lowest terms, always written `num/den`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rational {
    pub num: u64,
    pub den: u64,
}

impl Rational {
    /// Builds a reduced rational; `None` when either side is zero (ffprobe writes `0/0` for "unknown").
    pub fn new(num: u64, den: u64) -> Option<Self> {
        if num == 0 || den == 0 {
            return None;
        }
        let divisor = gcd(num, den);
        Some(Self { num: num / divisor, den: den / divisor })
    }

    pub fn as_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// Reads `30000/1001`, `25`, `16:9` or a decimal such as `29.97` (mapped to the NTSC rational)
    /// as found in sidecars; `None` for zero or unparsable text.
    pub fn parse_lenient(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some((num, den)) = text.split_once(['/', ':']) {
            return Self::new(num.trim().parse().ok()?, den.trim().parse().ok()?);
        }
        if let Ok(whole) = text.parse::<u64>() {
            return Self::new(whole, 1);
        }
        let decimal: f64 = text.parse().ok()?;
        for ntsc_base in [24u64, 30, 60, 120] {
            let ntsc = ntsc_base as f64 * 1000.0 / 1001.0;
            if (decimal - ntsc).abs() < 0.006 {
                return Self::new(ntsc_base * 1000, 1001);
            }
        }
        Self::new((decimal * 1000.0).round() as u64, 1000)
    }
}

fn gcd(mut left: u64, mut right: u64) -> u64 {
    while right != 0 {
        (left, right) = (right, left % right);
    }
    left
}

impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

impl FromStr for Rational {
    type Err = CoreError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse_lenient(text).ok_or_else(|| CoreError::invalid("rational", text, "expected N/D with both non-zero"))
    }
}

impl TryFrom<String> for Rational {
    type Error = CoreError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Rational> for String {
    fn from(rational: Rational) -> String {
        rational.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rationals_are_reduced_and_exact() {
        assert_eq!(Rational::new(50, 2).unwrap().to_string(), "25/1");
        assert_eq!("30000/1001".parse::<Rational>().unwrap().to_string(), "30000/1001");
        assert!(Rational::new(0, 0).is_none());
    }

    #[test]
    fn sidecar_decimals_map_to_ntsc_rationals() {
        assert_eq!(Rational::parse_lenient("29.97").unwrap().to_string(), "30000/1001");
        assert_eq!(Rational::parse_lenient("23.976").unwrap().to_string(), "24000/1001");
        assert_eq!(Rational::parse_lenient("25").unwrap().to_string(), "25/1");
        assert_eq!(Rational::parse_lenient("16:9").unwrap().to_string(), "16/9");
        assert_eq!(Rational::parse_lenient("12.5").unwrap().to_string(), "25/2");
    }
}
