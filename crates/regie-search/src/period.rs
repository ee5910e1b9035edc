//! Dates as catalogues write them: `2026`, `2026-03` or `2026-03-14`, each standing for the whole
//! period; shared by queries, indexed dates and the records that bring them in.

use chrono::{DateTime, NaiveDate, Utc};

/// The start and the end (exclusive) of `2026`, `2026-03` or `2026-03-14`, in UTC.
pub fn period(value: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let texts: Vec<&str> = value.trim().split('-').collect();
    if texts[0].len() != 4 {
        return None;
    }
    let parts: Vec<u32> = texts.iter().map(|part| part.parse().ok()).collect::<Option<_>>()?;
    let start_of = |year: i32, month: u32, day: u32| {
        NaiveDate::from_ymd_opt(year, month, day).map(|date| date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
    };
    match parts.as_slice() {
        [year] => Some((start_of(*year as i32, 1, 1)?, start_of(*year as i32 + 1, 1, 1)?)),
        [year, month] => {
            let (next_year, next_month) = if *month == 12 { (*year + 1, 1) } else { (*year, month + 1) };
            Some((start_of(*year as i32, *month, 1)?, start_of(next_year as i32, next_month, 1)?))
        }
        [year, month, day] => {
            let start = start_of(*year as i32, *month, *day)?;
            Some((start, start + chrono::Duration::days(1)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::period;

    #[test]
    fn years_months_and_days_that_exist() {
        assert!(period("2026").is_some() && period("2026-03").is_some() && period("2026-02-28").is_some());
        assert!(period("2026-02-30").is_none() && period("26-03").is_none() && period("2026-13").is_none());
        assert!(period("March").is_none());
        let (start, end) = period("2026-12").unwrap();
        assert_eq!(
            (start.to_rfc3339(), end.to_rfc3339()),
            ("2026-12-01T00:00:00+00:00".into(), "2027-01-01T00:00:00+00:00".into())
        );
    }
}
