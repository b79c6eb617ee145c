//! What a procedure asks: one `Field` per question, and the `FieldKind` that says how it is
//! answered and checked. Plain data read from the catalogue; no validation logic lives here
//! (see `validation`), no UI (the UI picks a keyboard from `FieldKind::input_mode`).

use crate::core::text::Text;
use serde::{Deserialize, Serialize};

/// One question of a procedure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Stable key of the answer in the dossier; unique within a procedure.
    pub id: String,
    /// The question, as shown on screen.
    pub label: Text,
    /// A short hint under the question (what to look at, an example).
    #[serde(default)]
    pub help: Option<Text>,
    /// Whether the resident may skip it.
    #[serde(default = "yes")]
    pub required: bool,
    /// What this answer means to the kiosk beyond the form (the applicant's ID is the dossier's key).
    #[serde(default)]
    pub role: Option<FieldRole>,
    /// Asked only when an earlier answer is one of these (the branch this question is on).
    #[serde(default)]
    pub when: Option<Condition>,
    /// Answers after which the resident cannot go on, and what to do first.
    #[serde(default)]
    pub stop: Option<Stop>,
    /// Starts a group of questions under this heading on the review page ("Người đăng ký",
    /// "Nơi tạm trú"…); the following questions belong to it until the next `section`.
    #[serde(default)]
    pub section: Option<Text>,
    #[serde(flatten)]
    pub kind: FieldKind,
}

/// "Ask this only if `field` was answered with one of `is`" (option ids; `yes`/`no`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    pub is: Vec<String>,
}

/// A dead end said plainly: answered with one of `is` (option ids; `yes`/`no`), the form
/// stops and shows `message` (why, and what to do before coming back).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stop {
    pub is: Vec<String>,
    pub message: Text,
}

impl Field {
    /// The id a pick answer is compared by in conditions and stops, if this is a pick.
    pub fn pick_ids(&self) -> Option<Vec<&str>> {
        match &self.kind {
            FieldKind::Choice { options } => Some(options.iter().map(|o| o.id.as_str()).collect()),
            FieldKind::YesNo => Some(vec!["yes", "no"]),
            _ => None,
        }
    }
}

fn yes() -> bool {
    true
}

/// Answers the kiosk itself relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldRole {
    /// The personal ID of the person submitting: the dossier's mandatory key.
    ApplicantId,
    /// The submitter's full name (shown on the receipt).
    ApplicantName,
    /// The phone number the commune uses to reach the submitter.
    ContactPhone,
    /// The submitter's own details, answered from the ID card when it was read (not asked).
    ApplicantBirthDate,
    ApplicantSex,
    ApplicantNationality,
    ApplicantEthnicity,
    ApplicantReligion,
    ApplicantOrigin,
    ApplicantResidence,
    ApplicantFather,
    ApplicantMother,
    ApplicantSpouse,
}

/// How a question is answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldKind {
    /// Free Vietnamese text, typed with Telex.
    Text {
        #[serde(default = "default_max_len")]
        max_len: usize,
    },
    /// A whole number such as a count of pages or copies.
    Number {
        min: u32,
        max: u32,
        /// Common answers offered as buttons (a duration: 3, 6, 12, 24); one tap answers.
        #[serde(default)]
        quick: Vec<u32>,
        /// What the number counts ("tháng"), shown after it on the buttons and the review.
        #[serde(default)]
        unit: Option<Text>,
    },
    /// A calendar date typed as DD/MM/YYYY.
    Date {
        /// Allow dates after today (an appointment); birth and death dates may not be.
        #[serde(default)]
        allow_future: bool,
        /// The id of a personal-ID field of the same person: a birth date must have the year
        /// that number encodes.
        #[serde(default)]
        birth_date_of: Option<String>,
        /// Dates offered as buttons, in days from today (0 today, -1 yesterday, 1 tomorrow).
        #[serde(default)]
        quick_days: Vec<i32>,
    },
    /// A 12-digit personal identification number.
    PersonalId,
    /// A Vietnamese mobile number.
    Phone,
    Email,
    /// One of a fixed list of options.
    Choice {
        options: Vec<ChoiceOption>,
    },
    YesNo,
    /// A place: province then commune of the current two-level units, then street and
    /// house number; or, for papers that predate July 2025, the old address as text.
    Address,
    /// A photographed paper.
    Attachment,
}

fn default_max_len() -> usize {
    200
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceOption {
    pub id: String,
    pub label: Text,
}

/// Which on-screen keyboard a typed answer needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputMode {
    /// Letters with Telex composition.
    Vietnamese,
    /// Letters without composition (email).
    Latin,
    /// Digits only (IDs, numbers, dates).
    Digits,
    /// Digits and '+' (phone).
    Phone,
    /// Not typed: buttons, pickers or the camera.
    None,
}

impl FieldKind {
    pub fn input_mode(&self) -> InputMode {
        match self {
            FieldKind::Text { .. } => InputMode::Vietnamese,
            FieldKind::Email => InputMode::Latin,
            FieldKind::Number { .. } | FieldKind::Date { .. } | FieldKind::PersonalId => {
                InputMode::Digits
            }
            FieldKind::Phone => InputMode::Phone,
            FieldKind::Choice { .. }
            | FieldKind::YesNo
            | FieldKind::Address
            | FieldKind::Attachment => InputMode::None,
        }
    }

    /// The longest text the field accepts while typing, so a runaway finger cannot fill memory.
    pub fn max_typed_len(&self) -> usize {
        match self {
            FieldKind::Text { max_len } => *max_len,
            FieldKind::Number { .. } => 6,
            FieldKind::Date { .. } => 10,
            FieldKind::PersonalId => 12,
            FieldKind::Phone => 13,
            FieldKind::Email => 254,
            _ => 0,
        }
    }
}
