//! Cron expressions for scheduled rules: five fields (minute, hour, day of month, month, day of
//! week), each `*`, a number, a range `a-b`, a list `a,b`, with an optional step `/n`. When both
//! day fields are restricted, either may match (as cron does). Times are UTC.

use chrono::{DateTime, Datelike, Timelike, Utc};

use crate::CoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    text: String,
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
    days_restricted: bool,
    weekdays_restricted: bool,
}

impl Cron {
    pub fn parse(text: &str) -> Result<Self, CoreError> {
        let invalid = |reason: String| CoreError::invalid("cron expression", text, reason);
        let fields: Vec<&str> = text.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(invalid(
                "write five fields: minute hour day-of-month month day-of-week, as \"0 3 * * *\"".to_owned(),
            ));
        }
        let field = |index: usize, low: u32, high: u32, name: &str| {
            parse_field(fields[index], low, high).map_err(|reason| invalid(format!("{name}: {reason}")))
        };
        let mut weekdays = field(4, 0, 7, "day of week")?;
        if weekdays & (1 << 7) != 0 {
            weekdays |= 1;
        }
        Ok(Self {
            text: text.to_owned(),
            minutes: field(0, 0, 59, "minute")?,
            hours: field(1, 0, 23, "hour")?,
            days: field(2, 1, 31, "day of month")?,
            months: field(3, 1, 12, "month")?,
            weekdays,
            days_restricted: fields[2] != "*",
            weekdays_restricted: fields[4] != "*",
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the minute starting at `time` is one of the schedule's.
    pub fn matches(&self, time: DateTime<Utc>) -> bool {
        let bit = |set: u64, value: u32| set & (1 << value) != 0;
        let day = bit(self.days, time.day());
        let weekday = bit(self.weekdays, time.weekday().num_days_from_sunday());
        let day_matches = match (self.days_restricted, self.weekdays_restricted) {
            (true, true) => day || weekday,
            (true, false) => day,
            (false, true) => weekday,
            (false, false) => true,
        };
        bit(self.minutes, time.minute())
            && bit(self.hours, time.hour())
            && bit(self.months, time.month())
            && day_matches
    }
}

fn parse_field(text: &str, low: u32, high: u32) -> Result<u64, String> {
    let mut set = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => {
                (range, step.parse::<u32>().ok().filter(|step| *step > 0).ok_or(format!("{step:?} is not a step"))?)
            }
            None => (part, 1),
        };
        let (from, to) = if range == "*" {
            (low, high)
        } else if let Some((from, to)) = range.split_once('-') {
            (number(from, low, high)?, number(to, low, high)?)
        } else {
            let value = number(range, low, high)?;
            (value, if part.contains('/') { high } else { value })
        };
        if from > to {
            return Err(format!("{range} runs backwards"));
        }
        for value in (from..=to).step_by(step as usize) {
            set |= 1 << value;
        }
    }
    Ok(set)
}

fn number(text: &str, low: u32, high: u32) -> Result<u32, String> {
    text.parse::<u32>()
        .ok()
        .filter(|value| (low..=high).contains(value))
        .ok_or_else(|| format!("{text:?} is not a number from {low} to {high}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn fields_steps_ranges_and_lists() {
        let nightly = Cron::parse("30 3 * * *").unwrap();
        assert!(nightly.matches(at("2026-11-29T03:30:00Z")));
        assert!(!nightly.matches(at("2026-11-29T03:31:00Z")));
        let quarter = Cron::parse("*/15 8-18 * * 1-5").unwrap();
        assert!(quarter.matches(at("2026-11-30T08:45:00Z")), "a Monday");
        assert!(!quarter.matches(at("2026-11-29T08:45:00Z")), "a Sunday");
        assert!(!quarter.matches(at("2026-11-30T19:00:00Z")));
        let sundays = Cron::parse("0 0 * * 7").unwrap();
        assert!(sundays.matches(at("2026-11-29T00:00:00Z")));
        let either = Cron::parse("0 12 1 * 1").unwrap();
        assert!(either.matches(at("2026-12-01T12:00:00Z")), "the 1st");
        assert!(either.matches(at("2026-11-30T12:00:00Z")), "a Monday");
        assert!(!either.matches(at("2026-12-02T12:00:00Z")));
        for bad in ["* * * *", "60 * * * *", "*/0 * * * *", "5-1 * * * *", "a * * * *"] {
            assert!(Cron::parse(bad).is_err(), "{bad}");
        }
    }
}
