//! The identity step through the real Slint UI with the simulated reader and camera: a test
//! card's QR code is scanned, its chip read and verified, the portrait and name shown, the
//! questions the card answers skipped, the review marking them, and everything wiped at the
//! end; a card lifted mid-read and a different card on the reader get their own messages and
//! a way on. One test function: the testing backend is set up once per process.

mod common;

use slint::ComponentHandle;
use std::sync::{Arc, Mutex};
use xakiosk::app::effects::{Effects, IdentityDevices};
use xakiosk::app::kiosk::Kiosk;
use xakiosk::app::startup::Startup;
use xakiosk::config::Config;
use xakiosk::devices::camera::{Camera, SimCamera};
use xakiosk::devices::card_reader::{CardReader, SimCardReader};
use xakiosk::devices::clock::{Clock, SimClock};
use xakiosk::slint_generated::{
    AppWindow, FormAdapter, IdentityAdapter, IdentityLevel, IdentityPhase, Screen, SessionAdapter,
};

struct Ui {
    app: AppWindow,
    kiosk: std::rc::Rc<Kiosk>,
    reader: Arc<Mutex<SimCardReader>>,
    camera: Arc<Mutex<SimCamera>>,
}

impl Ui {
    fn press(&self, label: &str) {
        common::press(&self.app, label)
            .unwrap_or_else(|| panic!("no enabled button {label:?} on screen {:?}", self.screen()));
    }

    fn type_keys(&self, text: &str) {
        common::type_keys(text, |key| self.press(key));
    }

    fn screen(&self) -> Screen {
        self.app.global::<SessionAdapter>().get_screen()
    }

    fn has_label(&self, label: &str) -> bool {
        i_slint_backend_testing::ElementHandle::find_by_accessible_label(&self.app, label)
            .next()
            .is_some()
    }

    fn id(&self) -> IdentityAdapter<'_> {
        self.app.global::<IdentityAdapter>()
    }

    fn form(&self) -> FormAdapter<'_> {
        self.app.global::<FormAdapter>()
    }

    fn start_temporary_residence(&self) {
        self.press("Tìm thủ tục");
        self.type_keys("tam tru");
        self.press("Đăng ký tạm trú");
        self.press("Bắt đầu");
        assert_eq!(self.screen(), Screen::Identity);
        assert_eq!(self.id().get_phase(), IdentityPhase::Choose);
    }
}

fn setup() -> (Ui, tempfile::TempDir) {
    i_slint_backend_testing::init_no_event_loop();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::development();
    // One test card's holder is also a registered helper (signs in with the card).
    config.assist.helpers = vec![xakiosk::config::HelperConfig {
        id: "TCN-02".into(),
        name: "Trần Thị Bích Ngọc (TCN)".into(),
        pin_hash: xakiosk::core::assist::pin_hash("1357", [2; 16]),
        personal_id: "079301000456".into(),
    }];
    let startup = Startup::prepare(&config, Some(&dir.path().join("ui.sqlite"))).unwrap();
    let clock = Arc::new(SimClock::new("2026-11-24T02:00:00Z".parse().unwrap()));
    let app = AppWindow::new().unwrap();
    app.window().set_size(slint::PhysicalSize::new(1280, 800));
    let camera = Arc::new(Mutex::new(SimCamera::new(1280, 720)));
    let reader = Arc::new(Mutex::new(SimCardReader::new()));
    let identity = IdentityDevices::from_config(
        &config.identity,
        reader.clone() as Arc<Mutex<dyn CardReader>>,
    );
    let mut controller = startup.controller(clock.clone() as Arc<dyn Clock>);
    controller.set_test_cards(identity.test_card_names());
    let effects = Effects::inline(
        startup.store.clone(),
        camera.clone() as Arc<Mutex<dyn Camera>>,
    )
    .with_identity(identity);
    let kiosk = Kiosk::attach(&app, controller, effects);
    (
        Ui {
            app,
            kiosk,
            reader,
            camera,
        },
        dir,
    )
}

#[test]
fn a_resident_identifies_with_the_chip_card_and_is_not_asked_again() {
    let (ui, _dir) = setup();

    // --- no card in front of the camera: a clear message and a retry ---
    ui.start_temporary_residence();
    ui.press("Quét mã QR");
    assert_eq!(ui.id().get_phase(), IdentityPhase::Failed);
    assert!(
        ui.id().get_message().contains("Chưa thấy mã QR"),
        "{}",
        ui.id().get_message()
    );
    assert!(!ui.id().get_can_use_qr());

    // --- the simulator's test card: QR scanned, chip read, verified ---
    ui.press("Trần Thị Bích Ngọc");
    ui.press("Thử lại");
    assert_eq!(
        ui.id().get_phase(),
        IdentityPhase::Done,
        "{}",
        ui.id().get_message()
    );
    assert_eq!(ui.id().get_name(), "Trần Thị Bích Ngọc");
    assert_eq!(ui.id().get_id_masked(), "079******456");
    assert_eq!(ui.id().get_birth(), "02/07/2001");
    assert_eq!(ui.id().get_level(), IdentityLevel::Verified);
    assert!(ui.id().get_verification().contains("Đã xác thực bằng chip"));
    assert!(ui.id().get_has_photo());
    ui.press("Đúng, tiếp tục");

    // ID, name, birth date and sex came from the card: the first question is the address.
    assert_eq!(ui.screen(), Screen::Question);
    assert!(
        ui.form()
            .get_question()
            .starts_with("Đăng ký tạm trú ở đâu?")
    );
    // Address, duration, whose home, the owner's consent, the lease, the phone; the review.
    assert_eq!((ui.form().get_step(), ui.form().get_step_count()), (1, 7));
    // The kiosk's own commune first; quick answers and picks go on by themselves.
    ui.press("Tại Phường Hoàn Kiếm, Thành phố Hà Nội");
    ui.type_keys("5 hangf gai");
    ui.press("Tiếp tục ›");
    ui.press("6 tháng");
    ui.press("Nhà thuê, phòng trọ");
    ui.press("Có");
    // The document camera now photographs papers, not the card held up for the QR.
    ui.camera.lock().unwrap().hold_card(None);
    ui.press("Chụp ảnh");
    ui.type_keys("0912345678");
    ui.press("Tiếp tục ›");
    assert_eq!(ui.screen(), Screen::Review);
    let rows = ui.form().get_review_rows();
    let row = |i| slint::Model::row_data(&rows, i).unwrap();
    assert!(
        row(0).from_card && row(0).answer == "079******456",
        "the personal ID is masked on the review too"
    );
    assert!(row(1).from_card && row(1).answer == "Trần Thị Bích Ngọc");
    assert!(row(3).from_card && row(3).answer == "Nữ");
    assert!(!row(4).from_card);
    ui.form().invoke_toggle_declaration();
    ui.press("Nộp hồ sơ");
    assert_eq!(ui.screen(), Screen::Done);
    ui.press("Hoàn tất");
    assert_eq!(ui.screen(), Screen::Rating);
    ui.press("Bỏ qua");
    assert_eq!(ui.screen(), Screen::Home);
    // Nothing of the card stays: not in the controller, not in the window.
    assert!(
        ui.kiosk
            .controller
            .borrow()
            .identity_step()
            .identity()
            .is_none()
    );
    assert_eq!(ui.id().get_name(), "");
    assert!(!ui.id().get_has_photo());

    // --- the card is lifted mid-read: say so, retry works ---
    ui.start_temporary_residence();
    ui.press("Phạm Minh Đức");
    ui.reader.lock().unwrap().remove_after(10);
    ui.press("Quét mã QR");
    assert_eq!(ui.id().get_phase(), IdentityPhase::Failed);
    assert!(
        ui.id().get_message().contains("nhấc ra"),
        "{}",
        ui.id().get_message()
    );
    ui.press("Phạm Minh Đức");
    ui.press("Thử lại");
    assert_eq!(ui.id().get_phase(), IdentityPhase::Done);
    assert_eq!(ui.id().get_name(), "Phạm Minh Đức");

    // --- a different card on the reader than the QR shown: wrong key; use the QR instead ---
    ui.press("Không phải tôi — tự nhập");
    assert_eq!(
        ui.screen(),
        Screen::Question,
        "skipping starts the questions unfilled"
    );
    assert_eq!(
        ui.form().get_question(),
        "Số định danh cá nhân của người đăng ký là gì?"
    );
    ui.press("Trang chủ");
    ui.start_temporary_residence();
    ui.press("Nguyễn Văn An");
    let other = xakiosk::identity::card_image::CardImage::load_folder(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/dev/cards"),
    )
    .unwrap()
    .into_iter()
    .find(|c| c.label == "Lê Thị Hường")
    .unwrap();
    // The QR of one card in front of the camera, another card on the reader.
    ui.camera.lock().unwrap().hold_card(Some(other.qr.clone()));
    ui.press("Quét mã QR");
    assert_eq!(ui.id().get_phase(), IdentityPhase::Failed);
    assert!(
        ui.id().get_message().contains("khác thẻ vừa quét"),
        "{}",
        ui.id().get_message()
    );
    assert!(ui.id().get_can_use_qr());
    ui.press("Dùng thông tin từ mã QR");
    assert_eq!(ui.id().get_phase(), IdentityPhase::Done);
    assert_eq!(ui.id().get_level(), IdentityLevel::QrOnly);
    assert_eq!(ui.id().get_name(), "Lê Thị Hường");
    assert!(
        ui.id()
            .get_verification()
            .contains("chưa xác thực bằng chip")
    );
    ui.press("Đúng, tiếp tục");
    assert!(
        ui.form()
            .get_question()
            .starts_with("Đăng ký tạm trú ở đâu?")
    );
    ui.press("Trang chủ");
    assert!(
        ui.kiosk
            .controller
            .borrow()
            .identity_step()
            .identity()
            .is_none()
    );

    // --- no QR code: the ID and birth date typed on the digit pad open the chip ---
    ui.start_temporary_residence();
    ui.press("Lê Thị Hường");
    ui.press("Nhập số định danh");
    assert_eq!(ui.id().get_phase(), IdentityPhase::Typing);
    ui.type_keys("038162000789");
    ui.press("Tiếp tục ›");
    assert!(ui.id().get_typed_label().starts_with("Ngày sinh"));
    ui.type_keys("08031963");
    ui.press("Tiếp tục ›");
    assert!(
        ui.id().get_typed_error().contains("1962"),
        "{}",
        ui.id().get_typed_error()
    );
    ui.press("Xóa hết");
    ui.type_keys("08031962");
    assert_eq!(ui.id().get_typed_text(), "08/03/1962");
    ui.press("Tiếp tục ›");
    // A card without expiry: opened with the no-expiry candidates, no QR needed.
    assert_eq!(
        ui.id().get_phase(),
        IdentityPhase::Done,
        "{}",
        ui.id().get_message()
    );
    assert_eq!(ui.id().get_name(), "Lê Thị Hường");
    assert_eq!(ui.id().get_level(), IdentityLevel::Verified);
    ui.press("Trang chủ");
    assert_eq!(ui.id().get_typed_text(), "");

    // --- a helper signs in with their own ID card: QR, then chip; only a registered
    // helper's card is accepted, and nothing of it is kept for the resident's form ---
    let place = |name: &str| {
        let cards = ui.id().get_test_cards();
        let n = (0..slint::Model::row_count(&cards))
            .find(|i| slint::Model::row_data(&cards, *i).unwrap() == name)
            .unwrap();
        ui.id().invoke_place_test_card(n as i32);
    };
    ui.press("Người hỗ trợ đăng nhập");
    assert_eq!(ui.screen(), Screen::AssistSignIn);
    place("Nguyễn Văn An");
    ui.press("Đăng nhập bằng thẻ căn cước của tôi");
    let assist = ui.app.global::<xakiosk::slint_generated::AssistAdapter>();
    assert!(
        assist.get_error_text().contains("không thuộc người hỗ trợ"),
        "{}",
        assist.get_error_text()
    );
    assert_eq!(ui.screen(), Screen::AssistSignIn);
    place("Trần Thị Bích Ngọc");
    ui.press("Đăng nhập bằng thẻ căn cước của tôi");
    assert_eq!(
        ui.screen(),
        Screen::AssistConsent,
        "{}",
        assist.get_error_text()
    );
    assert_eq!(assist.get_helper_name(), "Trần Thị Bích Ngọc (TCN)");
    assert!(
        ui.kiosk
            .controller
            .borrow()
            .identity_step()
            .identity()
            .is_none(),
        "the helper's card data is wiped"
    );
    ui.press("Tôi đồng ý");
    assert_eq!(ui.screen(), Screen::Procedures);
    assert!(ui.has_label("Đang được hỗ trợ bởi Trần Thị Bích Ngọc (TCN)"));
}
