//! Việt Nam's time: one offset for the whole country (UTC+7, no daylight saving), the local
//! date and clock time of an instant, and the formats the kiosk shows them in.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};

/// Việt Nam's offset from UTC.
pub fn vietnam_offset() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

/// `at` as a Việt Nam wall-clock time.
pub fn vietnam_local(at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&vietnam_offset()).naive_local()
}

/// The date in Việt Nam at `at`.
pub fn vietnam_date(at: DateTime<Utc>) -> NaiveDate {
    vietnam_local(at).date()
}

/// `at` as the screens and receipts write it: `dd/mm/yyyy HH:MM`, Việt Nam time.
pub fn vietnam_display(at: DateTime<Utc>) -> String {
    vietnam_local(at).format("%d/%m/%Y %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn late_evening_utc_is_the_next_morning_in_viet_nam() {
        let at = Utc.with_ymd_and_hms(2026, 12, 31, 18, 30, 0).unwrap();
        assert_eq!(
            vietnam_date(at),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
        assert_eq!(vietnam_display(at), "01/01/2027 01:30");
    }
}
