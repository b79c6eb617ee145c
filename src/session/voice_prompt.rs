//! What the kiosk says aloud on each screen: the same facts the screen shows, as sentences,
//! in the session's language (Vietnamese first). Pure: a function of the controller's state;
//! must not speak (that is `voice_guide`) or know Slint. Every screen has a prompt — the
//! `every_screen_has_a_prompt` test walks them all.

use crate::core::text::{Lang, Text};
use crate::session::controller::KioskController;
use crate::session::identity_step::Phase;
use crate::session::screen::Screen;
use crate::session::submit_step::PrintState;

/// The prompt for the screen on show (the timeout warning first, then the help notice, when
/// they are up).
pub fn prompt(c: &KioskController, place: &str) -> Text {
    if c.idle().warning_seconds().is_some() {
        // The whole grace period, not the ticking count: the warning is said once.
        let seconds = c.idle().grace_seconds();
        return Text::new(
            format!(
                "Ông bà vẫn đang dùng máy chứ? Nếu không, thông tin sẽ được xóa sau {seconds} giây. Chạm vào màn hình để tiếp tục."
            ),
            format!(
                "Are you still there? If not, your information will be cleared in {seconds} seconds. Touch the screen to continue."
            ),
        );
    }
    if c.help_notice_open() {
        let words = c.help().notice_words();
        return Text::new(
            format!("{} Chạm Đã hiểu để tiếp tục.", words.vi),
            format!("{} Touch I understand to go on.", words.en),
        );
    }
    match c.screen() {
        Screen::Home => Text::new(
            format!(
                "Xin chào. Đây là máy dịch vụ công của {place}. Chạm vào tên thủ tục cần làm, hoặc Tra cứu hồ sơ để xem hồ sơ đã nộp. Muốn chữ to hơn, chạm dấu cộng cạnh chữ Cỡ chữ ở trên cùng; cần người giúp, chạm Gọi hỗ trợ."
            ),
            format!(
                "Welcome to the public-service kiosk of {place}. Touch the procedure you need, or Track a dossier to follow one. For bigger letters, touch the plus beside Text size at the top; for a person to help, touch Call for help."
            ),
        ),
        Screen::Procedures => Text::new(
            "Chọn thủ tục cần làm trong danh sách. Có thể gõ tên thủ tục để tìm.",
            "Choose the procedure you need from the list. You can type its name to search.",
        ),
        Screen::ProcedureInfo => match c.chosen() {
            Some(p) => {
                let (without_card, with_card) = crate::core::form::question_counts(p);
                Text::new(
                format!(
                    "{}. {}. Lệ phí: {}. Thời gian giải quyết: {}. Nhiều nhất {} câu hỏi, {} câu nếu dùng thẻ căn cước gắn chip. Chạm Bắt đầu để làm thủ tục.",
                    p.name.vi,
                    p.summary.vi,
                    p.fee_text().vi,
                    p.processing_text().vi,
                    without_card,
                    with_card,
                ),
                format!(
                    "{}. {}. Fee: {}. Processing time: {}. At most {} questions, {} with the chip ID card. Touch Start to begin.",
                    p.name.get(Lang::En),
                    p.summary.get(Lang::En),
                    p.fee_text().get(Lang::En),
                    p.processing_text().get(Lang::En),
                    without_card,
                    with_card,
                ),
            )
            }
            None => Text::new("Chọn thủ tục.", "Choose a procedure."),
        },
        Screen::Identity => identity_prompt(c),
        Screen::Question => question_prompt(c),
        Screen::Review => Text::new(
            "Kiểm tra lại các thông tin đã khai. Chạm Sửa để sửa một thông tin, hoặc Nộp hồ sơ nếu tất cả đã đúng.",
            "Check your answers. Touch Change to correct one, or Submit when everything is right.",
        )
        .with_suffix(c.submission().error()),
        Screen::Done => done_prompt(c),
        Screen::Rating => Text::new(
            "Ông bà có hài lòng với dịch vụ này không? Chọn một trong năm mức, từ rất không hài lòng đến rất hài lòng, rồi chạm Gửi đánh giá. Hoặc chạm Bỏ qua.",
            "How satisfied are you with this service? Choose one of five levels, then touch Send rating, or touch Skip.",
        )
        .with_suffix(c.rating().error()),
        Screen::Lookup => lookup_prompt(c),
        Screen::AssistSignIn => Text::new(
            "Dành cho người hỗ trợ của tổ công nghệ số cộng đồng: chọn tên mình, rồi nhập mã PIN.",
            "For community digital-tech team members: choose your name, then type your PIN.",
        )
        .with_suffix(c.assist().error.as_ref()),
        Screen::AssistConsent => {
            let name = c.assist().helper.as_ref().map(|h| h.name.clone()).unwrap_or_default();
            Text::new(
                format!(
                    "{name}, người hỗ trợ của tổ công nghệ số cộng đồng, sẽ thao tác giúp ông bà trên máy và thấy các thông tin ông bà khai. Ông bà có đồng ý không? Chạm Tôi đồng ý, hoặc Không đồng ý."
                ),
                format!(
                    "{name} will operate the kiosk for you and see what you declare. Do you agree? Touch I agree, or I do not agree."
                ),
            )
        }
        Screen::Help => Text::new(
            "Hướng dẫn sử dụng. Mỗi màn hình một câu hỏi; gõ bằng bàn phím trên màn hình. Chạm nút loa để nghe lại. Cần giúp đỡ, chạm Gọi hỗ trợ.",
            "How to use the kiosk. One question per screen; type on the on-screen keyboard. Touch the speaker button to hear again. For help, touch Call for help.",
        ),
        Screen::Admin => Text::new("Màn hình quản trị.", "Admin screen."),
    }
}

impl Text {
    /// This text followed by `extra` (an error to read out), when there is one.
    fn with_suffix(self, extra: Option<&Text>) -> Text {
        match extra {
            Some(e) => Text::new(
                format!("{} {}", self.vi, e.vi),
                format!("{} {}", self.get(Lang::En), e.get(Lang::En)),
            ),
            None => self,
        }
    }
}

fn identity_prompt(c: &KioskController) -> Text {
    match &c.identity_step().phase {
        Phase::Choose | Phase::Watching => Text::new(
            "Xác định danh tính. Đưa mặt trước thẻ căn cước, có mã QR, vào trước camera; máy tự đọc. Hoặc chạm Bỏ qua để tự nhập thông tin.",
            "Identify yourself. Hold the front of your ID card, with its QR code, to the camera; the kiosk reads it by itself. Or touch Skip to type your details.",
        ),
        Phase::Typing { birth, error, .. } => {
            let t = if *birth {
                Text::new(
                    "Nhập ngày sinh, ngày, tháng, năm, bằng bàn phím số.",
                    "Type your date of birth, day, month, year, on the digit pad.",
                )
            } else {
                Text::new(
                    "Nhập mười hai số định danh cá nhân in trên thẻ căn cước.",
                    "Type the twelve-digit personal ID number printed on your card.",
                )
            };
            t.with_suffix(error.as_ref())
        }
        Phase::ScanningQr => Text::new(
            "Đưa mặt trước thẻ căn cước, có mã QR, vào trước camera và giữ yên.",
            "Hold the front of your ID card, with the QR code, still in front of the camera.",
        ),
        Phase::WaitingForCard => Text::new(
            "Đặt thẻ căn cước lên đầu đọc thẻ và giữ yên cho đến khi đọc xong.",
            "Place your ID card on the card reader and keep it there until reading is done.",
        ),
        Phase::Reading { .. } => Text::new(
            "Đang đọc thẻ. Vui lòng giữ yên thẻ.",
            "Reading the card. Please keep it still.",
        ),
        Phase::Done => Text::new(
            "Đã đọc được thông tin trên thẻ. Kiểm tra họ tên và ngày sinh trên màn hình, rồi chạm Đúng, tiếp tục.",
            "Your card was read. Check your name and date of birth on the screen, then touch Correct, continue.",
        ),
        Phase::Failed { message, .. } => message.clone(),
    }
}

fn question_prompt(c: &KioskController) -> Text {
    let Some(form) = c.form() else {
        return Text::new("Trả lời câu hỏi.", "Answer the question.");
    };
    if let Some(stop) = form.stop_message() {
        return Text::new("Chưa thể tiếp tục.", "You cannot go on yet.")
            .with_suffix(Some(&stop))
            .with_suffix(Some(&Text::new(
                "Chạm Sửa câu trả lời để chọn lại, hoặc Kết thúc để về màn hình đầu.",
                "Touch Change my answer to choose again, or End to go back to the start.",
            )));
    }
    let Some(field) = form.current_field() else {
        return Text::new("Trả lời câu hỏi.", "Answer the question.");
    };
    let (step, count) = form.progress();
    let question = crate::core::form::question_label(field, form.address_stage());
    let hint = field.help.clone();
    let mut t = Text::new(
        format!("Câu {step} trên {count}. {}.", question.vi),
        format!("Question {step} of {count}. {}.", question.en),
    );
    if let Some(h) = hint {
        t = t.with_suffix(Some(&h));
    }
    let feedback = c
        .photos()
        .error()
        .cloned()
        .or_else(|| form.feedback(c.today()));
    t.with_suffix(feedback.as_ref())
}

fn done_prompt(c: &KioskController) -> Text {
    let mut t = match c.submission().last_submitted() {
        Some((code, procedure, _)) => {
            let spelled = code.display().replace('-', " ");
            let office = c.submission().office_name(procedure);
            let delivered = c.online && c.queue_count == 0;
            Text::new(
                if delivered {
                    format!(
                        "Hồ sơ đã được gửi đến {}. Mã hồ sơ là {spelled}.",
                        office.vi
                    )
                } else {
                    format!(
                        "Hồ sơ đã được lưu an toàn tại máy. Máy sẽ tự gửi đến {} khi có mạng, không cần nộp lại. Mã hồ sơ là {spelled}.",
                        office.vi
                    )
                },
                if delivered {
                    format!(
                        "Your dossier was sent to {}. The dossier code is {spelled}.",
                        office.get(crate::core::text::Lang::En)
                    )
                } else {
                    format!(
                        "Your dossier is saved safely on the kiosk, which sends it to {} when the network is there; you need not submit again. The dossier code is {spelled}.",
                        office.get(crate::core::text::Lang::En)
                    )
                },
            )
        }
        None => Text::new(
            "Hồ sơ đã được lưu tại máy.",
            "The dossier is saved on the kiosk.",
        ),
    };
    if let Some(o) = c.submission().office() {
        t = t.with_suffix(Some(&Text::new(
            format!(
                "Nơi giải quyết: {}. {}.",
                o.name_and_address(Lang::Vi),
                o.hours_line(Lang::Vi)
            ),
            format!(
                "Handled at: {}. {}.",
                o.name_and_address(Lang::En),
                o.hours_line(Lang::En)
            ),
        )));
    }
    if let Some(r) = c.submission().receipt() {
        t = t.with_suffix(Some(&Text::new(
            format!(
                "Dự kiến có kết quả ngày {}, tính từ khi cơ quan nhận hồ sơ.",
                r.appointment
            ),
            format!(
                "The result is expected on {}, counted from when the office receives it.",
                r.appointment
            ),
        )));
        if !r.papers.is_empty() {
            t = t.with_suffix(Some(&Text::new(
                format!("{} {}.", r.papers_heading(), r.papers.join("; ")),
                format!("Still to bring to {}: {}.", r.office, r.papers.join("; ")),
            )));
        }
    }
    let print = match c.submission().print_state() {
        PrintState::Printed => Some(Text::new(
            "Vui lòng nhận biên nhận ở khe máy in. Chạm Đọc biên nhận để nghe nội dung biên nhận.",
            "Please take your receipt from the printer. Touch Read the receipt aloud to hear it.",
        )),
        PrintState::Failed(advice) => Some(advice.clone()),
        _ => None,
    };
    t.with_suffix(print.as_ref()).with_suffix(Some(&Text::new(
        "Chạm Hoàn tất khi xong.",
        "Touch Finish when you are done.",
    )))
}

fn lookup_prompt(c: &KioskController) -> Text {
    if let Some(r) = c.lookup_step().result() {
        let mut said = Text::new(
            format!(
                "Hồ sơ {}, mã {}: {}.",
                r.procedure_name.vi,
                r.summary.code.display().replace('-', " "),
                r.summary.state.label().vi
            ),
            format!(
                "Dossier {}, code {}: {}.",
                r.procedure_name.get(Lang::En),
                r.summary.code.display().replace('-', " "),
                r.summary.state.label().get(Lang::En)
            ),
        );
        // Sent back: what the office asks, by when, and how to add it here.
        if let Some(a) = &r.action {
            let due = a.request.due.map(|d| d.format("%d/%m/%Y").to_string());
            // Where to go, with the address when the offices list has it.
            let office = |lang| match &a.office_detail {
                Some(o) => o.name_and_address(lang),
                None => a.office.get(lang).to_string(),
            };
            said.vi += &format!(
                " Cơ quan đề nghị: {}.{} Chạm Bổ sung tại máy để bổ sung ngay, hoặc đến {}.",
                a.request.what.trim_end_matches('.'),
                due.as_ref()
                    .map(|d| format!(" Hạn bổ sung: ngày {d}."))
                    .unwrap_or_default(),
                office(Lang::Vi)
            );
            said.en += &format!(
                " The office asks: {}.{} Touch Add it here to add it now, or go to {}.",
                a.request.what.trim_end_matches('.'),
                due.map(|d| format!(" Add it by {d}.")).unwrap_or_default(),
                office(Lang::En)
            );
        }
        return said;
    }
    Text::new(
        "Tra cứu hồ sơ. Chạm Quét mã QR trên biên nhận và đưa biên nhận vào trước camera, hoặc nhập mã hồ sơ bằng bàn phím.",
        "Track a dossier. Touch Scan the receipt QR and hold the receipt to the camera, or type the dossier code.",
    )
    .with_suffix(c.lookup_step().error())
}
