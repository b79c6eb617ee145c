//! The calendar a date question offers: one month as a grid of weeks, Monday first as
//! Vietnamese calendars print it ("T2 … CN"), the days a resident may pick (from 1900, not
//! after today unless the question allows it), and moving between months within those bounds.
//! Pure: today comes from the caller.

use crate::core::field::FieldKind;
use crate::core::text::Lang;
use chrono::{Datelike, Months, NaiveDate};

/// The earliest date any question accepts (as the date check does).
pub fn earliest() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default()
}

/// How far ahead a question that allows future dates may be picked on the calendar.
const FUTURE_YEARS: u32 = 5;

/// The first and last day a date question lets the resident pick.
pub fn bounds(kind: &FieldKind, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let latest = match kind {
        FieldKind::Date {
            allow_future: true, ..
        } => today
            .checked_add_months(Months::new(12 * FUTURE_YEARS))
            .unwrap_or(today),
        _ => today,
    };
    (earliest(), latest)
}

/// The first day of `date`'s month.
pub fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The month `delta` months from `month` (a first day), kept within `bounds`' months.
pub fn shift(month: NaiveDate, delta: i32, bounds: (NaiveDate, NaiveDate)) -> NaiveDate {
    let moved = if delta >= 0 {
        month.checked_add_months(Months::new(delta.unsigned_abs()))
    } else {
        month.checked_sub_months(Months::new(delta.unsigned_abs()))
    }
    .unwrap_or(month);
    moved.clamp(first_of_month(bounds.0), first_of_month(bounds.1))
}

/// The month's days in weeks of seven, Monday first; `None` pads before the 1st and after the
/// last day so every week is whole.
pub fn cells(month: NaiveDate) -> Vec<Option<NaiveDate>> {
    let first = first_of_month(month);
    let lead = first.weekday().num_days_from_monday() as usize;
    let days: Vec<NaiveDate> = first
        .iter_days()
        .take_while(|d| d.month() == first.month())
        .collect();
    let mut cells: Vec<Option<NaiveDate>> = vec![None; lead];
    cells.extend(days.into_iter().map(Some));
    while !cells.len().is_multiple_of(7) {
        cells.push(None);
    }
    cells
}

/// "Tháng 12 năm 2026" / "December 2026".
pub fn title(month: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Vi => format!("Tháng {} năm {}", month.month(), month.year()),
        Lang::En => format!("{} {}", month.format("%B"), month.year()),
    }
}

/// The weekday headings, Monday first.
pub fn weekdays(lang: Lang) -> [&'static str; 7] {
    match lang {
        Lang::Vi => ["T2", "T3", "T4", "T5", "T6", "T7", "CN"],
        Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    }
}

/// A day said in full, for the accessibility label and the voice: "Thứ Hai, 7 tháng 12 năm
/// 2026" / "Monday 7 December 2026".
pub fn spoken(date: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Vi => {
            let day = match date.weekday().num_days_from_monday() {
                0 => "Thứ Hai",
                1 => "Thứ Ba",
                2 => "Thứ Tư",
                3 => "Thứ Năm",
                4 => "Thứ Sáu",
                5 => "Thứ Bảy",
                _ => "Chủ nhật",
            };
            format!(
                "{day}, {} tháng {} năm {}",
                date.day(),
                date.month(),
                date.year()
            )
        }
        Lang::En => date.format("%A %-d %B %Y").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_month_is_whole_weeks_monday_first() {
        // 1 December 2026 is a Tuesday: one blank before it; 31 days end on a Thursday.
        let grid = cells(day(2026, 12, 17));
        assert_eq!(grid.len(), 35);
        assert_eq!(grid[0], None);
        assert_eq!(grid[1], Some(day(2026, 12, 1)));
        assert_eq!(grid[31], Some(day(2026, 12, 31)));
        assert!(grid[32..].iter().all(Option::is_none));
        // February 2027 starts on a Monday and fills four weeks exactly.
        let feb = cells(day(2027, 2, 1));
        assert_eq!(feb.len(), 28);
        assert_eq!(feb[0], Some(day(2027, 2, 1)));
        // A leap February.
        assert_eq!(cells(day(2028, 2, 1)).iter().flatten().count(), 29);
        assert_eq!(title(day(2026, 12, 1), Lang::Vi), "Tháng 12 năm 2026");
        assert_eq!(title(day(2026, 12, 1), Lang::En), "December 2026");
        assert_eq!(
            spoken(day(2026, 12, 6), Lang::Vi),
            "Chủ nhật, 6 tháng 12 năm 2026"
        );
        assert_eq!(spoken(day(2026, 12, 7), Lang::En), "Monday 7 December 2026");
    }

    #[test]
    fn moving_between_months_stays_within_what_the_question_allows() {
        let today = day(2026, 12, 6);
        let past_only = FieldKind::Date {
            allow_future: false,
            birth_date_of: None,
            quick_days: Vec::new(),
        };
        let b = bounds(&past_only, today);
        assert_eq!(b, (day(1900, 1, 1), today));
        let december = day(2026, 12, 1);
        assert_eq!(shift(december, 1, b), december, "not past today's month");
        assert_eq!(shift(december, -1, b), day(2026, 11, 1));
        assert_eq!(shift(december, -12, b), day(2025, 12, 1));
        assert_eq!(shift(day(1900, 3, 1), -12, b), day(1900, 1, 1));
        // 31 January minus a month is not a day that does not exist: months are first days.
        assert_eq!(shift(day(2026, 3, 1), -1, b), day(2026, 2, 1));
        let future = FieldKind::Date {
            allow_future: true,
            birth_date_of: None,
            quick_days: Vec::new(),
        };
        let b = bounds(&future, today);
        assert_eq!(b.1, day(2031, 12, 6));
        assert_eq!(shift(december, 1, b), day(2027, 1, 1));
    }
}
