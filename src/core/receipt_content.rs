//! What a printed receipt and a queue ticket say, as Vietnamese lines and blocks: the commune
//! and kiosk, the procedure, the dossier code, when it was handed in, where it goes and whether
//! it is already there or still stored at the kiosk, the expected result date (counted from
//! the office's receipt), only the papers still to bring, the lookup QR, the fee and its
//! payment QR, and the help line. Pure: built from the stored summary, the procedure and the
//! holiday calendar; no personal data (a receipt left behind at the kiosk tells nobody who
//! the resident is). Must not know ESC/POS or the printer.

use crate::core::procedure::{Procedure, group_thousands};
use crate::core::vietqr::{self, Beneficiary};
use crate::core::working_days::HolidayCalendar;
use chrono::{DateTime, Utc};

/// How a line sits on the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Align {
    Left,
    Center,
}

/// Where the receipt comes from: set once from the configuration.
#[derive(Debug, Clone)]
pub struct ReceiptContext {
    pub place: String,
    pub kiosk_id: String,
    pub calendar: HolidayCalendar,
    /// The commune's fee account; without it no payment QR is printed.
    pub beneficiary: Option<Beneficiary>,
    /// The community team's phone number ("" = none printed).
    pub help_phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeeLine {
    pub amount_vnd: u64,
    /// The VietQR payload, when the commune has a fee account.
    pub payment_qr: Option<String>,
    pub beneficiary_name: Option<String>,
}

/// Everything a receipt shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReceiptContent {
    pub place: String,
    pub kiosk_id: String,
    pub procedure: String,
    /// The office that decides ("Công an cấp xã nơi dự kiến tạm trú").
    pub office: String,
    /// The code as residents type it (HK7M-2QPD-W).
    pub code: String,
    /// Local time handed in, "10:41 ngày 24/11/2026".
    pub submitted: String,
    /// "27/11/2026": expected, counted from now as if the office received it today.
    pub appointment: String,
    pub processing: String,
    /// Papers still to bring to the desk (the ones photographed or replaced by the answers are
    /// not listed).
    pub papers: Vec<String>,
    /// The community team's phone number ("" = none).
    pub help_phone: String,
    /// What the receipt's QR holds: the signed receipt, or the plain code without one.
    pub lookup_qr: String,
    pub fee: Option<FeeLine>,
    /// Still on the kiosk, waiting for the network.
    pub queued_offline: bool,
    /// For the queue ticket: the dossier's number among today's at this kiosk.
    pub ticket_number: u32,
}

fn vietnam(at: DateTime<Utc>) -> chrono::NaiveDateTime {
    crate::core::time::vietnam_local(at)
}

/// The working days a procedure's appointment is counted in: the catalogue writes "within the
/// day" as 1 (see SCHEMA.md), which is the receiving day itself.
fn appointment_days(p: &Procedure) -> u32 {
    match p.processing.working_days {
        0 | 1 => 0,
        n => n,
    }
}

/// The papers line: "Tờ khai… (bản chính)" / "(2 bản sao)".
fn paper_line(p: &crate::core::procedure::Paper) -> String {
    let mut line = p.name.vi.clone();
    match (p.original, p.copies) {
        (true, 0) => line += " (bản chính)",
        (true, n) => line += &format!(" (bản chính và {n} bản sao)"),
        (false, 0) => {}
        (false, n) => line += &format!(" ({n} bản)"),
    }
    line
}

impl ReceiptContent {
    /// `papers`: those still to bring (see `FormSession::papers_to_bring`).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        context: &ReceiptContext,
        procedure: &Procedure,
        papers: &[crate::core::procedure::Paper],
        code: &crate::core::dossier_code::DossierCode,
        submitted_at: DateTime<Utc>,
        signed_receipt: Option<&str>,
        queued_offline: bool,
        ticket_number: u32,
    ) -> ReceiptContent {
        let local = vietnam(submitted_at);
        let appointment = context
            .calendar
            .appointment(local, appointment_days(procedure));
        let fee = (procedure.fee.amount_vnd > 0).then(|| {
            let note = format!("XK {}", code.as_str());
            let payment_qr = context.beneficiary.as_ref().and_then(|b| {
                vietqr::payload(b, procedure.fee.amount_vnd, &note)
                    .map_err(|e| tracing::warn!("no payment QR: {e}"))
                    .ok()
            });
            FeeLine {
                amount_vnd: procedure.fee.amount_vnd,
                beneficiary_name: payment_qr
                    .as_ref()
                    .and(context.beneficiary.as_ref())
                    .map(|b| b.account_name.clone()),
                payment_qr,
            }
        });
        ReceiptContent {
            place: context.place.clone(),
            kiosk_id: context.kiosk_id.clone(),
            procedure: procedure.name.vi.clone(),
            office: procedure.authority.vi.clone(),
            code: code.display(),
            submitted: local.format("%H:%M ngày %d/%m/%Y").to_string(),
            appointment: appointment.format("%d/%m/%Y").to_string(),
            processing: procedure.processing_text().vi,
            papers: papers.iter().map(paper_line).collect(),
            help_phone: context.help_phone.clone(),
            lookup_qr: signed_receipt
                .map(str::to_string)
                .unwrap_or_else(|| code.display()),
            fee,
            queued_offline,
            ticket_number,
        }
    }

    /// The fee as printed: "7.000 đ".
    pub fn fee_text(&self) -> Option<String> {
        self.fee
            .as_ref()
            .map(|f| format!("{} đ", group_thousands(f.amount_vnd, '.')))
    }

    /// Where the dossier is: stored here and going to the office, or already there.
    pub fn where_it_is(&self) -> String {
        if self.queued_offline {
            format!(
                "Đã lưu an toàn tại máy. Máy sẽ tự gửi đến {} khi có mạng; không cần nộp lại.",
                lowercase_first(&self.office)
            )
        } else {
            format!("Đã gửi đến {}.", lowercase_first(&self.office))
        }
    }

    /// The expected date, said as expected and from when it counts.
    pub fn expected(&self) -> String {
        format!(
            "Dự kiến có kết quả: ngày {} ({}, tính từ khi cơ quan nhận hồ sơ).",
            self.appointment,
            self.processing.to_lowercase()
        )
    }

    /// The receipt read aloud: the same facts, as sentences.
    pub fn spoken(&self) -> String {
        let mut s = format!(
            "Biên nhận hồ sơ {}. Mã hồ sơ: {}. Nộp lúc {}. {} {}",
            self.procedure,
            self.code.replace('-', " "),
            self.submitted,
            self.where_it_is(),
            self.expected()
        );
        if !self.papers.is_empty() {
            s += " Giấy tờ cần mang đến Bộ phận một cửa: ";
            s += &self.papers.join("; ");
            s += ".";
        }
        if let Some(fee) = self.fee_text() {
            s += &format!(" Lệ phí {fee}.");
        }
        if !self.help_phone.is_empty() {
            s += &format!(" Cần hỗ trợ, gọi {}.", self.help_phone);
        }
        s
    }
}

/// "Công an cấp xã" → "công an cấp xã", to sit inside a sentence; an acronym ("UBND") stays.
fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.clone().next()) {
        (Some(c), Some(d)) if !d.is_uppercase() => c.to_lowercase().chain(chars).collect(),
        _ => s.to_string(),
    }
}

/// Text sizes a receipt uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TextSize {
    Small,
    Normal,
    Large,
    /// The queue number.
    Huge,
}

/// One piece of a printed layout, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Text {
        text: String,
        size: TextSize,
        bold: bool,
        align: Align,
    },
    Rule,
    Qr(String),
    Feed(u8),
}

fn text(text: impl Into<String>, size: TextSize, bold: bool, align: Align) -> Block {
    Block::Text {
        text: text.into(),
        size,
        bold,
        align,
    }
}

/// The receipt's layout.
pub fn receipt_blocks(r: &ReceiptContent) -> Vec<Block> {
    use Align::*;
    use TextSize::*;
    let mut b = vec![
        text("BIÊN NHẬN HỒ SƠ", Large, true, Center),
        text(&r.place, Normal, false, Center),
        text(
            format!("Máy dịch vụ công {}", r.kiosk_id),
            Small,
            false,
            Center,
        ),
        Block::Rule,
        text(format!("Thủ tục: {}", r.procedure), Normal, true, Left),
        text("Mã hồ sơ:", Normal, false, Center),
        text(&r.code, Large, true, Center),
        text(format!("Nộp lúc: {}", r.submitted), Normal, false, Left),
        text(r.where_it_is(), Normal, true, Left),
        text(r.expected(), Normal, false, Left),
    ];
    if let Some(fee) = r.fee_text() {
        b.push(text(format!("Lệ phí: {fee}"), Normal, false, Left));
    }
    if !r.papers.is_empty() {
        b.push(Block::Rule);
        b.push(text(
            "Giấy tờ cần mang đến Bộ phận một cửa:",
            Normal,
            true,
            Left,
        ));
        for p in &r.papers {
            b.push(text(format!("• {p}"), Normal, false, Left));
        }
    }
    b.push(Block::Rule);
    b.push(Block::Qr(r.lookup_qr.clone()));
    b.push(text(
        "Quét mã này tại máy dịch vụ công (mục Tra cứu hồ sơ) để xem hồ sơ đến đâu.",
        Small,
        false,
        Center,
    ));
    if let Some(FeeLine {
        payment_qr: Some(qr),
        beneficiary_name,
        ..
    }) = &r.fee
    {
        b.push(Block::Rule);
        b.push(text(
            format!(
                "Nộp lệ phí {}: quét mã bằng ứng dụng ngân hàng",
                r.fee_text().unwrap_or_default()
            ),
            Normal,
            true,
            Center,
        ));
        b.push(Block::Qr(qr.clone()));
        if let Some(name) = beneficiary_name {
            b.push(text(format!("Người nhận: {name}"), Small, false, Center));
        }
        b.push(text(
            "Việc nộp lệ phí được xác nhận khi cán bộ cập nhật tình trạng hồ sơ.",
            Small,
            false,
            Center,
        ));
    }
    b.push(Block::Rule);
    if !r.help_phone.is_empty() {
        b.push(text(
            format!("Cần hỗ trợ, gọi: {}", r.help_phone),
            Normal,
            false,
            Center,
        ));
    }
    b.push(text("Xin cảm ơn!", Normal, false, Center));
    b.push(Block::Feed(3));
    b
}

/// The queue ticket for the one-stop desk: a big number, the procedure, the code.
pub fn queue_ticket_blocks(r: &ReceiptContent) -> Vec<Block> {
    use Align::*;
    use TextSize::*;
    vec![
        text("PHIẾU THỨ TỰ", Large, true, Center),
        text("Bộ phận một cửa", Normal, false, Center),
        text(&r.place, Small, false, Center),
        Block::Rule,
        text(format!("{:03}", r.ticket_number), Huge, true, Center),
        text(&r.procedure, Normal, true, Center),
        text(format!("Mã hồ sơ: {}", r.code), Normal, false, Center),
        text(format!("Lấy lúc: {}", r.submitted), Small, false, Center),
        text(
            "Vui lòng mang giấy tờ đến Bộ phận một cửa khi được gọi số.",
            Normal,
            false,
            Center,
        ),
        Block::Feed(3),
    ]
}
