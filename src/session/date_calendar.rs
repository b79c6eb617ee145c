//! The calendar of a date question: which month it shows (the typed date's, else today's,
//! then wherever the resident moved it) and the grid the page draws, each day marked as
//! pickable or not, today, and the day already chosen. A day picked goes through the form like
//! a quick answer (`day:YYYY-MM-DD`, checked again there). The month shown belongs to one
//! question and is forgotten with the form.

use crate::core::calendar_month;
use crate::core::field::FieldKind;
use crate::core::form::CALENDAR_DAY;
use crate::core::form::FormSession;
use crate::core::text::Lang;
use chrono::{Datelike, NaiveDate};

/// One day of the grid, at its square.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCell {
    /// The square: week × 7 + weekday (Monday 0).
    pub slot: usize,
    /// "7".
    pub label: String,
    /// What picking it sends to the form ("day:2026-12-07").
    pub id: String,
    /// The day said in full ("Thứ Hai, 7 tháng 12 năm 2026"), for accessibility and tests.
    pub spoken: String,
    pub enabled: bool,
    pub today: bool,
    pub chosen: bool,
}

/// What the page draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarView {
    /// "Tháng 12 năm 2026".
    pub title: String,
    pub weekdays: [&'static str; 7],
    /// The month's days (no padding squares).
    pub cells: Vec<DayCell>,
    /// How many weeks (rows) the month spans.
    pub weeks: usize,
    pub can_go_back: bool,
    pub can_go_forward: bool,
}

#[derive(Debug, Default)]
pub struct DateCalendar {
    /// The question (field id) and the first day of the month it shows, once moved.
    moved: Option<(String, NaiveDate)>,
}

impl DateCalendar {
    /// The month shown for the form's current question, when that is a date question.
    fn month(
        &self,
        form: &FormSession,
        today: NaiveDate,
    ) -> Option<(NaiveDate, (NaiveDate, NaiveDate))> {
        let field = form.current_field()?;
        if !matches!(field.kind, FieldKind::Date { .. }) {
            return None;
        }
        let bounds = calendar_month::bounds(&field.kind, today);
        let month = match &self.moved {
            Some((id, month)) if *id == field.id => *month,
            _ => calendar_month::first_of_month(form.typed_date().unwrap_or(today)),
        };
        Some((calendar_month::shift(month, 0, bounds), bounds))
    }

    /// Moves the calendar `delta` months (−12: a year back), within what the question allows.
    pub fn shift(&mut self, form: &FormSession, delta: i32, today: NaiveDate) {
        let (Some((month, bounds)), Some(field)) = (self.month(form, today), form.current_field())
        else {
            return;
        };
        self.moved = Some((
            field.id.clone(),
            calendar_month::shift(month, delta, bounds),
        ));
    }

    /// The grid for the current question (`None` unless it asks a date).
    pub fn view(&self, form: &FormSession, today: NaiveDate, lang: Lang) -> Option<CalendarView> {
        let (month, (first, last)) = self.month(form, today)?;
        let chosen = form.typed_date();
        let grid = calendar_month::cells(month);
        let weeks = grid.len() / 7;
        let cells = grid
            .into_iter()
            .enumerate()
            .filter_map(|(slot, day)| {
                let d = day?;
                Some(DayCell {
                    slot,
                    label: d.day().to_string(),
                    id: format!("{CALENDAR_DAY}{}", d.format("%Y-%m-%d")),
                    spoken: calendar_month::spoken(d, lang),
                    enabled: (first..=last).contains(&d),
                    today: d == today,
                    chosen: Some(d) == chosen,
                })
            })
            .collect();
        Some(CalendarView {
            weeks,
            title: calendar_month::title(month, lang),
            weekdays: calendar_month::weekdays(lang),
            cells,
            can_go_back: month > calendar_month::first_of_month(first),
            can_go_forward: month < calendar_month::first_of_month(last),
        })
    }

    /// The session ended: no month is remembered.
    pub fn forget(&mut self) {
        self.moved = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATES: &str = r#"
[[fields]]
id = "since"
label = { vi = "Từ ngày nào?", en = "Since when?" }
kind = "date"
"#;

    fn at_the_date_question() -> FormSession {
        let catalogue = crate::core::test_procedure::catalogue_with(DATES);
        let mut form = FormSession::new(
            catalogue.get("p").unwrap().clone(),
            std::sync::Arc::new(crate::core::address::AdminUnits::default()),
        );
        for c in "001093047064".chars() {
            form.key(crate::core::form::Key::Char(c));
        }
        form.next(today()).unwrap();
        form
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
    }

    #[test]
    fn the_calendar_opens_on_today_moves_within_bounds_and_marks_the_chosen_day() {
        let mut form = at_the_date_question();
        let mut calendar = DateCalendar::default();
        let view = calendar.view(&form, today(), Lang::Vi).unwrap();
        assert_eq!(view.title, "Tháng 12 năm 2026");
        assert!(
            view.can_go_back && !view.can_go_forward,
            "no future for this question"
        );
        // December 2026 starts on a Tuesday: the 1st is the second square of five weeks.
        assert_eq!(
            (view.weeks, view.cells.len(), view.cells[0].slot),
            (5, 31, 1)
        );
        let day = |v: &CalendarView, label: &str| {
            v.cells.iter().find(|c| c.label == label).cloned().unwrap()
        };
        assert!(day(&view, "6").today && day(&view, "6").enabled);
        assert!(!day(&view, "7").enabled, "tomorrow cannot be picked");
        calendar.shift(&form, -1, today());
        let november = calendar.view(&form, today(), Lang::Vi).unwrap();
        assert_eq!(november.title, "Tháng 11 năm 2026");
        let picked = day(&november, "20");
        assert_eq!(picked.spoken, "Thứ Sáu, 20 tháng 11 năm 2026");
        assert!(form.choose(&picked.id, today()));
        assert!(day(&calendar.view(&form, today(), Lang::Vi).unwrap(), "20").chosen);
        calendar.shift(&form, 12, today());
        assert_eq!(
            calendar.view(&form, today(), Lang::Vi).unwrap().title,
            "Tháng 12 năm 2026",
            "a year forward stops at this month"
        );
        calendar.forget();
        // Forgotten, it opens on the chosen date's month.
        assert_eq!(
            calendar.view(&form, today(), Lang::En).unwrap().title,
            "November 2026"
        );
    }
}
