//! Binds `FormAdapter`: the question on screen with the control its kind needs, the review
//! page, and the done page; the form callbacks (pick, next, back, change, photo, submit).

use crate::core::field::FieldKind;
use crate::core::form::AddressStage;
use crate::core::text::{Lang, Text};
use crate::session::controller::KioskController;
use crate::slint_generated::{AppWindow, CalendarCell, FormAdapter, InputKind, PickRow, ReviewRow};
use crate::ui::dispatch::Dispatch;
use crate::ui::render_cache::{RenderCache, qr_image, set_rows};
use slint::{ComponentHandle, SharedString};

pub fn connect(window: &AppWindow, kiosk: &Dispatch) {
    let g = window.global::<FormAdapter>();
    let k = kiosk.clone();
    g.on_pick(move |id| {
        k.update(|c| {
            c.pick(&id);
            None
        })
    });
    let k = kiosk.clone();
    g.on_next(move || {
        k.update(|c| {
            c.next();
            None
        })
    });
    let k = kiosk.clone();
    g.on_calendar_shift(move |months| {
        k.update(|c| {
            c.shift_calendar(months);
            None
        })
    });
    let k = kiosk.clone();
    g.on_calendar_toggled(move || {
        k.update(|c| {
            c.touch();
            None
        })
    });
    let k = kiosk.clone();
    g.on_back(move || {
        k.update(|c| {
            c.back();
            None
        })
    });
    let k = kiosk.clone();
    g.on_change(move |id| {
        k.update(|c| {
            c.change(&id);
            None
        })
    });
    let k = kiosk.clone();
    g.on_take_photo(move || k.update(|c| c.take_photo()));
    let k = kiosk.clone();
    g.on_reprint(move || k.update(|c| c.reprint()));
    let k = kiosk.clone();
    let k2 = kiosk.clone();
    g.on_toggle_declaration(move || {
        k2.update(|c| {
            c.toggle_declaration();
            None
        })
    });
    g.on_submit(move || {
        let mut random = [0u8; 8];
        if getrandom::fill(&mut random).is_err() {
            // Fall back to the UUID's random bits; the code stays unpredictable enough.
            random.copy_from_slice(&uuid::Uuid::now_v7().as_bytes()[8..16]);
        }
        k.update(|c| c.submit(uuid::Uuid::now_v7(), random))
    });
}

fn placeholder(kind: &FieldKind, stage: Option<AddressStage>) -> Text {
    match (kind, stage) {
        (_, Some(AddressStage::Detail)) => Text::new(
            "Số nhà, đường, thôn/tổ dân phố (nếu có)",
            "House number, street, hamlet (if any)",
        ),
        (_, Some(AddressStage::Legacy)) => Text::new(
            "Ví dụ: Số 5, quận Hoàn Kiếm, Hà Nội",
            "e.g. Số 5, quận Hoàn Kiếm, Hà Nội",
        ),
        (FieldKind::Date { .. }, _) => Text::new("ngày/tháng/năm", "day/month/year"),
        (FieldKind::PersonalId, _) => Text::new(
            "12 chữ số trên thẻ căn cước",
            "the 12 digits on the ID card",
        ),
        (FieldKind::Phone, _) => Text::new("Ví dụ: 0912 345 678", "e.g. 0912 345 678"),
        (FieldKind::Email, _) => Text::new("Ví dụ: ten@gmail.com", "e.g. name@gmail.com"),
        _ => Text::new("Gõ bằng bàn phím bên dưới", "Type with the keyboard below"),
    }
}

pub fn render(window: &AppWindow, c: &KioskController, cache: &mut RenderCache) {
    let g = window.global::<FormAdapter>();
    let lang = c.lang();
    let today = c.today();
    if let Some(form) = c.form() {
        let (step, count) = form.progress();
        g.set_procedure_name(form.procedure().name.get(lang).into());
        g.set_step(step as i32);
        g.set_step_count(count as i32);
        let stage = form.address_stage();
        if let Some(field) = form.current_field() {
            let index = form.procedure().field_index(&field.id).unwrap_or_default();
            if cache.question != Some((index, stage)) {
                cache.question = Some((index, stage));
                g.set_search_open(false);
                g.set_calendar_open(false);
            }
            let question = crate::core::form::question_label(field, stage);
            g.set_question(question.get(lang).into());
            g.set_hint(
                field
                    .help
                    .as_ref()
                    .map(|h| h.get(lang).to_string())
                    .unwrap_or_default()
                    .into(),
            );
            g.set_optional(!field.required);
            g.set_input_kind(match (&field.kind, stage) {
                (FieldKind::Choice { .. } | FieldKind::YesNo, _)
                | (_, Some(AddressStage::Here)) => InputKind::Choice,
                (_, Some(AddressStage::Province | AddressStage::Commune)) => InputKind::PickList,
                (_, Some(AddressStage::Detail | AddressStage::Legacy)) => InputKind::AddressDetail,
                (FieldKind::Attachment, _) => InputKind::Photo,
                _ => InputKind::Text,
            });
            g.set_input_placeholder(placeholder(&field.kind, stage).get(lang).into());
            let options: Vec<PickRow> = form
                .options(lang)
                .into_iter()
                .map(|o| PickRow {
                    id: o.id.into(),
                    label: o.label.into(),
                    selected: o.selected,
                })
                .collect();
            set_rows(&mut cache.options, options, |m| g.set_options(m));
            render_calendar(&g, c.calendar(), cache);
        }
        g.set_stop_message(
            form.stop_message()
                .map(|t| t.get(lang).to_string())
                .unwrap_or_default()
                .into(),
        );
        g.set_input_text(form.text().into());
        let error = c.photos().error().cloned().or_else(|| form.feedback(today));
        g.set_error_text(
            error
                .map(|t| t.get(lang).to_string())
                .unwrap_or_default()
                .into(),
        );
        g.set_can_continue(form.can_continue(today));
        g.set_trail(c.address_trail().into());
        g.set_show_legacy_option(c.offers_legacy_address());
        match c.current_photo() {
            Some(photo) => {
                if cache.photo.as_deref() != Some(photo.reference.sha256.as_str()) {
                    let (w, h, pixels) = &photo.preview;
                    let buffer = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::clone_from_slice(
                        pixels, *w, *h,
                    );
                    g.set_photo(slint::Image::from_rgb8(buffer));
                    cache.photo = Some(photo.reference.sha256.clone());
                }
                g.set_has_photo(true);
            }
            None => {
                g.set_has_photo(false);
                if cache.photo.take().is_some() {
                    g.set_photo(slint::Image::default());
                }
            }
        }
        let headings = form.review_headings(lang);
        let review: Vec<ReviewRow> = form
            .review_rows(lang)
            .into_iter()
            .zip(headings)
            .map(|((id, q, a), heading)| {
                let thumbnail =
                    form.attachment_of(&id)
                        .and_then(|r| c.photos().get(r))
                        .map(|photo| {
                            let (w, h, pixels) = &photo.preview;
                            slint::Image::from_rgb8(
                                slint::SharedPixelBuffer::<slint::Rgb8Pixel>::clone_from_slice(
                                    pixels, *w, *h,
                                ),
                            )
                        });
                ReviewRow {
                    heading: heading.unwrap_or_default().into(),
                    from_card: form.is_from_card(&id),
                    has_thumbnail: thumbnail.is_some(),
                    thumbnail: thumbnail.unwrap_or_default(),
                    field_id: id.into(),
                    question: q.into(),
                    answer: a.into(),
                }
            })
            .collect();
        let office = &form.procedure().authority;
        g.set_fee_line(
            match lang {
                Lang::Vi => format!("Lệ phí: {}", form.procedure().fee_text().vi),
                Lang::En => format!("Fee: {}", form.procedure().fee_text().en),
            }
            .into(),
        );
        g.set_data_notice(
            crate::core::declaration::data_notice(office)
                .get(lang)
                .into(),
        );
        g.set_declaration(
            crate::core::declaration::declaration_words(office)
                .get(lang)
                .into(),
        );
        set_rows(&mut cache.review, review, |m| g.set_review_rows(m));
    } else {
        // No form: nothing a resident typed may stay in the window.
        cache.question = None;
        render_calendar(&g, None, cache);
        g.set_input_text("".into());
        g.set_error_text("".into());
        g.set_has_photo(false);
        if cache.photo.take().is_some() {
            g.set_photo(slint::Image::default());
        }
        set_rows(&mut cache.options, Vec::new(), |m| g.set_options(m));
        set_rows(&mut cache.review, Vec::new(), |m| g.set_review_rows(m));
    }
    g.set_declared(c.submission().declared());
    g.set_camera_busy(c.photos().camera_busy());
    g.set_submitting(c.submission().submitting());
    g.set_submit_error(
        c.submission()
            .error()
            .map(|t| t.get(lang).to_string())
            .unwrap_or_default()
            .into(),
    );
    match c.submission().last_submitted() {
        Some((code, procedure, receipt)) => {
            let decider = c.submission().office();
            let office = c.submission().office_name(procedure).get(lang).to_string();
            g.set_office_where(
                decider
                    .map(|o| match lang {
                        Lang::Vi => format!("Nơi giải quyết: {}", o.name_and_address(lang)),
                        Lang::En => format!("Handled at: {}", o.name_and_address(lang)),
                    })
                    .unwrap_or_default()
                    .into(),
            );
            g.set_office_hours(
                decider
                    .map(|o| o.hours_line(lang))
                    .unwrap_or_default()
                    .into(),
            );
            g.set_papers_heading(
                match (decider.is_some(), lang) {
                    (true, Lang::Vi) => {
                        "Giấy tờ còn cần mang đến nơi giải quyết (chưa chụp tại máy):".to_string()
                    }
                    (true, Lang::En) => "Still to bring there (not photographed here):".to_string(),
                    (false, Lang::Vi) => {
                        format!("Giấy tờ còn cần mang đến {office} (chưa chụp tại máy):")
                    }
                    (false, Lang::En) => {
                        format!("Still to bring to {office} (not photographed here):")
                    }
                }
                .into(),
            );
            if cache.receipt_qr.as_deref() != Some(code.as_str()) {
                let image = receipt.as_deref().and_then(qr_image);
                g.set_has_receipt(image.is_some());
                g.set_receipt_qr(image.unwrap_or_default());
                cache.receipt_qr = Some(code.as_str().to_string());
            }
            g.set_dossier_code(code.display().into());
            // Said as it is: kept here until the portal holds it (nothing left to send means
            // this one arrived too).
            let (title, note) = if c.online && c.queue_count == 0 {
                (
                    Text::new("Hồ sơ đã được gửi đi", "Your dossier has been sent"),
                    Text::new(
                        format!("Đã gửi đến {office}."),
                        format!("Sent to: {office}."),
                    ),
                )
            } else {
                (
                    Text::new(
                        "Hồ sơ đã được lưu tại máy",
                        "Your dossier is saved on the kiosk",
                    ),
                    Text::new(
                        format!(
                            "Máy sẽ tự gửi đến {office} {}; không cần nộp lại.",
                            if c.online {
                                "ngay bây giờ"
                            } else {
                                "khi có mạng"
                            }
                        ),
                        format!(
                            "The kiosk sends it to {office} {}; you need not submit again.",
                            if c.online {
                                "now"
                            } else {
                                "when the network returns"
                            }
                        ),
                    ),
                )
            };
            g.set_done_title(title.get(lang).into());
            g.set_done_note(note.get(lang).into());
            let receipt = c.submission().receipt();
            g.set_appointment(
                receipt
                    .map(|r| match lang {
                        Lang::Vi => format!(
                            "Dự kiến có kết quả: ngày {} (tính từ khi cơ quan nhận hồ sơ)",
                            r.appointment
                        ),
                        Lang::En => format!(
                            "Result expected on {} (counted from when the office receives it)",
                            r.appointment
                        ),
                    })
                    .unwrap_or_default()
                    .into(),
            );
            g.set_help_phone(
                receipt
                    .map(|r| r.help_phone.clone())
                    .unwrap_or_default()
                    .into(),
            );
            let payment = receipt
                .and_then(|r| r.fee.as_ref())
                .and_then(|f| f.payment_qr.clone().map(|qr| (qr, f.amount_vnd)));
            if cache.payment_qr.as_ref() != payment.as_ref().map(|(qr, _)| qr) {
                let image = payment.as_ref().and_then(|(qr, _)| qr_image(qr));
                g.set_has_payment(image.is_some());
                g.set_payment_qr(image.unwrap_or_default());
                cache.payment_qr = payment.as_ref().map(|(qr, _)| qr.clone());
            }
            if let Some((_, amount)) = &payment {
                let text = match lang {
                    Lang::Vi => format!(
                        "Lệ phí {} đ: quét bằng ứng dụng ngân hàng",
                        crate::core::procedure::group_thousands(*amount, '.')
                    ),
                    Lang::En => format!(
                        "Fee {} VND: scan with your banking app",
                        crate::core::procedure::group_thousands(*amount, ',')
                    ),
                };
                g.set_payment_text(text.into());
            }
            render_print_state(c, lang, |text, failed, can_reprint| {
                g.set_print_status(text.into());
                g.set_print_failed(failed);
                g.set_can_reprint(can_reprint);
            });
            let papers: Vec<SharedString> = c
                .submission()
                .papers_to_bring()
                .iter()
                .map(|p| p.name.get(lang).into())
                .collect();
            set_rows(&mut cache.done_papers, papers, |m| g.set_papers_to_bring(m));
        }
        None => {
            if cache.receipt_qr.take().is_some() {
                g.set_has_receipt(false);
                g.set_receipt_qr(slint::Image::default());
            }
            if cache.payment_qr.take().is_some() {
                g.set_has_payment(false);
                g.set_payment_qr(slint::Image::default());
            }
            g.set_appointment("".into());
            g.set_print_status("".into());
            g.set_print_failed(false);
            g.set_can_reprint(false);
            g.set_dossier_code("".into());
            g.set_office_where("".into());
            g.set_office_hours("".into());
            set_rows(&mut cache.done_papers, Vec::new(), |m| {
                g.set_papers_to_bring(m)
            });
        }
    }
}

/// A date question's calendar (none: the question asks something else).
fn render_calendar(
    g: &FormAdapter<'_>,
    view: Option<crate::session::date_calendar::CalendarView>,
    cache: &mut RenderCache,
) {
    g.set_has_calendar(view.is_some());
    let Some(view) = view else {
        set_rows(&mut cache.calendar, Vec::new(), |m| g.set_calendar_cells(m));
        return;
    };
    g.set_calendar_title(view.title.into());
    let weekdays: Vec<SharedString> = view.weekdays.iter().map(|d| (*d).into()).collect();
    set_rows(&mut cache.calendar_weekdays, weekdays, |m| {
        g.set_calendar_weekdays(m)
    });
    let cells: Vec<CalendarCell> = view
        .cells
        .into_iter()
        .map(|d| CalendarCell {
            slot: d.slot as i32,
            label: d.label.into(),
            id: d.id.into(),
            spoken: d.spoken.into(),
            enabled: d.enabled,
            today: d.today,
            chosen: d.chosen,
        })
        .collect();
    set_rows(&mut cache.calendar, cells, |m| g.set_calendar_cells(m));
    g.set_calendar_weeks(view.weeks as i32);
    g.set_calendar_can_back(view.can_go_back);
    g.set_calendar_can_forward(view.can_go_forward);
}

/// The printer's progress as the done and lookup pages show it: (text, failed, can reprint).
pub fn render_print_state(c: &KioskController, lang: Lang, set: impl FnOnce(String, bool, bool)) {
    use crate::session::submit_step::PrintState;
    match c.submission().print_state() {
        PrintState::Idle => set(String::new(), false, false),
        PrintState::Printing => set(
            Text::new("Đang in biên nhận…", "Printing the receipt…")
                .get(lang)
                .to_string(),
            false,
            false,
        ),
        PrintState::Printed => set(
            Text::new(
                "Đã in biên nhận. Vui lòng nhận biên nhận ở khe máy in.",
                "The receipt is printed. Please take it from the printer slot.",
            )
            .get(lang)
            .to_string(),
            false,
            true,
        ),
        PrintState::Failed(advice) => set(advice.get(lang).to_string(), true, true),
    }
}
