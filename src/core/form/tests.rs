//! A form filled, checked, navigated and finished, as a resident would.

use super::*;
use crate::core::address::Address;
use crate::core::catalogue::Catalogue;

const PROC: &str = r#"
id = "p"
version = 3
name = { vi = "Thử", en = "Test" }
summary = { vi = "", en = "" }
authority = { vi = "UBND", en = "PC" }
fee = { amount_vnd = 0 }
processing = { working_days = 1 }

[[fields]]
id = "name"
label = { vi = "Họ và tên", en = "Full name" }
kind = "text"

[[fields]]
id = "id"
label = { vi = "Số định danh", en = "Personal ID" }
kind = "personal_id"
role = "applicant_id"

[[fields]]
id = "born"
label = { vi = "Ngày sinh", en = "Date of birth" }
kind = "date"
birth_date_of = "id"

[[fields]]
id = "sex"
label = { vi = "Giới tính", en = "Sex" }
kind = "choice"
options = [ { id = "m", label = { vi = "Nam", en = "Male" } }, { id = "f", label = { vi = "Nữ", en = "Female" } } ]

[[fields]]
id = "home"
label = { vi = "Nơi cư trú", en = "Residence" }
kind = "address"

[[fields]]
id = "email"
label = { vi = "Email", en = "Email" }
kind = "email"
required = false
"#;

const UNITS: &str =
    "01\tThành phố Hà Nội\t00070\tPhường Hoàn Kiếm\n01\tThành phố Hà Nội\t00004\tPhường Ba Đình\n";

fn session() -> FormSession {
    let (cat, problems) = Catalogue::from_sources([("p.toml", PROC)]);
    assert!(problems.is_empty(), "{problems:?}");
    let units = Arc::new(AdminUnits::parse_tsv(UNITS).unwrap());
    FormSession::new(cat.get("p").unwrap().clone(), units)
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

fn type_str(s: &mut FormSession, text: &str) {
    for c in text.chars() {
        s.key(if c == ' ' { Key::Space } else { Key::Char(c) });
    }
}

fn fill_all(s: &mut FormSession) {
    type_str(s, "Nguyeenx Vawn An");
    s.next(today()).unwrap();
    type_str(s, "001093047064");
    s.next(today()).unwrap();
    type_str(s, "05091993");
    s.next(today()).unwrap();
    s.choose("m");
    s.next(today()).unwrap();
    s.choose("01");
    s.choose("00070");
    type_str(s, "12 Hangf Bacj");
    s.next(today()).unwrap();
    s.next(today()).unwrap(); // email skipped
}

#[test]
fn a_whole_form_becomes_a_dossier_keyed_by_the_applicant() {
    let mut s = session();
    fill_all(&mut s);
    assert_eq!(s.position(), Position::Review);
    let rows = s.review_rows(Lang::Vi);
    assert_eq!(rows[0].2, "Nguyễn Văn An");
    assert_eq!(rows[2].2, "05/09/1993");
    assert_eq!(rows[4].2, "12 Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội");
    assert_eq!(rows[5].2, "—");
    let code = DossierCode::from_random(&[1, 2, 3, 4, 5, 6, 7, 8]);
    let d = s.finish(uuid::Uuid::now_v7(), code).unwrap();
    assert_eq!(d.applicant_id.as_str(), "001093047064");
    assert_eq!(d.procedure_version, 3);
    assert_eq!(d.answers["email"], Answer::Skipped);
}

#[test]
fn an_invalid_answer_blocks_continue_shows_why_and_keeps_the_text() {
    let mut s = session();
    type_str(&mut s, "An");
    s.next(today()).unwrap();
    type_str(&mut s, "00109304");
    assert!(!s.can_continue(today()));
    assert!(s.feedback(today()).unwrap().vi.contains("12 chữ số"));
    assert!(s.next(today()).is_err());
    assert_eq!(s.text(), "00109304", "nothing typed is lost");
    assert_eq!(s.position(), Position::Question(1));
}

#[test]
fn an_empty_required_field_disables_continue_without_scolding() {
    let s = session();
    assert!(!s.can_continue(today()));
    assert_eq!(s.feedback(today()), None);
}

#[test]
fn going_back_keeps_every_answer() {
    let mut s = session();
    type_str(&mut s, "Lan");
    s.next(today()).unwrap();
    type_str(&mut s, "0010");
    assert!(s.back());
    assert_eq!(s.text(), "Lan");
    s.next(today()).unwrap();
    assert_eq!(s.text(), "0010");
    s.back();
    assert!(!s.back(), "back from the first question leaves the form");
}

#[test]
fn dates_format_as_they_are_typed_and_digits_only_fields_ignore_letters() {
    let mut s = session();
    s.next(today()).unwrap_err();
    type_str(&mut s, "A");
    s.next(today()).unwrap();
    type_str(&mut s, "00a1093047064999");
    assert_eq!(
        s.text(),
        "001093047064",
        "letters ignored, capped at 12 digits"
    );
    s.next(today()).unwrap();
    type_str(&mut s, "3102");
    assert_eq!(s.text(), "31/02");
    type_str(&mut s, "2020");
    assert!(s.feedback(today()).unwrap().vi.contains("không có ngày 31"));
}

#[test]
fn a_birth_date_must_match_the_year_in_the_personal_id() {
    let mut s = session();
    type_str(&mut s, "An");
    s.next(today()).unwrap();
    type_str(&mut s, "001093047064");
    s.next(today()).unwrap();
    type_str(&mut s, "05091990");
    assert!(!s.can_continue(today()));
    assert!(s.feedback(today()).unwrap().vi.contains("không khớp"));
    s.key(Key::Clear);
    type_str(&mut s, "05091993");
    assert!(s.can_continue(today()));
}

#[test]
fn change_from_review_returns_to_review() {
    let mut s = session();
    fill_all(&mut s);
    s.edit("born");
    assert_eq!(s.position(), Position::Question(2));
    s.key(Key::Clear);
    type_str(&mut s, "01011993");
    assert_eq!(s.next(today()), Ok(Position::Review));
    assert_eq!(s.review_rows(Lang::Vi)[2].2, "01/01/1993");
}

#[test]
fn address_walks_province_commune_detail_and_back() {
    let mut s = session();
    fill_all(&mut s);
    s.edit("home");
    // the draft remembers the earlier picks; go back to the province list
    assert_eq!(s.address_stage(), Some(AddressStage::Detail));
    s.back();
    assert_eq!(s.address_stage(), Some(AddressStage::Commune));
    type_str(&mut s, "ba dinh");
    let options = s.options(Lang::Vi);
    assert_eq!(options.len(), 1);
    assert_eq!(options[0].label, "Phường Ba Đình");
    s.choose("00004");
    assert_eq!(s.address_stage(), Some(AddressStage::Detail));
    assert!(s.can_continue(today()));
}

#[test]
fn an_old_address_with_a_district_is_accepted_as_text() {
    let mut s = session();
    fill_all(&mut s);
    s.edit("home");
    s.back();
    s.back();
    assert_eq!(s.address_stage(), Some(AddressStage::Province));
    s.choose(LEGACY_ADDRESS_OPTION);
    type_str(&mut s, "Soos 5, quaanj Hoanf Kieesm, Haf Nooij");
    assert_eq!(s.text(), "Số 5, quận Hoàn Kiếm, Hà Nội");
    s.next(today()).unwrap();
    assert_eq!(s.review_rows(Lang::Vi)[4].2, "Số 5, quận Hoàn Kiếm, Hà Nội");
}

#[test]
fn a_dossier_cannot_be_finished_before_every_required_answer() {
    let s = session();
    let code = DossierCode::from_random(&[1, 2, 3, 4, 5, 6, 7, 8]);
    assert!(s.finish(uuid::Uuid::now_v7(), code).is_err());
}

fn card_identity(verification: Verification) -> CitizenIdentity {
    let mut c = CitizenIdentity::default();
    c.personal_id = Some(crate::core::personal_id::PersonalId::parse("001093000123").unwrap());
    c.full_name = "Nguyễn Văn An".into();
    c.birth_date = NaiveDate::from_ymd_opt(1993, 1, 15);
    c.sex = Some(crate::core::personal_id::Sex::Male);
    c.place_of_residence = "Số 12 phố Hàng Bông, quận Hoàn Kiếm, Hà Nội".into();
    c.father = "Nguyễn Văn Bình".into();
    c.verification = Some(verification);
    c
}

fn session_with_roles() -> FormSession {
    let with_roles = PROC
        .replace(
            "id = \"name\"\n",
            "id = \"name\"\nrole = \"applicant_name\"\n",
        )
        .replace(
            "birth_date_of = \"id\"",
            "birth_date_of = \"id\"\nrole = \"applicant_birth_date\"",
        )
        .replace("id = \"sex\"\n", "id = \"sex\"\nrole = \"applicant_sex\"\n")
        .replace(
            "id = \"home\"\n",
            "id = \"home\"\nrole = \"applicant_residence\"\n",
        )
        .replace("options = [ { id = \"m\"", "options = [ { id = \"male\"")
        .replace("{ id = \"f\",", "{ id = \"female\",");
    let (cat, problems) = Catalogue::from_sources([("p.toml", with_roles.as_str())]);
    assert!(problems.is_empty(), "{problems:?}");
    let units = Arc::new(AdminUnits::parse_tsv(UNITS).unwrap());
    FormSession::new(cat.get("p").unwrap().clone(), units)
}

#[test]
fn the_card_answers_its_questions_and_they_are_not_asked_again() {
    let mut s = session_with_roles();
    s.prefill(&card_identity(Verification::ChipVerified));
    // name, id, born, sex and home came from the card: the first question asked is email.
    assert_eq!(s.current_field().unwrap().id, "email");
    assert_eq!(s.progress(), (1, 2));
    assert!(s.is_from_card("home") && !s.is_from_card("email"));
    // "Change" cannot reopen a card answer; "back" from the only question leaves the form.
    s.edit("name");
    assert_eq!(s.current_field().unwrap().id, "email");
    s.set_text("an@example.vn");
    assert_eq!(s.next(today()), Ok(Position::Review));
    assert!(s.back());
    assert_eq!(s.current_field().unwrap().id, "email");
    assert!(!s.back());
    s.next(today()).unwrap();
    let d = s
        .finish(uuid::Uuid::now_v7(), DossierCode::from_random(&[1; 8]))
        .unwrap();
    assert_eq!(d.applicant_id.as_str(), "001093000123");
    assert_eq!(d.answers["name"], Answer::Text("Nguyễn Văn An".into()));
    assert_eq!(
        d.answers["sex"],
        Answer::Choice {
            id: "male".into(),
            label: Text::new("Nam", "Male")
        }
    );
    assert!(
        matches!(&d.answers["home"], Answer::Address(Address::Legacy { text }) if text.contains("Hàng Bông"))
    );
    let evidence = d.identity.unwrap();
    assert_eq!(evidence.verification, Verification::ChipVerified);
    assert_eq!(evidence.from_card, ["name", "id", "born", "sex", "home"]);
    // The card's other data (father) is not in the dossier: the procedure does not ask it.
    assert!(
        !d.answers
            .values()
            .any(|a| a.display(Lang::Vi).contains("Bình"))
    );
}

#[test]
fn without_roles_or_values_nothing_is_prefilled() {
    let mut s = session();
    s.prefill(&card_identity(Verification::QrOnly));
    // Only the applicant ID has a role in this procedure.
    assert_eq!(s.current_field().unwrap().id, "name");
    assert!(s.is_from_card("id"));
    assert_eq!(s.progress(), (1, 6));
    let mut s = session_with_roles();
    s.prefill(&CitizenIdentity::default());
    assert_eq!(s.current_field().unwrap().id, "name");
    assert_eq!(s.progress(), (1, 7));
}
