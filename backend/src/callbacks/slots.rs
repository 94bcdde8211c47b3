//! Callback slots: a queue's business hours cut into buckets of
//! `slot_secs`, each holding at most `per_slot` callbacks (Genesys's
//! buckets). Pure: the store says which are taken, the clock is an
//! argument.

use protocol::admin::{BusinessHours, CallbackSettings};

use crate::hours;

/// At most this many slots are offered at once (a fortnight of half
/// hours in office hours is well below it).
pub const MAX_SLOTS: usize = 200;
/// Buckets looked at before giving up, so tiny slots over a long closed
/// stretch cannot make a request slow.
const MAX_SCAN: usize = 20_000;

/// The queue's calendar and callback settings.
#[derive(Clone, Copy, Debug)]
pub struct Plan<'a> {
    pub hours: Option<&'a BusinessHours>,
    pub settings: &'a CallbackSettings,
}

impl Plan<'_> {
    fn slot_ms(&self) -> i64 {
        i64::from(self.settings.slot_secs.max(1)) * 1000
    }

    fn horizon(&self, now: i64) -> i64 {
        now + i64::from(self.settings.days_ahead) * 86_400_000
    }

    /// Open for the whole bucket starting at `start`. A calendar that
    /// cannot be read counts as closed here: better no slot than a call
    /// nobody is there to make.
    fn open(&self, start: i64) -> bool {
        match self.hours {
            None => true,
            Some(h) => hours::is_open(h, start).unwrap_or(false) && hours::is_open(h, start.saturating_add(self.slot_ms() - 1)).unwrap_or(false),
        }
    }

    /// Starts of the buckets still offered after `now`, soonest first, given
    /// the due times of the callbacks already scheduled (`taken`).
    pub fn free_slots(&self, now: i64, taken: &[i64]) -> Vec<i64> {
        let slot = self.slot_ms();
        let mut start = (now.div_euclid(slot) + 1) * slot;
        let end = self.horizon(now);
        let mut free = Vec::new();
        let mut scanned = 0;
        while start < end && free.len() < MAX_SLOTS && scanned < MAX_SCAN {
            if self.open(start) && self.count_in(start, taken) < self.settings.per_slot as usize {
                free.push(start);
            }
            start += slot;
            scanned += 1;
        }
        free
    }

    /// Whether a callback may be booked for the bucket starting at `start`:
    /// one offered, or one that began while the visitor was filling in the
    /// form and has not ended (its callbacks are due at once).
    pub fn offers(&self, now: i64, start: i64, taken: &[i64]) -> bool {
        let slot = self.slot_ms();
        start.saturating_add(slot) > now
            && start.rem_euclid(slot) == 0
            && start < self.horizon(now)
            && self.open(start)
            && self.count_in(start, taken) < self.settings.per_slot as usize
    }

    fn count_in(&self, start: i64, taken: &[i64]) -> usize {
        taken.iter().filter(|&&t| t >= start && t < start.saturating_add(self.slot_ms())).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::admin::TimeSpan as Span;

    const HOUR: i64 = 3_600_000;
    /// Monday 2026-11-30 00:00 UTC.
    const MONDAY: i64 = 1_795_996_800_000;

    fn settings(slot_secs: u32, per_slot: u32) -> CallbackSettings {
        CallbackSettings { slot_secs, per_slot, days_ahead: 2, ..CallbackSettings::default() }
    }

    fn nine_to_five() -> BusinessHours {
        let day = vec![Span { from: "09:00".into(), to: "17:00".into() }];
        BusinessHours { time_zone: "UTC".into(), week: vec![day.clone(), day.clone(), day.clone(), day.clone(), day, vec![], vec![]], holidays: vec![] }
    }

    #[test]
    fn slots_come_from_business_hours_only() {
        let hours = nine_to_five();
        let s = settings(3600, 2);
        let plan = Plan { hours: Some(&hours), settings: &s };
        let free = plan.free_slots(MONDAY + 8 * HOUR + 1, &[]);
        // Monday 09..16 and Tuesday 09..16 starts: 8 a day.
        assert_eq!(free.len(), 16);
        assert_eq!(free[0], MONDAY + 9 * HOUR);
        assert_eq!(free[7], MONDAY + 16 * HOUR);
        assert_eq!(free[8], MONDAY + 33 * HOUR);
    }

    #[test]
    fn a_full_slot_is_not_offered() {
        let hours = nine_to_five();
        let s = settings(3600, 2);
        let plan = Plan { hours: Some(&hours), settings: &s };
        let ten = MONDAY + 10 * HOUR;
        let taken = [ten + 5, ten + 600_000];
        assert!(!plan.free_slots(MONDAY, &taken).contains(&ten));
        assert!(!plan.offers(MONDAY, ten, &taken));
        assert!(plan.offers(MONDAY, ten, &taken[..1]));
    }

    #[test]
    fn past_misaligned_closed_and_far_slots_are_refused() {
        let hours = nine_to_five();
        let s = settings(3600, 2);
        let plan = Plan { hours: Some(&hours), settings: &s };
        let now = MONDAY + 12 * HOUR;
        assert!(!plan.offers(now, MONDAY + 11 * HOUR, &[]), "past");
        assert!(!plan.offers(now, MONDAY + 13 * HOUR + 1, &[]), "not a slot's start");
        assert!(!plan.offers(now, MONDAY + 20 * HOUR, &[]), "closed");
        assert!(!plan.offers(now, MONDAY + 24 * 5 * HOUR + 10 * HOUR, &[]), "beyond the days offered");
        assert!(plan.offers(now, MONDAY + 13 * HOUR, &[]));
        assert!(plan.offers(now + 600_000, MONDAY + 12 * HOUR, &[]), "a slot that began while the form was open");
    }

    #[test]
    fn a_bucket_that_runs_past_closing_is_not_offered() {
        let hours = nine_to_five();
        let s = settings(2 * 3600, 5);
        let plan = Plan { hours: Some(&hours), settings: &s };
        // Two-hour buckets from midnight UTC: 10-12, 12-14, 14-16 fit; 16-18 does not.
        let free = plan.free_slots(MONDAY, &[]);
        assert_eq!(&free[..3], &[MONDAY + 10 * HOUR, MONDAY + 12 * HOUR, MONDAY + 14 * HOUR]);
        assert_eq!(free[3], MONDAY + 34 * HOUR);
    }

    #[test]
    fn an_always_open_queue_offers_at_most_max_slots() {
        let s = settings(10, 1);
        let plan = Plan { hours: None, settings: &s };
        let free = plan.free_slots(MONDAY + 3, &[]);
        assert_eq!(free.len(), MAX_SLOTS);
        assert_eq!(free[0], MONDAY + 10_000);
    }
}
