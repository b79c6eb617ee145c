//! Drives the real Slint UI through Slint's testing backend, finding every button by its
//! accessible label (as a screen reader would) and pressing it: a resident completes a whole
//! procedure in Vietnamese, a full disk at submit keeps every answer, and walking away clears
//! the session. One test function: the testing backend is set up once per process.

mod common;

use i_slint_backend_testing::ElementHandle;
use slint::ComponentHandle;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use xakiosk::app::effects::Effects;
use xakiosk::app::kiosk::Kiosk;
use xakiosk::app::startup::Startup;
use xakiosk::config::Config;
use xakiosk::devices::camera::{Camera, SimCamera};
use xakiosk::devices::clock::{Clock, SimClock};
use xakiosk::slint_generated::{
    AppWindow, FormAdapter, KeyboardAdapter, KeyboardMode, Screen, SessionAdapter,
};

struct Ui {
    app: AppWindow,
    kiosk: std::rc::Rc<Kiosk>,
    clock: Arc<SimClock>,
    startup: Startup,
}

impl Ui {
    /// Presses the first visible element with this accessible label; fails the test if none.
    fn press(&self, label: &str) {
        common::press(&self.app, label)
            .unwrap_or_else(|| panic!("no enabled button {label:?} on screen {:?}", self.screen()));
    }

    fn has(&self, label: &str) -> bool {
        ElementHandle::find_by_accessible_label(&self.app, label)
            .next()
            .is_some()
    }

    fn enabled(&self, label: &str) -> bool {
        ElementHandle::find_by_accessible_label(&self.app, label)
            .any(|e| common::is_button(&e) && e.accessible_enabled() != Some(false))
    }

    /// Types on the on-screen keyboard, key by key.
    fn type_keys(&self, text: &str) {
        common::type_keys(text, |key| self.press(key));
    }

    fn screen(&self) -> Screen {
        self.app.global::<SessionAdapter>().get_screen()
    }

    fn form(&self) -> FormAdapter<'_> {
        self.app.global::<FormAdapter>()
    }
}

fn setup() -> (Ui, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (setup_in(dir.path()), dir)
}

/// The kiosk started on the database in `dir` (again, after a restart).
fn setup_in(dir: &std::path::Path) -> Ui {
    // Slint's testing platform is set once per thread.
    thread_local!(static PLATFORM: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    if !PLATFORM.with(|p| p.replace(true)) {
        i_slint_backend_testing::init_no_event_loop();
    }
    let mut config = Config::development();
    config.session.warn_after_secs = 60;
    config.session.grace_secs = 20;
    config.assist.helpers = vec![xakiosk::config::HelperConfig {
        id: "TCN-01".into(),
        name: "Nguyễn Thị Hoa".into(),
        pin_hash: xakiosk::core::assist::pin_hash("2468", [1; 16]),
        personal_id: String::new(),
    }];
    let startup = Startup::prepare(&config, Some(&dir.join("ui.sqlite"))).unwrap();
    let clock = Arc::new(SimClock::new("2026-11-24T02:00:00Z".parse().unwrap()));
    let app = AppWindow::new().unwrap();
    app.window().set_size(slint::PhysicalSize::new(1280, 800));
    let camera: Arc<Mutex<dyn Camera>> = Arc::new(Mutex::new(SimCamera::new(640, 360)));
    let controller = startup.controller(clock.clone() as Arc<dyn Clock>);
    let kiosk = Kiosk::attach(
        &app,
        controller,
        Effects::inline(startup.store.clone(), camera),
    );
    Ui {
        app,
        kiosk,
        clock,
        startup,
    }
}

#[test]
fn a_helper_pin_lockout_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let ui = setup_in(dir.path());
    ui.press("Người hỗ trợ đăng nhập");
    ui.press("Nguyễn Thị Hoa");
    for _ in 0..5 {
        ui.type_keys("1111");
        ui.press("Đăng nhập");
    }
    let assist = ui.app.global::<xakiosk::slint_generated::AssistAdapter>();
    assert!(
        assist.get_error_text().contains("khóa 5 phút"),
        "{}",
        assist.get_error_text()
    );
    drop(assist);
    drop(ui);
    // The kiosk restarts (power cut, watchdog): still locked, even for the right PIN.
    let ui = setup_in(dir.path());
    ui.press("Người hỗ trợ đăng nhập");
    ui.press("Nguyễn Thị Hoa");
    ui.type_keys("2468");
    ui.press("Đăng nhập");
    assert_eq!(ui.screen(), Screen::AssistSignIn);
    let assist = ui.app.global::<xakiosk::slint_generated::AssistAdapter>();
    assert!(
        assist.get_error_text().contains("bị khóa"),
        "{}",
        assist.get_error_text()
    );
}

/// Answers the temporary-residence form by pressing keys and buttons, checking on the way that
/// an invalid answer disables "continue" and says why.
fn fill_temporary_residence(ui: &Ui) {
    if ui.screen() == Screen::Home {
        ui.press("Tìm thủ tục");
    }
    assert_eq!(ui.screen(), Screen::Procedures);
    ui.type_keys("tam tru");
    ui.press("Đăng ký tạm trú");
    assert_eq!(ui.screen(), Screen::ProcedureInfo);
    ui.press("Bắt đầu");
    assert_eq!(ui.screen(), Screen::Identity);
    ui.press("Bỏ qua, tôi tự nhập thông tin");
    assert_eq!(ui.screen(), Screen::Question);

    // Personal ID: digits keyboard; a short number is refused with a message.
    assert_eq!(
        ui.app.global::<KeyboardAdapter>().get_mode(),
        KeyboardMode::Digits
    );
    ui.type_keys("00109304706");
    assert!(
        !ui.enabled("Tiếp tục ›"),
        "continue must be disabled for 11 digits"
    );
    assert!(ui.form().get_error_text().contains("12 chữ số"));
    ui.type_keys("4");
    assert!(ui.enabled("Tiếp tục ›"));
    ui.press("Tiếp tục ›");

    // Full name, typed in Telex.
    // Shift shows capitals on the keys for one letter.
    ui.press("Chữ hoa");
    ui.type_keys("N");
    ui.type_keys("guyeenx ");
    ui.press("Chữ hoa");
    ui.type_keys("Vawn ");
    ui.press("Chữ hoa");
    ui.type_keys("An");
    assert_eq!(ui.form().get_input_text(), "Nguyễn Văn An");
    ui.press("Tiếp tục ›");

    // Date of birth: the slashes come by themselves.
    ui.type_keys("05091993");
    assert_eq!(ui.form().get_input_text(), "05/09/1993");
    ui.press("Tiếp tục ›");
    // A choice answers in one tap and goes on.
    ui.press("Nam");

    // Address: the kiosk's own commune is offered first; somewhere else: search the province,
    // then the commune, then the street.
    assert!(ui.has("Tại Phường Hoàn Kiếm, Thành phố Hà Nội"));
    ui.press("Ở nơi khác");
    ui.press("⌨ Tìm");
    ui.type_keys("ha noi");
    ui.press("Thành phố Hà Nội");
    ui.press("⌨ Tìm");
    ui.type_keys("hoan kiem");
    ui.press("Phường Hoàn Kiếm");
    ui.type_keys("12 hangf bacj");
    ui.press("Tiếp tục ›");

    // The duration typed (quick buttons offer 3, 6, 12, 24 months).
    assert!(ui.has("12 tháng"));
    ui.type_keys("6");
    ui.press("Tiếp tục ›");
    // Renting opens the owner's consent and the lease; each pick goes on by itself.
    ui.press("Nhà thuê, phòng trọ");
    ui.press("Có");
    assert!(
        !ui.enabled("Tiếp tục ›"),
        "a required photo must be taken first"
    );
    ui.press("Chụp ảnh");
    // A good photo answers the question and goes on by itself; the review shows it small.
    assert!(!ui.form().get_has_photo(), "the next question is on screen");
    ui.type_keys("0912345678");
    ui.press("Tiếp tục ›");
    assert_eq!(ui.screen(), Screen::Review);
    let rows = ui.form().get_review_rows();
    assert!(
        (0..slint::Model::row_count(&rows))
            .any(|i| slint::Model::row_data(&rows, i).unwrap().has_thumbnail),
        "the photographed lease is on the review as a thumbnail"
    );
    // The answers are grouped under the catalogue's headings, each said once, in order.
    let headings: Vec<String> = (0..slint::Model::row_count(&rows))
        .map(|i| {
            slint::Model::row_data(&rows, i)
                .unwrap()
                .heading
                .to_string()
        })
        .filter(|h| !h.is_empty())
        .collect();
    assert_eq!(
        headings,
        ["Người đăng ký", "Nơi tạm trú", "Giấy tờ", "Liên hệ"]
    );
}

#[test]
fn a_resident_completes_procedures_by_touch_and_nothing_is_lost_or_left_behind() {
    let (ui, _dir) = setup();
    assert_eq!(ui.screen(), Screen::Home);

    // --- the whole journey, then a change from the review page ---
    fill_temporary_residence(&ui);
    let rows = ui.form().get_review_rows();
    let address = slint::Model::row_data(&rows, 4).unwrap();
    assert_eq!(
        address.answer,
        "12 hàng bạc, Phường Hoàn Kiếm, Thành phố Hà Nội"
    );
    // "Sửa" on the months row reopens it; continue returns to the review.
    ui.press("Sửa");
    assert_eq!(ui.screen(), Screen::Question);
    assert_eq!(
        ui.form().get_step(),
        1,
        "the first row's button opens the first question"
    );
    ui.press("Tiếp tục ›");
    assert_eq!(
        ui.screen(),
        Screen::Review,
        "continue returns to the review, not question 2"
    );
    // Rows below the fold are not instantiated by the list; the callback is what they call.
    ui.form().invoke_change("months".into());
    assert_eq!(ui.screen(), Screen::Question);
    ui.press("Xóa hết");
    ui.type_keys("12");
    ui.press("Tiếp tục ›");
    assert_eq!(ui.screen(), Screen::Review);
    assert_eq!(
        slint::Model::row_data(&ui.form().get_review_rows(), 5)
            .unwrap()
            .answer,
        "12"
    );

    // Not without the declaration: the box must be ticked first.
    ui.press("Nộp hồ sơ");
    assert_eq!(ui.screen(), Screen::Review);
    assert!(ui.form().get_submit_error().contains("cam đoan"));
    ui.form().invoke_toggle_declaration();
    assert!(ui.form().get_declared());
    ui.press("Nộp hồ sơ");
    assert_eq!(ui.screen(), Screen::Done);
    let code = ui.form().get_dossier_code().to_string();
    let parsed = xakiosk::core::dossier_code::DossierCode::parse(&code).unwrap();
    let stored = ui
        .startup
        .store
        .call_blocking(move |s| s.find_by_code(&parsed))
        .unwrap()
        .unwrap();
    let id = stored.id;
    assert_eq!(
        ui.startup
            .store
            .call_blocking(move |s| s.attachment_count(id))
            .unwrap(),
        1
    );
    assert!(
        ui.has(&format!("Mã hồ sơ {code}")),
        "the code is on screen and readable by label"
    );
    assert_eq!(ui.app.global::<SessionAdapter>().get_queue_count(), 1);
    ui.press("Hoàn tất");
    // The rating: "Send" waits for a level; the level and a reason are stored with the dossier.
    assert_eq!(ui.screen(), Screen::Rating);
    assert!(
        common::press(&ui.app, "Gửi đánh giá").is_none(),
        "disabled until a level is chosen"
    );
    ui.press("Hài lòng");
    ui.press("Dễ làm theo");
    ui.press("Gửi đánh giá");
    assert_eq!(ui.screen(), Screen::Home);
    assert_eq!(
        ui.startup
            .store
            .call_blocking(move |s| s.rating(id))
            .unwrap(),
        Some(xakiosk::core::rating::Rating {
            stars: 4,
            reasons: vec!["easy".into()]
        })
    );
    assert_eq!(ui.form().get_input_text(), "");
    assert_eq!(
        slint::Model::row_count(&ui.form().get_review_rows()),
        0,
        "no answer stays in the window"
    );

    // --- the disk fills up at submit: a clear message, answers kept, retry works ---
    fill_temporary_residence(&ui);
    ui.startup
        .store
        .call_blocking(|s| s.cap_size(true))
        .unwrap();
    ui.form().invoke_toggle_declaration();
    ui.press("Nộp hồ sơ");
    assert_eq!(
        ui.screen(),
        Screen::Review,
        "nothing was stored, so the review stays"
    );
    assert!(
        ui.form()
            .get_submit_error()
            .contains("Bộ nhớ của máy đã đầy")
    );
    assert_eq!(
        slint::Model::row_data(&ui.form().get_review_rows(), 1)
            .unwrap()
            .answer,
        "Nguyễn Văn An"
    );
    ui.startup
        .store
        .call_blocking(|s| s.cap_size(false))
        .unwrap();
    ui.press("Nộp lại");
    assert_eq!(ui.screen(), Screen::Done);
    assert_eq!(
        ui.startup
            .store
            .call_blocking(|s| s.dossier_count())
            .unwrap(),
        2
    );
    ui.press("Hoàn tất");
    ui.press("Bỏ qua");

    // --- English, and back to Vietnamese after the session ---
    ui.press("English");
    assert!(ui.has("Search procedures"));
    ui.press("Search procedures");
    ui.press("Home");
    assert!(
        ui.has("Tìm thủ tục"),
        "a finished session returns to Vietnamese"
    );

    // --- the top bar follows the sync engine: offline with a queue, sending, online ---
    let sync = |online, queued, sending| {
        ui.kiosk.deliver(xakiosk::session::outcome::Outcome::Sync(
            xakiosk::core::sync_status::SyncStatus {
                online,
                queued,
                sending,
            },
        ));
    };
    sync(false, 3, None);
    assert!(
        ui.has("Chưa có mạng · 3 hồ sơ chờ gửi"),
        "offline with a queue"
    );
    sync(true, 3, Some((1, 3)));
    assert!(ui.has("Đang gửi hồ sơ 2/3…"), "progress while sending");
    sync(true, 0, None);
    assert!(ui.has("Có mạng"));

    // --- walking away mid-form: a warning, then everything is cleared ---
    ui.press("Tìm thủ tục");
    ui.type_keys("khai sinh");
    ui.press("Đăng ký khai sinh");
    ui.press("Bắt đầu");
    assert_eq!(ui.screen(), Screen::Identity);
    ui.press("Bỏ qua, tôi tự nhập thông tin");
    ui.type_keys("0010");
    ui.clock.advance(Duration::from_secs(61));
    ui.kiosk.update(|c| {
        c.tick();
        None
    });
    assert!(ui.app.global::<SessionAdapter>().get_timeout_warning());
    assert!(ui.has("Tôi vẫn ở đây — tiếp tục"));
    ui.press("Tôi vẫn ở đây — tiếp tục");
    assert!(!ui.app.global::<SessionAdapter>().get_timeout_warning());
    assert_eq!(
        ui.form().get_input_text(),
        "0010",
        "continuing keeps the answer"
    );
    ui.clock.advance(Duration::from_secs(81));
    ui.kiosk.update(|c| {
        c.tick();
        None
    });
    assert_eq!(ui.screen(), Screen::Home);
    assert_eq!(ui.form().get_input_text(), "");

    // --- lookup: a typo is caught, the real code shows the history ---
    ui.press("Tra cứu hồ sơ");
    let mut typo = code.replace('-', "");
    let last = typo.pop().unwrap();
    typo.push(if last == '2' { '3' } else { '2' });
    for c in typo.chars() {
        ui.press(&c.to_string());
    }
    ui.press("Tra cứu");
    assert!(
        ui.app
            .global::<xakiosk::slint_generated::LookupAdapter>()
            .get_error_text()
            .contains("gõ nhầm")
    );
    ui.press("Xóa hết");
    for c in code.replace('-', "").chars() {
        ui.press(&c.to_string());
    }
    ui.press("Tra cứu");
    let lookup = ui.app.global::<xakiosk::slint_generated::LookupAdapter>();
    assert!(lookup.get_title().contains("Đăng ký tạm trú"));
    assert!(lookup.get_status().contains("chờ gửi"));
    assert_eq!(slint::Model::row_count(&lookup.get_history()), 1);
    // Offline, never fetched from the portal: the screen says how fresh the status is.
    assert!(lookup.get_freshness().contains("chưa lấy được tình trạng"));
    ui.press("Trang chủ");

    // --- assisted mode: a helper signs in (a wrong PIN is counted), the resident consents,
    // the dossier records who helped ---
    ui.press("Người hỗ trợ đăng nhập");
    assert_eq!(ui.screen(), Screen::AssistSignIn);
    ui.press("Nguyễn Thị Hoa");
    ui.type_keys("1111");
    ui.press("Đăng nhập");
    let assist = ui.app.global::<xakiosk::slint_generated::AssistAdapter>();
    assert!(
        assist.get_error_text().contains("Còn 4 lần thử"),
        "{}",
        assist.get_error_text()
    );
    ui.type_keys("2468");
    assert_eq!(assist.get_pin_masked(), "••••", "the PIN is never shown");
    ui.press("Đăng nhập");
    assert_eq!(ui.screen(), Screen::AssistConsent);
    ui.press("Tôi đồng ý");
    assert_eq!(ui.screen(), Screen::Procedures);
    assert!(ui.has("Đang được hỗ trợ bởi Nguyễn Thị Hoa"));
    fill_temporary_residence(&ui);
    ui.form().invoke_toggle_declaration();
    ui.press("Nộp hồ sơ");
    assert_eq!(ui.screen(), Screen::Done);
    let helped =
        xakiosk::core::dossier_code::DossierCode::parse(ui.form().get_dossier_code().as_ref())
            .unwrap();
    let (id, sealed) = ui
        .startup
        .store
        .call_blocking(move |s| {
            let d = s.find_by_code(&helped)?.unwrap();
            Ok((d.id, s.payload(d.id)?.unwrap()))
        })
        .unwrap();
    let opener = xakiosk::protocol::sealing::Opener::from_base64(include_str!(
        "../assets/dev/portal-development.key"
    ))
    .unwrap();
    let clear = opener
        .open(
            &sealed,
            &xakiosk::protocol::sealed_content::seal_context(id, "answers"),
        )
        .unwrap();
    let content: xakiosk::protocol::sealed_content::SealedContent =
        serde_json::from_slice(&clear).unwrap();
    let by = content.assisted_by.expect("the dossier records the helper");
    assert_eq!(
        (by.helper_id.as_str(), by.signed_in_with.as_str()),
        ("TCN-01", "pin")
    );
    ui.press("Hoàn tất");
    ui.press("Bỏ qua");
    assert!(
        !ui.has("Đang được hỗ trợ bởi Nguyễn Thị Hoa"),
        "the helper is signed out at the end"
    );
    // Refusing consent signs the helper out at once.
    ui.press("Người hỗ trợ đăng nhập");
    ui.press("Nguyễn Thị Hoa");
    ui.type_keys("2468");
    ui.press("Đăng nhập");
    ui.press("Không đồng ý");
    assert_eq!(ui.screen(), Screen::Home);
    assert!(ui.kiosk.controller.borrow().assisting().is_none());
}
