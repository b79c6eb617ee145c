//! A resident filling in one procedure, one question per screen: what is typed or chosen for
//! each question (kept when going back and forth, so nothing typed is lost), which question is
//! on screen, the review page, and the dossier the finished form becomes.
//! Pure state: the UI calls these methods and renders what they report; no IO, no clock
//! (today's date is passed in).

use crate::core::address::AdminUnits;
use crate::core::answer::{Answer, AttachmentRef};
use crate::core::citizen::{CitizenIdentity, IdentityEvidence, Verification};
use crate::core::dossier::DossierDraft;
use crate::core::dossier_code::DossierCode;
use crate::core::field::{Field, FieldKind, FieldRole, InputMode};
use crate::core::procedure::Procedure;
use crate::core::telex;
use crate::core::text::{Lang, Text};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::sync::Arc;

mod answer_check;
mod branching;
mod draft;
mod pick_list;
mod review;
#[cfg(test)]
mod tests;

pub use branching::question_counts;
pub(crate) use draft::format_date_digits;
pub use draft::{AddressDraft, AddressStage, Draft, Key, question_label};
use draft::{empty_draft, text_target};
pub use pick_list::{
    CALENDAR_DAY, ELSEWHERE_OPTION, HERE_OPTION, LEGACY_ADDRESS_OPTION, PickOption,
};

/// Where the resident is in the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Question(usize),
    /// The answer to this question means the resident cannot go on yet (its `stop`).
    Stopped(usize),
    Review,
}

pub struct FormSession {
    procedure: Arc<Procedure>,
    units: Arc<AdminUnits>,
    drafts: Vec<Draft>,
    answers: Vec<Option<Answer>>,
    position: Position,
    /// Set when a question was opened from the review page: "continue" goes back there.
    returning_to_review: bool,
    /// Questions answered from the ID card: not asked, not editable.
    from_card: Vec<bool>,
    verification: Option<Verification>,
    /// What the chip gave, sealed with the dossier so the portal can re-check the claim.
    chip_evidence: Option<crate::core::chip_evidence::ChipEvidence>,
    /// The commune the kiosk stands in: offered first for every address.
    home_commune: Option<String>,
    /// A supplement's form: the dossier the office sent back that it completes.
    supplements: Option<crate::core::supplement_form::Original>,
}

impl FormSession {
    pub fn new(procedure: Arc<Procedure>, units: Arc<AdminUnits>) -> FormSession {
        let drafts = procedure
            .fields
            .iter()
            .map(|f| empty_draft(&f.kind, false))
            .collect();
        let answers = vec![None; procedure.fields.len()];
        let procedure_len = procedure.fields.len();
        FormSession {
            procedure,
            units,
            drafts,
            answers,
            position: Position::Question(0),
            returning_to_review: false,
            from_card: vec![false; procedure_len],
            verification: None,
            chip_evidence: None,
            home_commune: None,
            supplements: None,
        }
    }

    /// This form completes a dossier the office sent back (its procedure is the supplement's
    /// short form, `Procedure::supplement_form`).
    pub fn supplementing(
        mut self,
        original: crate::core::supplement_form::Original,
    ) -> FormSession {
        self.supplements = Some(original);
        self
    }

    /// Offers the kiosk's own commune (a code of the units list) first for every address.
    /// An unknown code is ignored: the resident picks the province as before.
    pub fn with_home_commune(mut self, code: Option<&str>) -> FormSession {
        let known = code.filter(|c| self.units.commune_by_code(c).is_some());
        self.home_commune = known.map(str::to_string);
        if known.is_some() {
            for (draft, field) in self.drafts.iter_mut().zip(&self.procedure.fields) {
                *draft = empty_draft(&field.kind, true);
            }
        }
        self
    }

    /// Answers every question the ID card answers (by the fields' roles) and moves past them.
    /// Only the fields this procedure has take card data; the rest of the card stays out.
    pub fn prefill(&mut self, identity: &CitizenIdentity) {
        for (i, field) in self.procedure.fields.iter().enumerate() {
            let Some(role) = field.role else { continue };
            if let Some(answer) = identity.answer_for(role, &field.kind) {
                self.answers[i] = Some(answer);
                self.from_card[i] = true;
            }
        }
        self.verification = identity.verification;
        self.chip_evidence = identity.chip_evidence.clone();
        if let Position::Question(i) = self.position
            && self.from_card.get(i).copied().unwrap_or(false)
        {
            self.position = self
                .asked_from(i)
                .map(Position::Question)
                .unwrap_or(Position::Review);
        }
    }

    /// The first question at or after `i` that is asked (on the resident's path, not answered
    /// from the card).
    fn asked_from(&self, i: usize) -> Option<usize> {
        (i..self.procedure.fields.len()).find(|j| self.asked(*j))
    }

    /// The last asked question before `i`.
    fn asked_before(&self, i: usize) -> Option<usize> {
        (0..i).rev().find(|j| self.asked(*j))
    }

    /// The first question asked and not answered yet (a branch opened from the review page).
    fn first_unanswered(&self) -> Option<usize> {
        (0..self.procedure.fields.len()).find(|j| self.asked(*j) && self.answers[*j].is_none())
    }

    pub fn is_from_card(&self, field_id: &str) -> bool {
        self.procedure
            .field_index(field_id)
            .is_some_and(|i| self.from_card[i])
    }

    pub fn verification(&self) -> Option<Verification> {
        self.verification
    }

    pub fn procedure(&self) -> &Arc<Procedure> {
        &self.procedure
    }

    pub fn position(&self) -> Position {
        self.position
    }

    pub fn current_field(&self) -> Option<&Field> {
        match self.position {
            Position::Question(i) => self.procedure.fields.get(i),
            Position::Stopped(_) | Position::Review => None,
        }
    }

    /// Why the resident cannot go on, while the form is stopped.
    pub fn stop_message(&self) -> Option<Text> {
        let Position::Stopped(i) = self.position else {
            return None;
        };
        self.answers[i].as_ref().and_then(|a| self.stop_for(i, a))
    }

    /// (1-based step, number of steps) over the questions this resident is asked (a branch not
    /// chosen yet counted at its longest); the review page is the last step.
    pub fn progress(&self) -> (usize, usize) {
        let total = self.planned_questions() + 1;
        match self.position {
            Position::Question(i) | Position::Stopped(i) => {
                ((0..i).filter(|j| self.asked(*j)).count() + 1, total)
            }
            Position::Review => (total, total),
        }
    }

    pub fn draft(&self) -> Option<&Draft> {
        match self.position {
            Position::Question(i) => self.drafts.get(i),
            Position::Stopped(_) | Position::Review => None,
        }
    }

    pub fn address_stage(&self) -> Option<AddressStage> {
        match self.draft() {
            Some(Draft::Address(a)) => Some(a.stage),
            _ => None,
        }
    }

    /// The keyboard the current screen needs.
    pub fn input_mode(&self) -> InputMode {
        match (self.current_field(), self.draft()) {
            (Some(_), Some(Draft::Address(a))) if a.stage == AddressStage::Here => InputMode::None,
            (Some(_), Some(Draft::Address(_))) => InputMode::Vietnamese,
            (Some(f), _) => f.kind.input_mode(),
            _ => InputMode::None,
        }
    }

    /// The text shown in the current input box.
    pub fn text(&self) -> &str {
        match self.draft() {
            Some(Draft::Typed(s)) => s,
            Some(Draft::Address(a)) => match a.stage {
                AddressStage::Here => "",
                AddressStage::Province | AddressStage::Commune => &a.filter,
                AddressStage::Detail => &a.detail,
                AddressStage::Legacy => &a.legacy_text,
            },
            _ => "",
        }
    }

    /// Applies one key press to the current input.
    pub fn key(&mut self, key: Key) {
        let Position::Question(i) = self.position else {
            return;
        };
        let kind = self.procedure.fields[i].kind.clone();
        let mode = self.input_mode();
        let limit = match &self.drafts[i] {
            Draft::Address(_) => 200,
            _ => kind.max_typed_len(),
        };
        let is_date =
            matches!(kind, FieldKind::Date { .. }) && !matches!(self.drafts[i], Draft::Address(_));
        let Some(target) = text_target(&mut self.drafts[i]) else {
            return;
        };
        let next = match key {
            Key::Clear => String::new(),
            Key::Backspace => telex::backspace(target),
            Key::Space => match mode {
                InputMode::Vietnamese | InputMode::Latin => format!("{target} "),
                _ => target.clone(),
            },
            Key::Char(c) => match mode {
                InputMode::Vietnamese => telex::apply_key(target, c),
                InputMode::Latin if !c.is_whitespace() => format!("{target}{c}"),
                InputMode::Digits if c.is_ascii_digit() => format!("{target}{c}"),
                InputMode::Phone if c.is_ascii_digit() || (c == '+' && target.is_empty()) => {
                    format!("{target}{c}")
                }
                _ => target.clone(),
            },
        };
        let next = if is_date {
            format_date_digits(&next)
        } else {
            next
        };
        if next.chars().count() <= limit {
            *target = next;
        }
    }

    /// Replaces the current typed input (a physical keyboard's IME, or a prefill).
    pub fn set_text(&mut self, text: &str) {
        let Position::Question(i) = self.position else {
            return;
        };
        let limit = self.procedure.fields[i].kind.max_typed_len().max(200);
        if let Some(target) = text_target(&mut self.drafts[i]) {
            *target = text.chars().take(limit).collect();
        }
    }

    /// Keeps a photographed paper for the current attachment question.
    pub fn attach(&mut self, attachment: AttachmentRef) {
        if let Some(Draft::Attachment(slot)) = self.draft_mut() {
            *slot = Some(attachment);
        }
    }

    fn draft_mut(&mut self) -> Option<&mut Draft> {
        match self.position {
            Position::Question(i) => self.drafts.get_mut(i),
            Position::Stopped(_) | Position::Review => None,
        }
    }

    /// "Continue": stores the checked answer and moves to the next question (or, after a
    /// "change" from the review page, the first question a new branch opened), the review
    /// page, or the stop the answer leads to.
    pub fn next(&mut self, today: NaiveDate) -> Result<Position, Text> {
        let Position::Question(i) = self.position else {
            return Ok(self.position);
        };
        let answer = self.check(today)?;
        let stops = self.stop_for(i, &answer).is_some();
        self.answers[i] = Some(answer);
        if stops {
            self.position = Position::Stopped(i);
            return Ok(self.position);
        }
        let following = if self.returning_to_review {
            self.first_unanswered()
        } else {
            self.asked_from(i + 1)
        };
        self.position = match following {
            Some(j) => Position::Question(j),
            None => {
                self.returning_to_review = false;
                Position::Review
            }
        };
        Ok(self.position)
    }

    /// "Back": the previous address step, the previous question, or (from the first question)
    /// `false`, meaning the caller leaves the form.
    pub fn back(&mut self) -> bool {
        match self.position {
            Position::Stopped(i) => {
                self.position = Position::Question(i);
                true
            }
            Position::Review => match self.asked_before(self.procedure.fields.len()) {
                Some(j) => {
                    self.position = Position::Question(j);
                    true
                }
                None => false,
            },
            Position::Question(i) => {
                if let Draft::Address(a) = &mut self.drafts[i] {
                    let here = self.home_commune.is_some();
                    let previous = match a.stage {
                        AddressStage::Detail if here && a.commune_code == self.home_commune => {
                            Some(AddressStage::Here)
                        }
                        AddressStage::Detail => Some(AddressStage::Commune),
                        AddressStage::Commune | AddressStage::Legacy => {
                            Some(AddressStage::Province)
                        }
                        AddressStage::Province if here => Some(AddressStage::Here),
                        AddressStage::Province | AddressStage::Here => None,
                    };
                    if let Some(stage) = previous {
                        a.stage = stage;
                        a.filter.clear();
                        return true;
                    }
                }
                if self.returning_to_review {
                    self.returning_to_review = false;
                    self.position = Position::Review;
                    return true;
                }
                match self.asked_before(i) {
                    Some(j) => {
                        self.position = Position::Question(j);
                        true
                    }
                    None => false,
                }
            }
        }
    }

    /// "Change" on the review page: opens that question; "continue" returns to the review.
    pub fn edit(&mut self, field_id: &str) {
        if let Some(i) = self
            .procedure
            .field_index(field_id)
            .filter(|i| !self.from_card[*i])
        {
            self.position = Position::Question(i);
            self.returning_to_review = true;
        }
    }

    /// The dossier this form becomes, once every required question has an answer.
    pub fn finish(&self, id: uuid::Uuid, code: DossierCode) -> Result<DossierDraft, Text> {
        let mut answers = BTreeMap::new();
        for (i, (f, a)) in self.procedure.fields.iter().zip(&self.answers).enumerate() {
            // An answer left on a branch the resident later turned away from is not sent.
            if self.on_path(i) != Some(true) {
                continue;
            }
            if let Some(message) = a.as_ref().and_then(|a| self.stop_for(i, a)) {
                return Err(message);
            }
            match a {
                Some(a) => {
                    answers.insert(f.id.clone(), a.clone());
                }
                None if f.required => {
                    return Err(Text::new(
                        format!("Còn thiếu câu trả lời: {}", f.label.vi),
                        format!("An answer is missing: {}", f.label.get(Lang::En)),
                    ));
                }
                None => {}
            }
        }
        let applicant_index = self
            .procedure
            .field_with_role(FieldRole::ApplicantId)
            .ok_or_else(|| {
                Text::new(
                    "Thủ tục thiếu số định danh người nộp.",
                    "The procedure lacks an applicant ID.",
                )
            })?;
        let applicant_id = match &self.answers[applicant_index] {
            Some(Answer::PersonalId(id)) => id.clone(),
            _ => {
                return Err(Text::new(
                    "Cần số định danh cá nhân của người nộp hồ sơ.",
                    "The applicant's personal ID is required.",
                ));
            }
        };
        let office_commune = match &self.supplements {
            // A supplement goes to the office that has the original.
            Some(original) => original.office_commune.clone(),
            None => crate::core::office::deciding_commune(
                &self.procedure,
                &answers,
                self.home_commune.as_deref(),
            ),
        };
        Ok(DossierDraft {
            id,
            code,
            procedure_id: self.procedure.id.clone(),
            procedure_version: self.procedure.version,
            applicant_id,
            answers,
            identity: self.verification.map(|verification| IdentityEvidence {
                verification,
                from_card: self
                    .procedure
                    .fields
                    .iter()
                    .zip(&self.from_card)
                    .filter(|(_, c)| **c)
                    .map(|(f, _)| f.id.clone())
                    .collect(),
                chip: self.chip_evidence.clone(),
            }),
            assisted_by: None,
            supplements: self.supplements.as_ref().map(|o| o.id),
            declaration: None,
            office_commune,
        })
    }

    /// The attachment questions on the resident's path answered with a photo.
    pub fn photographed(&self) -> Vec<&str> {
        self.procedure
            .fields
            .iter()
            .zip(&self.answers)
            .enumerate()
            .filter(|(i, (_, a))| {
                matches!(a, Some(Answer::Attachment(_))) && self.on_path(*i) == Some(true)
            })
            .map(|(_, (f, _))| f.id.as_str())
            .collect()
    }

    /// The papers the resident must still bring to the desk (not photographed here, not
    /// replaced by the answers, or originals to show).
    pub fn papers_to_bring(&self) -> Vec<crate::core::procedure::Paper> {
        let photographed = self.photographed();
        self.procedure
            .papers
            .iter()
            .filter(|p| p.still_to_bring(&photographed))
            .cloned()
            .collect()
    }

    /// The photo answering question `field_id`, if it is one.
    pub fn attachment_of(&self, field_id: &str) -> Option<&AttachmentRef> {
        let i = self
            .procedure
            .fields
            .iter()
            .position(|f| f.id == field_id)?;
        match &self.answers[i] {
            Some(Answer::Attachment(r)) => Some(r),
            _ => None,
        }
    }

    /// The attachments the answers refer to (their bytes are held by the caller).
    pub fn attachments(&self) -> Vec<&AttachmentRef> {
        self.answers
            .iter()
            .filter_map(|a| match a {
                Some(Answer::Attachment(r)) => Some(r),
                _ => None,
            })
            .collect()
    }
}

/// A session's answers do not outlive it: when the form is dropped (finish, timeout, home),
/// the text the resident typed and the answers made from it are overwritten in memory first.
/// Best effort: copies the allocator made while typing are freed without being overwritten.
impl Drop for FormSession {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for draft in &mut self.drafts {
            match draft {
                Draft::Typed(s) => s.zeroize(),
                Draft::Address(a) => {
                    a.detail.zeroize();
                    a.legacy_text.zeroize();
                    a.filter.zeroize();
                }
                _ => {}
            }
        }
        for answer in self.answers.iter_mut().flatten() {
            answer.wipe();
        }
    }
}
