//! One administrative procedure as the commune publishes it: name, who handles it, papers to
//! bring, fee, processing time and the questions to ask. Plain data from the catalogue.

use crate::core::field::{Field, FieldRole};
use crate::core::text::Text;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Procedure {
    /// Stable identifier, used in dossiers and in the portal's catalogue.
    pub id: String,
    /// Bumped whenever the questions change; stored with each dossier.
    pub version: u32,
    pub name: Text,
    pub summary: Text,
    /// The office that decides (UBND cấp xã, Công an cấp xã…).
    pub authority: Text,
    /// Which office of the kiosk's commune receives the papers and gives the result (its
    /// address and hours come from the published offices, `core::office`).
    #[serde(default)]
    pub office: crate::core::office::OfficeKind,
    /// Whose commune's office decides: `"kiosk"` (the kiosk's own, for a procedure any
    /// commune handles) or the id of the address question that says (where the resident will
    /// stay…); none: no office is named, only the authority.
    #[serde(default)]
    pub office_by: Option<String>,
    /// Laws and decrees the procedure rests on, for the curious and for officers.
    #[serde(default)]
    pub legal_basis: Vec<String>,
    pub fee: Fee,
    pub processing: Processing,
    /// Papers to bring to the one-stop desk (originals to show, copies to hand in).
    #[serde(default)]
    pub papers: Vec<Paper>,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fee {
    /// In đồng; 0 when the procedure is free.
    pub amount_vnd: u64,
    #[serde(default)]
    pub note: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Processing {
    /// Working days from a complete dossier to the result.
    pub working_days: u32,
    #[serde(default)]
    pub note: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paper {
    pub name: Text,
    /// Whether the original must be shown at the desk.
    #[serde(default)]
    pub original: bool,
    #[serde(default)]
    pub copies: u32,
    /// The kiosk's answers are this paper (a declaration form the office prints from them).
    #[serde(default)]
    pub replaced_by_answers: bool,
    /// Attachment questions whose photo is this paper: photographed, it is not brought (unless
    /// the original must be shown).
    #[serde(default)]
    pub photographed_by: Vec<String>,
}

impl Paper {
    /// Whether the resident still has to bring it, given the questions answered with a photo.
    pub fn still_to_bring(&self, photographed: &[&str]) -> bool {
        if self.original {
            return true;
        }
        let photographed = self
            .photographed_by
            .iter()
            .any(|f| photographed.contains(&f.as_str()));
        !(self.replaced_by_answers || photographed)
    }
}

impl Procedure {
    /// Index of the field with `role`, if the procedure has one.
    pub fn field_with_role(&self, role: FieldRole) -> Option<usize> {
        self.fields.iter().position(|f| f.role == Some(role))
    }

    pub fn field_index(&self, id: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.id == id)
    }

    /// Fee as residents read it: "Miễn phí" or "20.000 đ".
    pub fn fee_text(&self) -> Text {
        if self.fee.amount_vnd == 0 {
            Text::new("Miễn phí", "Free")
        } else {
            let n = group_thousands(self.fee.amount_vnd, '.');
            let e = group_thousands(self.fee.amount_vnd, ',');
            Text::new(format!("{n} đ"), format!("{e} VND"))
        }
    }

    pub fn processing_text(&self) -> Text {
        match self.processing.working_days {
            0 | 1 => Text::new("Trong ngày làm việc", "Same working day"),
            n => Text::new(format!("{n} ngày làm việc"), format!("{n} working days")),
        }
    }
}

/// 20000 → "20.000" (Vietnamese) or "20,000" (English).
pub fn group_thousands(n: u64, sep: char) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped_per_language() {
        assert_eq!(group_thousands(0, '.'), "0");
        assert_eq!(group_thousands(999, '.'), "999");
        assert_eq!(group_thousands(20000, '.'), "20.000");
        assert_eq!(group_thousands(1234567, ','), "1,234,567");
    }
}
