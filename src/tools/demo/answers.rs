//! How the scripted resident answers any procedure's questions, by field kind: a valid answer
//! for each (a short personal ID shown refused first), one-tap picks shot before they go on,
//! the kiosk's own commune or the province list for addresses, some dates picked on the
//! calendar, and the sample texts it types.

use super::walk::Walk;
use crate::core::field::FieldKind;
use crate::core::form::{AddressStage, Position};
use crate::slint_generated::FormAdapter;
use slint::ComponentHandle;

impl Walk {
    /// Answers every question on screen until the review page: a valid answer by kind (a
    /// short personal ID shown refused first), one-tap picks shot before they go on.
    pub(super) fn answer_questions(&mut self, id: &str, first: bool, with_card: bool) {
        let app = self.app.clone_strong();
        let form = app.global::<FormAdapter>();
        let mut shown_invalid = false;
        for _ in 0..60 {
            let (position, field) = self.controller(|c| {
                let f = c.form();
                (
                    f.map(|f| f.position()),
                    f.and_then(|f| f.current_field().cloned()),
                )
            });
            let (Some(Position::Question(index)), Some(field)) = (position, field) else {
                break;
            };
            let name = format!("{id}-q{:02}-{}", index + 1, field.id);
            // These dates are picked on the calendar (a day goes on by itself).
            let by_calendar = matches!(field.kind, FieldKind::Date { .. })
                && matches!(field.id.as_str(), "child_birth_date" | "death_date");
            // A pick that answers the question goes on by itself: its screen is shot first.
            let one_tap = by_calendar
                || match &field.kind {
                    FieldKind::Choice { .. } | FieldKind::YesNo => true,
                    FieldKind::Number { quick, .. } => !quick.is_empty(),
                    FieldKind::Date { quick_days, .. } => !quick_days.is_empty(),
                    // A good photo goes on by itself.
                    FieldKind::Attachment => true,
                    _ => false,
                };
            if one_tap {
                self.shot(&name);
            }
            match &field.kind {
                _ if by_calendar => self.pick_on_calendar(&name),
                FieldKind::PersonalId if !shown_invalid => {
                    self.keys("0010930");
                    let blocked = !form.get_can_continue() && !form.get_error_text().is_empty();
                    self.check(
                        "a short personal ID shows a message and disables continue",
                        blocked,
                    );
                    self.shot(&format!("{name}-invalid"));
                    self.clear();
                    self.keys("001093047064");
                    shown_invalid = true;
                }
                FieldKind::PersonalId => self.keys("001093047064"),
                FieldKind::Text { .. } => self.keys(sample_text(&field.id)),
                FieldKind::Number { quick, .. } if !quick.is_empty() => {
                    form.invoke_pick(format!("quick:{}", quick[quick.len() / 2]).into());
                }
                FieldKind::Number { min, .. } => self.keys(&min.max(&1).to_string()),
                FieldKind::Date { quick_days, .. } if !quick_days.is_empty() => {
                    form.invoke_pick(format!("quick:{}", quick_days[0]).into());
                }
                FieldKind::Date {
                    allow_future: true, ..
                } => self.keys("15122026"),
                FieldKind::Date { .. } => self.keys(sample_date(&field.id)),
                FieldKind::Phone => self.keys("0912345678"),
                FieldKind::Email => self.keys("an.nguyen@gmail.com"),
                FieldKind::Choice { options } => form.invoke_pick(options[0].id.as_str().into()),
                FieldKind::YesNo => form.invoke_pick("yes".into()),
                FieldKind::Address => self.answer_address(id, &name, first, with_card),
                FieldKind::Attachment => {
                    form.invoke_take_photo();
                    self.settle(&format!("{id}: photo of {} taken", field.id), |c| {
                        !c.photos().camera_busy()
                    });
                }
            }
            if one_tap {
                let moved = self.left_question(index);
                self.check(
                    &format!("{id}: one tap answers question {} and goes on", field.id),
                    moved,
                );
                if !moved {
                    break;
                }
                continue;
            }
            self.shot(&name);
            let ok = form.get_can_continue();
            self.check(
                &format!("{id}: question {} accepts the answer", field.id),
                ok,
            );
            form.invoke_next();
            let moved = self.left_question(index);
            self.check(
                &format!("{id}: continue leaves question {}", field.id),
                moved,
            );
            if !moved {
                break;
            }
        }
    }

    /// Whether the form has moved past question `index` (answered, or ended).
    fn left_question(&self, index: usize) -> bool {
        self.controller(|c| c.form().map(|f| f.position())) != Some(Position::Question(index))
    }

    /// An address: the kiosk's own commune when offered (with the card: the quick path), else
    /// the province list and the commune search; then the street typed.
    fn answer_address(&mut self, id: &str, name: &str, first: bool, quick: bool) {
        let app = self.app.clone_strong();
        let form = app.global::<FormAdapter>();
        let stage = self.controller(|c| c.form().and_then(|f| f.address_stage()));
        if stage == Some(AddressStage::Here) {
            if first {
                self.shot(&format!("{name}-here"));
            }
            if quick {
                form.invoke_pick(crate::core::form::HERE_OPTION.into());
                let stage = self.controller(|c| c.form().and_then(|f| f.address_stage()));
                self.check(
                    &format!("{id}: the kiosk's own commune leads to the street step"),
                    stage == Some(AddressStage::Detail),
                );
                self.keys("12 Hangf Bacj");
                return;
            }
            form.invoke_pick(crate::core::form::ELSEWHERE_OPTION.into());
        }
        if first || !quick {
            self.shot(&format!("{name}-province"));
        }
        form.invoke_pick("01".into());
        form.set_search_open(true);
        self.keys("hoan kiem");
        if first || !quick {
            self.shot(&format!("{name}-commune"));
        }
        let commune = slint::Model::row_data(&form.get_options(), 0).map(|r| r.id.to_string());
        self.check(
            &format!("{id}: commune search finds Hoàn Kiếm"),
            commune.is_some(),
        );
        form.invoke_pick(commune.unwrap_or_default().into());
        let stage = self.controller(|c| c.form().and_then(|f| f.address_stage()));
        self.check(
            &format!("{id}: address reaches the street step"),
            stage == Some(AddressStage::Detail),
        );
        self.keys("12 Hangf Bacj");
    }
}

pub(super) fn sample_text(field_id: &str) -> &'static str {
    if field_id.contains("reason") || field_id.contains("purpose") || field_id.contains("cause") {
        "Ddi laf m vieecj taij Haf Nooij"
    } else if field_id.contains("place") {
        "Beenhj vieenj Phuj sanr Haf Nooij"
    } else if field_id.contains("mother") {
        "Traanf Thij Mai"
    } else if field_id.contains("father") {
        "Nguyeenx Vawn Binhf"
    } else if field_id.contains("child") {
        "Nguyeenx Minh Khoa"
    } else if field_id.contains("deceased") {
        "Leee Vawn Tuwf"
    } else {
        "Nguyeenx Vawn An"
    }
}

impl Walk {
    /// Opens the date question's calendar, goes a month back and picks the 20th, as a
    /// resident would; the question goes on by itself.
    fn pick_on_calendar(&mut self, name: &str) {
        let app = self.app.clone_strong();
        let form = app.global::<FormAdapter>();
        self.check(
            &format!("{name}: the date question offers its calendar"),
            form.get_has_calendar(),
        );
        form.set_calendar_open(true);
        form.invoke_calendar_toggled();
        form.invoke_calendar_shift(-1);
        self.shot(&format!("{name}-calendar"));
        let cells = form.get_calendar_cells();
        let day = (0..slint::Model::row_count(&cells))
            .filter_map(|i| slint::Model::row_data(&cells, i))
            .find(|c| c.label == "20" && c.enabled);
        self.check(
            &format!("{name}: the 20th of last month can be picked"),
            day.is_some(),
        );
        if let Some(day) = day {
            form.invoke_pick(day.id);
        }
    }
}

pub(super) fn sample_date(field_id: &str) -> &'static str {
    if field_id.contains("child") || field_id.contains("death") || field_id.contains("from") {
        "20112026"
    } else {
        "05091993"
    }
}
