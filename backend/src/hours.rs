//! Business hours: whether a queue is open at a moment, in its own time
//! zone, on its weekly spans and outside its holidays.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use protocol::admin::BusinessHours;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HoursError {
    #[error("unknown time zone \"{0}\"")]
    TimeZone(String),
    #[error("\"{0}\" is not a time of day (HH:MM)")]
    Time(String),
    #[error("a span must end after it starts ({0} to {1})")]
    Span(String, String),
    #[error("\"{0}\" is not a date (YYYY-MM-DD)")]
    Date(String),
    #[error("the week needs 7 days (Monday first), not {0}")]
    Week(usize),
}

fn time(s: &str) -> Result<Time, HoursError> {
    let bad = || HoursError::Time(s.into());
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (i8, i8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    // 24:00 closes a day that runs to midnight.
    if (h, m) == (24, 0) {
        return Ok(Time::MAX);
    }
    Time::new(h, m, 0, 0).map_err(|_| bad())
}

fn zone(name: &str) -> Result<TimeZone, HoursError> {
    TimeZone::get(name.trim()).map_err(|_| HoursError::TimeZone(name.into()))
}

/// Checks everything [`is_open`] will read, so a saved calendar never
/// fails later.
pub fn validate(hours: &BusinessHours) -> Result<(), HoursError> {
    zone(&hours.time_zone)?;
    if hours.week.len() != 7 {
        return Err(HoursError::Week(hours.week.len()));
    }
    for span in hours.week.iter().flatten() {
        if time(&span.from)? >= time(&span.to)? {
            return Err(HoursError::Span(span.from.clone(), span.to.clone()));
        }
    }
    for day in &hours.holidays {
        day.trim().parse::<Date>().map_err(|_| HoursError::Date(day.clone()))?;
    }
    Ok(())
}

/// Whether the calendar is open at `at_ms` (Unix milliseconds). Reads only
/// today's spans (routing asks every second); a saved calendar was
/// validated whole.
pub fn is_open(hours: &BusinessHours, at_ms: i64) -> Result<bool, HoursError> {
    let now = Timestamp::from_millisecond(at_ms).map_err(|_| HoursError::Date(at_ms.to_string()))?.to_zoned(zone(&hours.time_zone)?);
    let today = now.date();
    if hours.holidays.iter().any(|d| d.trim().parse::<Date>().is_ok_and(|d| d == today)) {
        return Ok(false);
    }
    let day = usize::try_from(now.weekday().to_monday_zero_offset()).unwrap_or(0);
    let t = now.time();
    for span in hours.week.get(day).ok_or(HoursError::Week(hours.week.len()))? {
        if time(&span.from)? <= t && t < time(&span.to)? {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use protocol::admin::TimeSpan;

    use super::*;

    fn office(zone: &str) -> BusinessHours {
        let nine_to_five = vec![TimeSpan { from: "09:00".into(), to: "17:00".into() }];
        let mut week = vec![nine_to_five; 5];
        week.push(vec![]);
        week.push(vec![]);
        BusinessHours { time_zone: zone.into(), week, holidays: vec!["2026-12-25".into()] }
    }

    fn at(rfc3339: &str) -> i64 {
        rfc3339.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn open_inside_the_spans_in_the_queues_own_zone() {
        let taipei = office("Asia/Taipei");
        // Tuesday 1 December 2026, 10:00 in Taipei is 02:00 UTC.
        assert_eq!(is_open(&taipei, at("2026-12-01T02:00:00Z")), Ok(true));
        assert_eq!(is_open(&taipei, at("2026-12-01T00:59:59Z")), Ok(false), "08:59 in Taipei");
        assert_eq!(is_open(&taipei, at("2026-12-01T09:00:00Z")), Ok(false), "17:00 closes");
        assert_eq!(is_open(&taipei, at("2026-12-05T02:00:00Z")), Ok(false), "Saturday");
        assert_eq!(is_open(&taipei, at("2026-12-25T02:00:00Z")), Ok(false), "a holiday");
        let paris = office("Europe/Paris");
        assert_eq!(is_open(&paris, at("2026-12-01T02:00:00Z")), Ok(false), "03:00 in Paris");
        assert_eq!(is_open(&paris, at("2026-12-01T08:00:00Z")), Ok(true));
    }

    #[test]
    fn a_day_may_run_to_midnight() {
        let mut h = office("UTC");
        h.week[0] = vec![TimeSpan { from: "00:00".into(), to: "24:00".into() }];
        assert_eq!(is_open(&h, at("2026-11-30T23:59:59Z")), Ok(true), "Monday");
    }

    #[test]
    fn bad_calendars_are_refused_with_the_reason() {
        assert_eq!(validate(&office("Mars/Olympus")), Err(HoursError::TimeZone("Mars/Olympus".into())));
        let mut h = office("UTC");
        h.week[1] = vec![TimeSpan { from: "17:00".into(), to: "09:00".into() }];
        assert!(matches!(validate(&h), Err(HoursError::Span(..))));
        h.week[1] = vec![TimeSpan { from: "9h".into(), to: "17:00".into() }];
        assert_eq!(validate(&h), Err(HoursError::Time("9h".into())));
        let mut h = office("UTC");
        h.holidays = vec!["25/12/2026".into()];
        assert!(matches!(validate(&h), Err(HoursError::Date(_))));
        h.week.pop();
        assert_eq!(validate(&h), Err(HoursError::Week(6)));
    }
}
