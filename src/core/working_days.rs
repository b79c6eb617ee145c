//! Working days at a one-stop desk: weekends, Việt Nam's public holidays (the lunar ones
//! included) and their compensation days, and the appointment date a receipt promises
//! ("hẹn trả kết quả"). Owns the holiday rules; must not read files or the clock — the
//! announced-days data comes in as text and the submission time as an argument.
//!
//! Rules (Bộ luật Lao động 2019, Điều 112): 1 January; Tết Nguyên Đán, five days; Giỗ Tổ Hùng
//! Vương (10/3 âm lịch); 30 April; 1 May; Quốc khánh, 2 September and one day beside it. A
//! holiday on a Saturday or Sunday gives the next working day off (Điều 111). Which five days
//! of Tết and which day beside 2 September are decided each year by the government: the rule
//! here (the last day of the lunar year and the first four of the new one; 3 September, or 1
//! September when the 2nd is a Tuesday or Saturday) is the default, and the days the
//! government announced for a year (`assets/calendar/holidays.toml`) replace it for that year.

use crate::core::lunar_calendar::{self, LunarDate};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use std::collections::{BTreeMap, BTreeSet};

/// A dossier handed in after this local time is received on the next working day.
pub const CUTOFF: NaiveTime = match NaiveTime::from_hms_opt(15, 0, 0) {
    Some(t) => t,
    None => panic!("15:00 is a valid time"),
};

/// What the government announced for one year: the days off (holidays, their compensation,
/// bridges) and the weekend days worked in exchange.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Announced {
    days_off: BTreeSet<NaiveDate>,
    weekend_days_worked: BTreeSet<NaiveDate>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayCalendar {
    announced: BTreeMap<i32, Announced>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AnnouncedFile {
    #[serde(default)]
    year: Vec<AnnouncedYear>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AnnouncedYear {
    year: i32,
    /// Dates ("2025-01-27") or inclusive ranges ("2025-01-27..2025-01-31").
    days_off: Vec<String>,
    #[serde(default)]
    weekend_days_worked: Vec<String>,
}

/// What is wrong with a `holidays.toml`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolidaysError {
    #[error("not a holidays file: {0}")]
    Syntax(String),
    #[error("\"{item}\" is not a date (YYYY-MM-DD) or range")]
    NotADate { item: String },
    #[error("\"{item}\" is not a range within {year}")]
    OutsideTheYear { item: String, year: i32 },
    #[error("{0} is listed as a weekend day worked but is a weekday")]
    WeekdayWorked(NaiveDate),
    #[error("{0} is announced twice")]
    AnnouncedTwice(i32),
}

fn parse_days(items: &[String], year: i32) -> Result<BTreeSet<NaiveDate>, HolidaysError> {
    let mut days = BTreeSet::new();
    for item in items {
        let (from, to) = item.split_once("..").unwrap_or((item, item));
        let parse = |s: &str| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| HolidaysError::NotADate { item: item.clone() })
        };
        let (from, to) = (parse(from)?, parse(to)?);
        if from > to || from.year() != year || to.year() != year {
            return Err(HolidaysError::OutsideTheYear {
                item: item.clone(),
                year,
            });
        }
        let mut d = from;
        while d <= to {
            days.insert(d);
            d += Duration::days(1);
        }
    }
    Ok(days)
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

impl HolidayCalendar {
    /// The rules alone, with no announced year.
    pub fn computed() -> HolidayCalendar {
        HolidayCalendar::default()
    }

    /// The rules, with the announced years of a `holidays.toml`.
    pub fn with_announced(toml_text: &str) -> Result<HolidayCalendar, HolidaysError> {
        let file: AnnouncedFile =
            toml::from_str(toml_text).map_err(|e| HolidaysError::Syntax(e.to_string()))?;
        let mut announced = BTreeMap::new();
        for y in file.year {
            let days_off = parse_days(&y.days_off, y.year)?;
            let weekend_days_worked = parse_days(&y.weekend_days_worked, y.year)?;
            if let Some(d) = weekend_days_worked.iter().find(|d| !is_weekend(**d)) {
                return Err(HolidaysError::WeekdayWorked(*d));
            }
            if announced
                .insert(
                    y.year,
                    Announced {
                        days_off,
                        weekend_days_worked,
                    },
                )
                .is_some()
            {
                return Err(HolidaysError::AnnouncedTwice(y.year));
            }
        }
        Ok(HolidayCalendar { announced })
    }

    /// The public holidays of `year` by the rules, before compensation.
    pub fn rule_holidays(year: i32) -> BTreeSet<NaiveDate> {
        let mut days = BTreeSet::new();
        let ymd = |m, d| NaiveDate::from_ymd_opt(year, m, d);
        days.extend(
            [ymd(1, 1), ymd(4, 30), ymd(5, 1), ymd(9, 2)]
                .into_iter()
                .flatten(),
        );
        if let Some(tet) = lunar_calendar::lunar_new_year(year) {
            days.extend((-1..=3).map(|i| tet + Duration::days(i)));
        }
        if let Some(hung) = lunar_calendar::to_solar(LunarDate {
            day: 10,
            month: 3,
            year,
            leap: false,
        }) {
            days.insert(hung);
        }
        if let Some(national) = ymd(9, 2) {
            let beside = match national.weekday() {
                Weekday::Tue | Weekday::Sat => national - Duration::days(1),
                _ => national + Duration::days(1),
            };
            days.insert(beside);
        }
        days
    }

    /// The days off of `year` by the rules: the holidays and, for each falling on a weekend,
    /// the next day that is neither a weekend nor a holiday.
    pub fn rule_days_off(year: i32) -> BTreeSet<NaiveDate> {
        let holidays = HolidayCalendar::rule_holidays(year);
        let mut days = holidays.clone();
        for h in holidays.iter().filter(|d| is_weekend(**d)) {
            let mut d = *h + Duration::days(1);
            while is_weekend(d) || days.contains(&d) {
                d += Duration::days(1);
            }
            days.insert(d);
        }
        days
    }

    /// Whether the one-stop desk works on `day`.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.announced.get(&day.year()) {
            Some(a) if a.weekend_days_worked.contains(&day) => true,
            Some(a) => !is_weekend(day) && !a.days_off.contains(&day),
            None => !is_weekend(day) && !HolidayCalendar::rule_days_off(day.year()).contains(&day),
        }
    }

    /// Whether `year`'s days come from the government's announcement rather than the rules.
    pub fn is_announced(&self, year: i32) -> bool {
        self.announced.contains_key(&year)
    }

    /// The first working day on or after `day`.
    pub fn working_day_from(&self, day: NaiveDate) -> NaiveDate {
        let mut d = day;
        // A year has at most ~120 days off; the bound only guards a malformed calendar.
        for _ in 0..400 {
            if self.is_working_day(d) {
                return d;
            }
            d += Duration::days(1);
        }
        d
    }

    /// The day the desk receives a dossier handed in at local time `at`: that day if it is a
    /// working day and before the 15:00 cut-off, else the next working day.
    pub fn receiving_day(&self, at: NaiveDateTime) -> NaiveDate {
        let day = at.date();
        if self.is_working_day(day) && at.time() < CUTOFF {
            day
        } else {
            self.working_day_from(day + Duration::days(1))
        }
    }

    /// The appointment date for a procedure taking `working_days`, counted from the day after
    /// the receiving day (0: the receiving day itself).
    pub fn appointment(&self, at: NaiveDateTime, working_days: u32) -> NaiveDate {
        let mut d = self.receiving_day(at);
        for _ in 0..working_days {
            d = self.working_day_from(d + Duration::days(1));
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn at(y: i32, m: u32, day: u32, h: u32) -> NaiveDateTime {
        d(y, m, day).and_hms_opt(h, 0, 0).unwrap()
    }

    #[test]
    fn the_rules_for_2026() {
        let off = HolidayCalendar::rule_days_off(2026);
        // Tết Bính Ngọ: 17 February; 29 Tết (16th) to mùng 4 (20th).
        for day in 16..=20 {
            assert!(off.contains(&d(2026, 2, day)), "Tết {day}/2");
        }
        assert!(!off.contains(&d(2026, 2, 23)));
        // Hùng Kings' day is Sunday 26 April: Monday 27 April is given instead.
        assert!(off.contains(&d(2026, 4, 26)) && off.contains(&d(2026, 4, 27)));
        // 2 September is a Wednesday: the 3rd beside it.
        assert!(off.contains(&d(2026, 9, 2)) && off.contains(&d(2026, 9, 3)));
        let cal = HolidayCalendar::computed();
        assert!(!cal.is_working_day(d(2026, 1, 1)));
        assert!(cal.is_working_day(d(2026, 1, 2)));
        assert!(!cal.is_working_day(d(2026, 11, 28)), "a Saturday");
    }

    #[test]
    fn compensation_skips_days_already_off() {
        // 2023: 2 September a Saturday → the 1st (Friday) beside it, and Monday the 4th for
        // the Saturday; 30 April a Sunday and 1 May a Monday → Tuesday 2 May.
        let off = HolidayCalendar::rule_days_off(2023);
        for (m, day) in [(9, 1), (9, 2), (9, 4), (4, 30), (5, 1), (5, 2)] {
            assert!(off.contains(&d(2023, m, day)), "{day}/{m}");
        }
        assert!(!off.contains(&d(2023, 9, 5)));
    }

    #[test]
    fn appointments_skip_weekends_tet_and_the_cutoff() {
        let cal = HolidayCalendar::computed();
        // Friday 13 February 2026, morning, 3 working days: Tết closes 16–20 February.
        assert_eq!(cal.appointment(at(2026, 2, 13, 10), 3), d(2026, 2, 25));
        // The same day after 15:00: received Monday 23rd, ready Thursday 26th.
        assert_eq!(cal.receiving_day(at(2026, 2, 13, 16)), d(2026, 2, 23));
        assert_eq!(cal.appointment(at(2026, 2, 13, 16), 3), d(2026, 2, 26));
        // "Within the day" on a Saturday: the next working day.
        assert_eq!(cal.appointment(at(2026, 11, 28, 9), 0), d(2026, 11, 30));
        // Across Hùng Kings (27 April given) and 30 April–1 May 2026.
        assert_eq!(cal.appointment(at(2026, 4, 24, 9), 3), d(2026, 5, 4));
    }

    #[test]
    fn an_announced_year_replaces_the_rules() {
        // 2025 as announced: Tết from Monday 27 January to Friday 31 January; Friday 2 May off
        // in exchange for Saturday 26 April worked.
        let cal = HolidayCalendar::with_announced(
            r#"
            [[year]]
            year = 2025
            days_off = ["2025-01-01", "2025-01-27..2025-01-31", "2025-04-07", "2025-04-30",
                        "2025-05-01", "2025-05-02", "2025-09-01", "2025-09-02"]
            weekend_days_worked = ["2025-04-26"]
            "#,
        )
        .unwrap();
        assert!(cal.is_announced(2025) && !cal.is_announced(2026));
        assert!(!cal.is_working_day(d(2025, 1, 27)), "28 Tết, announced");
        assert!(
            HolidayCalendar::computed().is_working_day(d(2025, 1, 27)),
            "the rules alone would open on 28 Tết"
        );
        assert!(cal.is_working_day(d(2025, 4, 26)), "a Saturday worked");
        assert!(!cal.is_working_day(d(2025, 5, 2)));
        assert!(
            !cal.is_working_day(d(2026, 2, 16)),
            "other years keep the rules"
        );
    }

    #[test]
    fn a_malformed_announcement_is_refused_with_a_reason() {
        for (text, says) in [
            (
                "[[year]]\nyear = 2025\ndays_off = [\"2025-13-01\"]",
                "not a date",
            ),
            (
                "[[year]]\nyear = 2025\ndays_off = [\"2024-12-31\"]",
                "within 2025",
            ),
            (
                "[[year]]\nyear = 2025\ndays_off = []\nweekend_days_worked = [\"2025-04-28\"]",
                "is a weekday",
            ),
            (
                "[[year]]\nyear = 2025\ndays_off = []\n[[year]]\nyear = 2025\ndays_off = []",
                "twice",
            ),
        ] {
            let e = HolidayCalendar::with_announced(text)
                .unwrap_err()
                .to_string();
            assert!(e.contains(says), "{e}");
        }
    }
}
