//! The controller's journeys through several steps at once (each step has its own tests).

use super::*;
use crate::core::inactivity::InactivityPolicy;
use crate::core::stored_dossier::DossierSummary;
use crate::devices::clock::SimClock;
use crate::session::command::Command;
use std::time::Duration;

const PAPER: &str = r#"
[[fields]]
id = "paper"
label = { vi = "Ảnh giấy tờ", en = "Photo" }
kind = "attachment"
"#;

fn controller() -> (KioskController, Arc<SimClock>) {
    let catalogue = crate::core::test_procedure::catalogue_with(PAPER);
    let units = AdminUnits::parse_tsv("01\tThành phố Hà Nội\t00070\tPhường Hoàn Kiếm\n").unwrap();
    let clock = Arc::new(SimClock::new("2026-11-24T02:00:00Z".parse().unwrap()));
    let policy = InactivityPolicy {
        warn_after: Duration::from_secs(60),
        grace: Duration::from_secs(20),
    };
    let c = KioskController::new(
        clock.clone(),
        Arc::new(catalogue),
        Arc::new(units),
        Lang::Vi,
        policy,
    );
    (c, clock)
}

fn photo(byte: u8) -> Photo {
    Photo::sample(byte)
}

/// Opens the test procedure and answers its first question (the personal ID).
fn answer_id(c: &mut KioskController) {
    c.start_submit();
    c.pick_procedure("p");
    c.begin();
    assert_eq!(c.screen(), Screen::Identity);
    c.skip_identity();
    for k in "001093047064".chars() {
        c.key(&k.to_string());
    }
    c.next();
}

/// To the review page with the declaration ticked, ready to submit.
fn to_review(c: &mut KioskController) {
    answer_id(c);
    assert!(matches!(c.take_photo(), Some(Command::CapturePhoto)));
    assert!(c.take_photo().is_none(), "one capture at a time");
    c.photo_taken(Ok(photo(7)));
    assert_eq!(c.screen(), Screen::Review, "a good photo goes on by itself");
    c.toggle_declaration();
}

#[test]
fn a_failed_store_keeps_every_answer_and_a_retry_asks_again() {
    let (mut c, _) = controller();
    to_review(&mut c);
    let Some(Command::Submit { draft, attachments }) = c.submit(uuid::Uuid::now_v7(), [1; 8])
    else {
        panic!("submit must ask the store")
    };
    assert_eq!(attachments.len(), 1, "the photo goes with the dossier");
    assert_eq!(attachments[0].bytes, vec![7; 3]);
    assert!(
        c.submit(uuid::Uuid::now_v7(), [2; 8]).is_none(),
        "no double submit while saving"
    );
    c.submitted(Err(Text::new("đầy", "full")));
    assert_eq!(c.screen(), Screen::Review);
    assert_eq!(c.submission().error().unwrap().vi, "đầy");
    assert_eq!(c.form().unwrap().review_rows(Lang::Vi)[0].2, "001******064");
    let Some(Command::Submit { draft: again, .. }) = c.submit(draft.id, [1; 8]) else {
        panic!()
    };
    assert_eq!(again.answers, draft.answers);
}

#[test]
fn success_shows_the_code_and_wipes_the_answers() {
    let (mut c, _) = controller();
    to_review(&mut c);
    let Some(Command::Submit { draft, .. }) = c.submit(uuid::Uuid::now_v7(), [3; 8]) else {
        panic!()
    };
    let summary = DossierSummary {
        supplements: None,
        office_commune: None,
        receipt: None,
        id: draft.id,
        code: draft.code.clone(),
        procedure_id: "p".into(),
        state: crate::core::dossier::DossierState::Queued,
        created_at: chrono::Utc::now(),
    };
    c.submitted(Ok(summary));
    assert_eq!(c.screen(), Screen::Done);
    assert_eq!(c.submission().last_submitted().unwrap().0, draft.code);
    assert!(c.form().is_none());
    assert!(c.current_photo().is_none());
    assert_eq!(c.queue_count, 1);
}

#[test]
fn every_screen_has_a_spoken_prompt_in_both_languages() {
    let (mut c, clock) = controller();
    c.set_receipt_context(
        Arc::new(ReceiptContext {
            place: "Phường Hoàn Kiếm".into(),
            commune: String::new(),
            kiosk_id: "K1".into(),
            calendar: crate::core::working_days::HolidayCalendar::computed(),
            beneficiary: None,
            help_phone: String::new(),
        }),
        true,
    );
    let mut heard: Vec<(Screen, Text)> = Vec::new();
    let mut listen = |c: &KioskController| {
        let (t, _) = c.utterance("Phường Hoàn Kiếm");
        assert!(!t.vi.trim().is_empty(), "{:?} has no prompt", c.screen());
        assert_ne!(
            t.vi,
            t.get(Lang::En),
            "{:?}: English prompt missing",
            c.screen()
        );
        heard.push((c.screen(), t));
    };
    listen(&c);
    c.start_submit();
    listen(&c);
    c.pick_procedure("p");
    listen(&c);
    c.begin();
    listen(&c);
    assert!(c.scan_qr().is_some());
    listen(&c);
    c.skip_identity();
    listen(&c);
    answer_id(&mut c);
    listen(&c);
    c.next();
    c.take_photo();
    c.photo_taken(Ok(photo(1)));
    listen(&c);
    c.toggle_declaration();
    let Some(Command::Submit { draft, .. }) = c.submit(uuid::Uuid::now_v7(), [3; 8]) else {
        panic!("submit")
    };
    let print = c.submitted(Ok(DossierSummary {
        supplements: None,
        office_commune: None,
        receipt: None,
        id: draft.id,
        code: draft.code.clone(),
        procedure_id: "p".into(),
        state: crate::core::dossier::DossierState::Queued,
        created_at: clock.now(),
    }));
    assert!(matches!(print, Some(Command::PrintReceipt { .. })));
    listen(&c);
    c.printed(Ok(()));
    listen(&c);
    // The receipt read aloud replaces the prompt: where the dossier is, the expected date.
    c.read_receipt();
    let (readout, _) = c.utterance("");
    assert!(
        readout
            .vi
            .contains("Đã lưu an toàn tại máy. Máy sẽ tự gửi đến UBND khi có mạng")
            && readout.vi.contains("Dự kiến có kết quả: ngày 27/11/2026"),
        "{}",
        readout.vi
    );
    c.finish();
    assert_eq!(c.screen(), Screen::Rating);
    listen(&c);
    c.go_home();
    c.open_lookup();
    listen(&c);
    c.open_help();
    listen(&c);
    // The timeout warning is said once: its words do not tick with the countdown.
    c.start_submit();
    clock.advance(Duration::from_secs(61));
    c.tick();
    let (first, _) = c.utterance("");
    clock.advance(Duration::from_secs(3));
    c.tick();
    assert_eq!(c.utterance("").0, first);
    assert!(first.vi.contains("20 giây"), "{}", first.vi);

    let screens: std::collections::BTreeSet<String> =
        heard.iter().map(|(s, _)| format!("{s:?}")).collect();
    for s in [
        "Home",
        "Procedures",
        "ProcedureInfo",
        "Identity",
        "Question",
        "Review",
        "Done",
        "Rating",
        "Lookup",
        "Help",
    ] {
        assert!(screens.contains(s), "{s} was not visited");
    }
    // "Replay" says the same words again.
    let (_, before) = c.utterance("");
    c.replay();
    assert_ne!(c.utterance("").1, before);
}

#[test]
fn an_idle_home_screen_sleeps_and_a_person_or_a_touch_wakes_and_greets() {
    use crate::devices::gpio::events::CabinetEvent;
    let (mut c, clock) = controller();
    c.set_sleep_after(Some(Duration::from_secs(300)));
    clock.advance(Duration::from_secs(299));
    c.tick();
    assert!(!c.idle().asleep());
    clock.advance(Duration::from_secs(1));
    c.tick();
    assert!(c.idle().asleep());
    let (_, before) = c.utterance("");
    c.cabinet_event(CabinetEvent::PersonArrived);
    assert!(!c.idle().asleep());
    assert_ne!(c.utterance("").1, before, "the welcome is spoken again");
    clock.advance(Duration::from_secs(300));
    c.tick();
    assert!(c.idle().asleep());
    c.wake();
    assert!(!c.idle().asleep());
    // Never in the middle of a session.
    c.start_submit();
    c.pick_procedure("p");
    c.begin();
    clock.advance(Duration::from_secs(1000));
    c.tick();
    assert!(!c.idle().asleep());
}

#[test]
fn a_camera_failure_is_said_and_the_camera_can_be_tried_again() {
    let (mut c, _) = controller();
    answer_id(&mut c);
    c.take_photo();
    c.photo_taken(Err(Text::new("Không chụp được", "No photo")));
    assert!(!c.photos().camera_busy());
    assert!(c.photos().error().is_some());
    assert!(c.take_photo().is_some());
}

#[test]
fn walking_away_warns_then_clears_and_resets_the_language() {
    let (mut c, clock) = controller();
    c.set_language("en");
    c.start_submit();
    c.pick_procedure("p");
    c.begin();
    assert_eq!(c.screen(), Screen::Identity);
    c.skip_identity();
    c.key("0");
    clock.advance(Duration::from_secs(59));
    c.tick();
    assert_eq!(c.idle().warning_seconds(), None);
    clock.advance(Duration::from_secs(2));
    c.tick();
    assert_eq!(c.idle().warning_seconds(), Some(19));
    clock.advance(Duration::from_secs(19));
    c.tick();
    assert_eq!(c.screen(), Screen::Home);
    assert!(c.form().is_none());
    assert_eq!(c.lang(), Lang::Vi);
}

#[test]
fn an_idle_home_screen_never_warns() {
    let (mut c, clock) = controller();
    clock.advance(Duration::from_secs(3600));
    c.tick();
    assert_eq!(c.idle().warning_seconds(), None);
}

#[test]
fn a_malformed_lookup_code_is_refused_before_any_lookup() {
    let (mut c, _) = controller();
    c.open_lookup();
    for k in "abc".chars() {
        c.key(&k.to_string());
    }
    assert!(c.lookup().is_none());
    assert!(c.lookup_step().error().unwrap().vi.contains("9 ký tự"));
    assert_eq!(c.lookup_step().text(), "ABC", "codes are typed in capitals");
}

#[test]
fn back_from_the_first_question_returns_to_the_procedure_page() {
    let (mut c, _) = controller();
    c.start_submit();
    c.pick_procedure("p");
    c.begin();
    assert_eq!(c.screen(), Screen::Identity);
    c.skip_identity();
    c.back();
    assert_eq!(c.screen(), Screen::ProcedureInfo);
    assert!(c.form().is_none());
}

#[test]
fn a_supplement_asks_only_what_the_office_named_and_names_the_dossier_it_completes() {
    use crate::core::dossier::DossierState;
    use crate::core::stored_dossier::StatusEvent;
    use crate::session::lookup_step::LookupFound;
    let (mut c, _) = controller();
    let original = uuid::Uuid::now_v7();
    c.open_lookup();
    for k in "ABCD".chars() {
        c.key(&k.to_string());
    }
    c.looked_up(Ok(Some(LookupFound {
        summary: DossierSummary {
            supplements: None,
            office_commune: None,
            receipt: None,
            id: original,
            code: crate::core::dossier_code::DossierCode::from_random(&[4; 8]),
            procedure_id: "p".into(),
            state: DossierState::NeedsFix,
            created_at: "2026-11-24T02:00:00Z".parse().unwrap(),
        },
        history: vec![StatusEvent {
            at: "2026-11-25T02:00:00Z".parse().unwrap(),
            state: DossierState::NeedsFix,
            note: None,
            request: Some(crate::core::fix_request::FixRequest {
                what: "Ảnh mờ".into(),
                fields: vec!["paper".into()],
                due: None,
            }),
        }],
        statuses_fetched_at: None,
        supplement: None,
    })));
    c.supplement();
    assert_eq!(c.screen(), Screen::Identity, "who the resident is, first");
    c.skip_identity();
    // The ID and the named photo, nothing else, reach the review.
    answer_paper_and_review(&mut c);
    let Some(Command::Submit { draft, attachments }) = c.submit(uuid::Uuid::now_v7(), [5; 8])
    else {
        panic!("submit")
    };
    assert_eq!(draft.supplements, Some(original));
    assert_eq!(draft.procedure_id, "p");
    assert_eq!(attachments.len(), 1);
    // Home again: the next resident's procedure is not a supplement.
    c.go_home();
    c.start_submit();
    c.pick_procedure("p");
    c.begin();
    c.skip_identity();
    assert!(
        c.form()
            .is_some_and(|f| !f.procedure().name.vi.starts_with("Bổ sung")),
        "the catalogue's own procedure"
    );
    answer_paper_and_review(&mut c);
    let Some(Command::Submit { draft, .. }) = c.submit(uuid::Uuid::now_v7(), [6; 8]) else {
        panic!("submit")
    };
    assert_eq!(draft.supplements, None);
}

fn answer_paper_and_review(c: &mut KioskController) {
    for k in "001093047064".chars() {
        c.key(&k.to_string());
    }
    c.next();
    assert!(matches!(c.take_photo(), Some(Command::CapturePhoto)));
    c.photo_taken(Ok(photo(3)));
    assert_eq!(c.screen(), Screen::Review);
    c.toggle_declaration();
}

#[test]
fn nothing_is_submitted_without_the_declaration_and_the_dossier_records_it() {
    let (mut c, clock) = controller();
    answer_id(&mut c);
    c.take_photo();
    c.photo_taken(Ok(photo(1)));
    assert_eq!(c.screen(), Screen::Review);
    assert!(c.submit(uuid::Uuid::now_v7(), [1; 8]).is_none());
    assert!(c.submission().error().unwrap().vi.contains("cam đoan"));
    c.toggle_declaration();
    assert!(
        c.submission().error().is_none(),
        "ticking clears the message"
    );
    let Some(Command::Submit { draft, .. }) = c.submit(uuid::Uuid::now_v7(), [1; 8]) else {
        panic!("submit once declared")
    };
    let declaration = draft
        .declaration
        .expect("the consent goes with the dossier");
    assert!(declaration.words.starts_with("Tôi cam đoan"));
    assert_eq!(declaration.at, clock.now());
    // The review masks the personal ID.
    assert_eq!(c.form().unwrap().review_rows(Lang::Vi)[0].2, "001******064");
    // The next resident starts undeclared.
    c.go_home();
    assert!(!c.submission().declared());
}

#[test]
fn an_installed_update_waits_for_an_idle_home_screen_before_restarting() {
    use crate::session::admin_panel::AdminAction;
    let restart = |c: &mut KioskController| {
        matches!(
            c.tick(),
            Some(Command::Admin(AdminAction::RestartForUpdate))
        )
    };
    let (mut c, clock) = controller();
    // A resident is answering questions: no restart, however long the wait.
    answer_id(&mut c);
    c.update_installed("0.17.0".into());
    for _ in 0..5 {
        clock.advance(Duration::from_secs(20));
        assert!(!restart(&mut c), "never during a session");
    }
    // The session ended (the inactivity warning ran out); someone touches the home screen:
    // the quiet minute counts from the last touch.
    assert_eq!(c.screen(), Screen::Home);
    c.stay();
    clock.advance(UPDATE_RESTART_QUIET - Duration::from_secs(1));
    assert!(!restart(&mut c), "home, but touched less than a minute ago");
    clock.advance(Duration::from_secs(1));
    assert!(
        restart(&mut c),
        "an untouched home screen for a minute: restart"
    );
    clock.advance(UPDATE_RESTART_QUIET * 2);
    assert!(!restart(&mut c), "asked once");
}
