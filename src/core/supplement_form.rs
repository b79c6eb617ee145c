//! The short form of a supplement ("Bổ sung tại máy"): from the procedure of a dossier the
//! office sent back and the office's request, the questions to ask now — who the applicant
//! is (their personal ID, which the kiosk cannot read back from the sealed dossier), then the
//! questions the officer named, in the procedure's order, each asked whatever the branches
//! answered before; or, when the officer named none, a photo of the missing paper and a note.
//! No fee, no papers to bring: the original dossier carries those.

use crate::core::field::{Field, FieldKind, FieldRole};
use crate::core::fix_request::FixRequest;
use crate::core::procedure::{Fee, Procedure};
use crate::core::text::Text;

/// The id of the photo asked when the officer named no question.
pub const SUPPLEMENT_PHOTO: &str = "supplement_photo";
/// The id of the note asked with it.
pub const SUPPLEMENT_NOTE: &str = "supplement_note";

/// The sent-back dossier a supplement completes: its id, and the commune whose office decides
/// it (the supplement goes to the same office).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Original {
    pub id: uuid::Uuid,
    pub office_commune: Option<String>,
}

pub fn supplement_form(original: &Procedure, request: &FixRequest) -> Procedure {
    // Each question keeps the heading it had in the original, though the question that named
    // it may not be asked again.
    let mut section = None;
    let sectioned: Vec<Field> = original
        .fields
        .iter()
        .map(|f| {
            if f.section.is_some() {
                section = f.section.clone();
            }
            Field {
                section: section.clone(),
                ..f.clone()
            }
        })
        .collect();
    let applicant = original
        .field_with_role(FieldRole::ApplicantId)
        .map(|i| sectioned[i].clone());
    let mut fields: Vec<Field> = applicant.clone().into_iter().collect();
    for field in &sectioned {
        let named = request.fields.iter().any(|f| f == &field.id);
        if named && Some(&field.id) != applicant.as_ref().map(|a| &a.id) {
            fields.push(field.clone());
        }
    }
    if fields.len() == applicant.iter().count() {
        fields.push(Field {
            section: Some(Text::new("Phần bổ sung", "What is added")),
            ..field(
                SUPPLEMENT_PHOTO,
                Text::new(
                    "Chụp ảnh giấy tờ cần bổ sung",
                    "Photograph the paper to add",
                ),
                FieldKind::Attachment,
                true,
            )
        });
        fields.push(field(
            SUPPLEMENT_NOTE,
            Text::new(
                "Cần ghi thêm điều gì cho cán bộ (nếu có)?",
                "Anything to tell the officer (if any)?",
            ),
            FieldKind::Text { max_len: 500 },
            false,
        ));
    }
    let kept: Vec<String> = fields.iter().map(|f| f.id.clone()).collect();
    for f in &mut fields {
        // Asked as the officer named it: no branch, no stop, not skipped.
        f.when = None;
        f.stop = None;
        f.required = f.required || request.fields.contains(&f.id);
        if let FieldKind::Date { birth_date_of, .. } = &mut f.kind
            && birth_date_of.as_ref().is_some_and(|of| !kept.contains(of))
        {
            birth_date_of.take();
        }
    }
    Procedure {
        name: Text::new(
            format!("Bổ sung hồ sơ {}", original.name.vi),
            format!("Supplement: {}", original.name.en),
        ),
        fee: Fee {
            amount_vnd: 0,
            note: None,
        },
        papers: Vec::new(),
        fields,
        ..original.clone()
    }
}

fn field(id: &str, label: Text, kind: FieldKind, required: bool) -> Field {
    Field {
        id: id.into(),
        label,
        help: None,
        required,
        role: None,
        when: None,
        stop: None,
        section: None,
        kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::catalogue::Catalogue;

    fn tam_tru() -> Procedure {
        let text = include_str!("../../assets/procedures/dang-ky-tam-tru.toml");
        let (catalogue, problems) = Catalogue::from_sources([("tam-tru", text)]);
        assert!(problems.is_empty(), "{problems:?}");
        catalogue.get("dang-ky-tam-tru").unwrap().as_ref().clone()
    }

    fn request(fields: &[&str]) -> FixRequest {
        FixRequest {
            what: "Thiếu hợp đồng thuê nhà".into(),
            fields: fields.iter().map(|s| s.to_string()).collect(),
            due: None,
        }
    }

    #[test]
    fn the_named_questions_follow_the_applicants_id_without_their_branches() {
        let original = tam_tru();
        let form = supplement_form(&original, &request(&["phone", "rent_paper", "nope"]));
        let ids: Vec<&str> = form.fields.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            ids,
            ["applicant_id", "rent_paper", "phone"],
            "procedure order"
        );
        let rent = &form.fields[1];
        assert!(
            rent.when.is_none() && rent.required,
            "asked whatever the housing answer was"
        );
        assert_eq!(form.fee.amount_vnd, 0);
        assert!(form.papers.is_empty());
        assert_eq!(form.id, original.id);
        assert_eq!(form.version, original.version);
        assert!(form.name.vi.starts_with("Bổ sung hồ sơ Đăng ký tạm trú"));
    }

    #[test]
    fn with_no_question_named_it_asks_for_a_photo_and_a_note() {
        let form = supplement_form(&tam_tru(), &request(&[]));
        let ids: Vec<&str> = form.fields.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["applicant_id", SUPPLEMENT_PHOTO, SUPPLEMENT_NOTE]);
        assert!(form.fields[1].required && !form.fields[2].required);
    }
}
