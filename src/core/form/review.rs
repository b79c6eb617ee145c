//! What the review page lists: every question on the resident's path with its answer (a
//! personal ID masked), grouped under the headings the catalogue gives (`section`).

use crate::core::answer::Answer;
use crate::core::form::FormSession;
use crate::core::text::{Lang, Text};

impl FormSession {
    /// (field id, question, answer) for every question on the resident's path, for the
    /// review page.
    pub fn review_rows(&self, lang: Lang) -> Vec<(String, String, String)> {
        self.procedure
            .fields
            .iter()
            .zip(&self.answers)
            .enumerate()
            .filter(|(i, _)| self.on_path(*i) == Some(true))
            .map(|(_, (f, a))| {
                // A personal ID is shown masked, as everywhere else on screen.
                let value = match a {
                    Some(Answer::PersonalId(id)) => id.masked(),
                    Some(a) => a.display(lang),
                    None => "—".into(),
                };
                (f.id.clone(), f.label.get(lang).to_string(), value)
            })
            .collect()
    }

    /// The heading above each row of `review_rows` (one per row, in order): the row's
    /// section when it starts a new one, else `None`. A question belongs to the section of
    /// the nearest question before it that names one, asked or not (a branch not taken does
    /// not move its questions to another heading).
    pub fn review_headings(&self, lang: Lang) -> Vec<Option<String>> {
        let mut current: Option<&Text> = None;
        let mut shown: Option<&Text> = None;
        let mut headings = Vec::new();
        for (i, f) in self.procedure.fields.iter().enumerate() {
            if f.section.is_some() {
                current = f.section.as_ref();
            }
            if self.on_path(i) != Some(true) {
                continue;
            }
            if current.is_some() && current != shown {
                headings.push(current.map(|t| t.get(lang).to_string()));
                shown = current;
            } else {
                headings.push(None);
            }
        }
        headings
    }
}

#[cfg(test)]
mod tests {
    use crate::core::form::FormSession;
    use crate::core::text::Lang;
    use std::sync::Arc;

    #[test]
    fn rows_are_grouped_under_their_sections_even_past_a_branch_not_taken() {
        let catalogue = crate::core::test_procedure::catalogue_with(
            r#"
[[fields]]
id = "name"
label = { vi = "Họ tên?", en = "Name?" }
kind = "text"
section = { vi = "Người đăng ký", en = "Applicant" }

[[fields]]
id = "rent"
label = { vi = "Thuê nhà?", en = "Renting?" }
kind = "yes_no"
section = { vi = "Chỗ ở", en = "Home" }

[[fields]]
id = "lease"
label = { vi = "Chụp ảnh hợp đồng", en = "Photograph the lease" }
kind = "text"
when = { field = "rent", is = ["yes"] }
section = { vi = "Giấy tờ", en = "Papers" }

[[fields]]
id = "phone"
label = { vi = "Số điện thoại?", en = "Phone?" }
kind = "text"
"#,
        );
        let units = Arc::new(crate::core::address::AdminUnits::default());
        let form = FormSession::new(catalogue.get("p").unwrap().clone(), units);
        // Rows: id (no section yet), name, rent, and phone; the lease is not on the path
        // until "rent" is answered yes, and the phone stays under its section ("Giấy tờ").
        let rows = form.review_rows(Lang::Vi);
        let headings = form.review_headings(Lang::Vi);
        assert_eq!(rows.len(), headings.len());
        let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(ids, ["id", "name", "rent", "phone"]);
        assert_eq!(
            headings,
            [
                None,
                Some("Người đăng ký".to_string()),
                Some("Chỗ ở".to_string()),
                Some("Giấy tờ".to_string())
            ]
        );
        assert_eq!(
            form.review_headings(Lang::En)[1].as_deref(),
            Some("Applicant")
        );
    }
}
