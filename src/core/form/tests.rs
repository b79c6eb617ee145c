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
    s.choose("m", today());
    s.next(today()).unwrap();
    s.choose("01", today());
    s.choose("00070", today());
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
    s.choose("00004", today());
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
    s.choose(LEGACY_ADDRESS_OPTION, today());
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
    let mut card = card_identity(Verification::ChipVerified);
    let chip = crate::core::chip_evidence::ChipEvidence::from_files(
        b"sod",
        &[(1, b"dg1".to_vec()), (13, b"dg13".to_vec())]
            .into_iter()
            .collect(),
    );
    card.chip_evidence = Some(chip.clone());
    s.prefill(&card);
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
    // Sealed with the dossier: what the portal re-checks, and every card answer is one the
    // card's identity gives (the portal's check on those answers).
    assert_eq!(evidence.chip, Some(chip));
    for field in &evidence.from_card {
        assert!(card.gives(&d.answers[field]), "{field}");
    }
    assert!(!card.gives(&Answer::Text("Nguyễn Văn Giả".into())));
    assert!(!card.gives(&Answer::Text(String::new())));
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

const BRANCHING: &str = r#"
[[fields]]
id = "stay"
label = { vi = "Ở đâu?", en = "Where?" }
kind = "address"

[[fields]]
id = "months"
label = { vi = "Bao lâu?", en = "How long?" }
kind = "number"
min = 1
max = 24
quick = [6, 12]
unit = { vi = "tháng", en = "months" }

[[fields]]
id = "housing"
label = { vi = "Nhà của ai?", en = "Whose home?" }
kind = "choice"
options = [{ id = "rent", label = { vi = "Nhà thuê" } }, { id = "own", label = { vi = "Nhà của tôi" } }]

[[fields]]
id = "consent"
label = { vi = "Chủ nhà đồng ý chưa?", en = "Has the owner agreed?" }
kind = "yes_no"
when = { field = "housing", is = ["rent"] }
stop = { is = ["no"], message = { vi = "Cần chủ nhà đồng ý trước.", en = "The owner must agree first." } }

[[fields]]
id = "lease"
label = { vi = "Chụp hợp đồng", en = "Photograph the lease" }
kind = "attachment"
when = { field = "housing", is = ["rent"] }

[[fields]]
id = "since"
label = { vi = "Từ ngày nào?", en = "Since when?" }
kind = "date"
quick_days = [0, -1]
"#;

fn branching() -> FormSession {
    let catalogue = crate::core::test_procedure::catalogue_with(BRANCHING);
    let units = AdminUnits::parse_tsv("01\tThành phố Hà Nội\t00070\tPhường Hoàn Kiếm\n").unwrap();
    let mut s = FormSession::new(catalogue.get("p").unwrap().clone(), Arc::new(units))
        .with_home_commune(Some("00070"));
    type_str(&mut s, "001093047064");
    assert_eq!(s.next(today()), Ok(Position::Question(1)));
    s
}

fn photo() -> AttachmentRef {
    AttachmentRef {
        sha256: "ab".repeat(32),
        mime: "image/jpeg".into(),
        bytes: 1000,
    }
}

#[test]
fn the_kiosks_own_commune_is_offered_first_and_answers_in_one_tap() {
    let mut s = branching();
    assert_eq!(s.address_stage(), Some(AddressStage::Here));
    assert_eq!(s.input_mode(), InputMode::None, "nothing to type yet");
    let rows = s.options(Lang::Vi);
    assert_eq!(rows[0].label, "Tại Phường Hoàn Kiếm, Thành phố Hà Nội");
    assert!(
        !s.choose(HERE_OPTION, today()),
        "the street is still to come"
    );
    assert_eq!(s.address_stage(), Some(AddressStage::Detail));
    assert!(s.back(), "back from the street");
    assert_eq!(s.address_stage(), Some(AddressStage::Here));
    assert!(!s.choose(ELSEWHERE_OPTION, today()));
    assert_eq!(s.address_stage(), Some(AddressStage::Province));
    assert!(s.back());
    assert_eq!(s.address_stage(), Some(AddressStage::Here));
    // An unknown commune code: the province list, as without one.
    let catalogue = crate::core::test_procedure::catalogue_with(BRANCHING);
    let units = AdminUnits::parse_tsv("01\tThành phố Hà Nội\t00070\tPhường Hoàn Kiếm\n").unwrap();
    let other = FormSession::new(catalogue.get("p").unwrap().clone(), Arc::new(units))
        .with_home_commune(Some("99999"));
    assert_eq!(other.options(Lang::Vi).len(), 0, "the personal ID is first");
}

/// Answers the address (here, with a street) and moves on to the duration.
fn past_the_address(s: &mut FormSession) {
    s.choose(HERE_OPTION, today());
    type_str(s, "12 Hàng Bạc");
    assert_eq!(s.next(today()), Ok(Position::Question(2)));
}

#[test]
fn quick_answers_fill_the_field_and_say_the_question_is_answered() {
    let mut s = branching();
    past_the_address(&mut s);
    let labels: Vec<String> = s.options(Lang::Vi).into_iter().map(|o| o.label).collect();
    assert_eq!(labels, ["6 tháng", "12 tháng"]);
    assert!(
        !s.choose("quick:7", today()),
        "not one of the quick answers"
    );
    assert!(s.choose("quick:12", today()));
    assert_eq!(s.text(), "12");
    assert_eq!(s.check(today()), Ok(Answer::Number(12)));
    assert_eq!(s.next(today()), Ok(Position::Question(3)));
    assert!(s.choose("own", today()));
    assert_eq!(
        s.next(today()),
        Ok(Position::Question(6)),
        "the rent branch is skipped"
    );
    assert_eq!(
        s.options(Lang::Vi)
            .iter()
            .map(|o| o.label.as_str())
            .collect::<Vec<_>>(),
        ["Hôm nay", "Hôm qua"]
    );
    assert!(s.choose("quick:-1", today()));
    assert_eq!(s.text(), "23/11/2026", "yesterday, from {}", today());
    assert_eq!(s.typed_date(), NaiveDate::from_ymd_opt(2026, 11, 23));
    // A day from the calendar answers too, but never one the question does not allow.
    assert!(s.choose("day:2026-10-02", today()));
    assert_eq!(s.text(), "02/10/2026");
    for refused in [
        "day:2026-11-25",
        "day:1899-12-31",
        "day:2026-02-30",
        "day:soon",
    ] {
        assert!(!s.choose(refused, today()), "{refused}");
        assert_eq!(s.text(), "02/10/2026", "{refused} changed nothing");
    }
}

#[test]
fn a_branch_is_asked_only_after_the_answer_that_opens_it_and_counted_at_its_longest() {
    let mut s = branching();
    // Personal ID answered; address, months, housing, consent, lease, since: 6 + review.
    assert_eq!(s.progress(), (2, 8), "the address is the second question");
    past_the_address(&mut s);
    s.choose("quick:6", today());
    s.next(today()).unwrap();
    s.choose("own", today());
    s.next(today()).unwrap();
    assert_eq!(s.progress(), (5, 6), "own home: no consent, no lease");
    assert_eq!(s.review_rows(Lang::Vi).len(), 5);
    // From the review, the resident changes to renting: the branch it opens is asked next.
    s.choose("quick:0", today());
    assert_eq!(s.next(today()), Ok(Position::Review));
    s.edit("housing");
    s.choose("rent", today());
    assert_eq!(
        s.next(today()),
        Ok(Position::Question(4)),
        "the consent, then the lease"
    );
    s.choose("yes", today());
    assert_eq!(s.next(today()), Ok(Position::Question(5)));
    s.attach(photo());
    assert_eq!(s.next(today()), Ok(Position::Review));
    assert_eq!(s.photographed(), ["lease"]);
    let draft = s
        .finish(uuid::Uuid::nil(), DossierCode::from_random(&[1; 8]))
        .unwrap();
    assert!(draft.answers.contains_key("consent") && draft.answers.contains_key("lease"));
    // Back to owning: the rent answers stay in memory but are not sent.
    s.edit("housing");
    s.choose("own", today());
    assert_eq!(s.next(today()), Ok(Position::Review));
    let draft = s
        .finish(uuid::Uuid::nil(), DossierCode::from_random(&[1; 8]))
        .unwrap();
    assert!(!draft.answers.contains_key("consent") && !draft.answers.contains_key("lease"));
    assert!(s.photographed().is_empty());
}

#[test]
fn a_stop_answer_says_what_to_do_and_back_lets_the_resident_change_it() {
    let mut s = branching();
    past_the_address(&mut s);
    s.choose("quick:6", today());
    s.next(today()).unwrap();
    s.choose("rent", today());
    s.next(today()).unwrap();
    assert!(s.choose("no", today()));
    assert_eq!(s.next(today()), Ok(Position::Stopped(4)));
    assert_eq!(s.stop_message().unwrap().vi, "Cần chủ nhà đồng ý trước.");
    assert!(
        s.current_field().is_none(),
        "nothing to answer while stopped"
    );
    assert!(
        s.finish(uuid::Uuid::nil(), DossierCode::from_random(&[1; 8]))
            .is_err(),
        "a stopped form never becomes a dossier"
    );
    assert!(s.back());
    assert_eq!(s.position(), Position::Question(4));
    assert!(s.stop_message().is_none());
    s.choose("yes", today());
    assert_eq!(s.next(today()), Ok(Position::Question(5)));
}

#[test]
fn the_information_page_counts_the_longest_path_with_and_without_the_card() {
    let catalogue = crate::core::test_procedure::catalogue_with(BRANCHING);
    // ID, address, months, housing, consent, lease, since; the card answers the ID.
    assert_eq!(question_counts(catalogue.get("p").unwrap()), (7, 6));
}
