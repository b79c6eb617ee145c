//! Binds `IdentityAdapter`: the identity step's phase, progress, the identity read (photo,
//! name, masked ID, how it was verified) and its buttons. Shows the personal ID masked; clears
//! the photo from the window as soon as the step's data is wiped.

use crate::core::citizen::Verification;
use crate::session::controller::KioskController;
use crate::session::identity_step::Phase;
use crate::slint_generated::{AppWindow, IdentityAdapter, IdentityLevel, IdentityPhase};
use crate::ui::dispatch::Dispatch;
use crate::ui::render_cache::RenderCache;
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

pub fn connect(window: &AppWindow, kiosk: &Dispatch) {
    let g = window.global::<IdentityAdapter>();
    let k = kiosk.clone();
    g.on_scan_qr(move || k.update(|c| c.scan_qr()));
    let k = kiosk.clone();
    g.on_skip(move || {
        k.update(|c| {
            c.skip_identity();
            None
        })
    });
    let k = kiosk.clone();
    g.on_retry(move || k.update(|c| c.retry_identity()));
    let k = kiosk.clone();
    g.on_use_qr(move || {
        k.update(|c| {
            c.use_qr_details();
            None
        })
    });
    let k = kiosk.clone();
    g.on_continue(move || {
        k.update(|c| {
            c.continue_with_identity();
            None
        })
    });
    let k = kiosk.clone();
    g.on_type_instead(move || {
        k.update(|c| {
            c.type_identity();
            None
        })
    });
    let k = kiosk.clone();
    g.on_typed_next(move || k.update(|c| c.identity_next()));
    let k = kiosk.clone();
    g.on_place_test_card(move |n| k.simulate(|c| c.place_test_card(n.max(0) as usize)));
}

pub fn render(window: &AppWindow, c: &KioskController, cache: &mut RenderCache) {
    let g = window.global::<IdentityAdapter>();
    let lang = c.lang();
    let step = c.identity_step();
    g.set_phase(match &step.phase {
        Phase::Choose | Phase::Watching => IdentityPhase::Choose,
        Phase::Typing { .. } => IdentityPhase::Typing,
        Phase::ScanningQr => IdentityPhase::Scanning,
        Phase::WaitingForCard => IdentityPhase::Waiting,
        Phase::Reading { .. } => IdentityPhase::Reading,
        Phase::Done => IdentityPhase::Done,
        Phase::Failed { .. } => IdentityPhase::Failed,
    });
    match &step.phase {
        Phase::Reading { label, fraction } => {
            g.set_progress(*fraction);
            g.set_progress_text(label.get(lang).into());
        }
        _ => g.set_progress(0.0),
    }
    match &step.phase {
        Phase::Failed { message, can_retry } => {
            g.set_message(message.get(lang).into());
            g.set_can_retry(*can_retry);
        }
        _ => g.set_message("".into()),
    }
    g.set_can_use_qr(step.has_qr());
    match &step.phase {
        Phase::Typing { birth, text, error } => {
            let label = if *birth {
                crate::core::text::Text::new(
                    "Ngày sinh (ngày/tháng/năm)",
                    "Date of birth (day/month/year)",
                )
            } else {
                crate::core::text::Text::new(
                    "Số định danh cá nhân (12 số)",
                    "Personal ID number (12 digits)",
                )
            };
            g.set_typed_label(label.get(lang).into());
            g.set_typed_text(text.as_str().into());
            g.set_typed_error(
                error
                    .as_ref()
                    .map(|e| e.get(lang).to_string())
                    .unwrap_or_default()
                    .into(),
            );
        }
        _ => {
            g.set_typed_text("".into());
            g.set_typed_error("".into());
        }
    }
    match step.identity() {
        Some(identity) => {
            g.set_name(identity.full_name.as_str().into());
            g.set_id_masked(
                identity
                    .personal_id
                    .as_ref()
                    .map(|id| id.masked())
                    .unwrap_or_default()
                    .into(),
            );
            g.set_birth(
                identity
                    .birth_date
                    .map(|d| d.format("%d/%m/%Y").to_string())
                    .unwrap_or_default()
                    .into(),
            );
            let verification = identity.verification.unwrap_or(Verification::QrOnly);
            g.set_level(match verification {
                Verification::ChipVerified => IdentityLevel::Verified,
                Verification::ChipSignerNotTrusted => IdentityLevel::Untrusted,
                Verification::ChipFailed | Verification::ChipCloneSuspected => {
                    IdentityLevel::Failed
                }
                Verification::QrOnly => IdentityLevel::QrOnly,
            });
            g.set_verification(verification.describe().get(lang).into());
        }
        None => {
            g.set_name("".into());
            g.set_id_masked("".into());
            g.set_birth("".into());
            g.set_verification("".into());
        }
    }
    match step.face() {
        Some((w, h, pixels)) => {
            if !cache.identity_photo {
                let buffer =
                    slint::SharedPixelBuffer::<slint::Rgb8Pixel>::clone_from_slice(pixels, *w, *h);
                g.set_photo(slint::Image::from_rgb8(buffer));
                cache.identity_photo = true;
            }
            g.set_has_photo(true);
        }
        None => {
            g.set_has_photo(false);
            if cache.identity_photo {
                g.set_photo(slint::Image::default());
                cache.identity_photo = false;
            }
        }
    }
    if cache.test_cards.as_deref() != Some(c.test_cards()) {
        cache.test_cards = Some(c.test_cards().to_vec());
        let names: Vec<SharedString> = c.test_cards().iter().map(|s| s.as_str().into()).collect();
        g.set_test_cards(ModelRc::new(VecModel::from(names)));
    }
}
