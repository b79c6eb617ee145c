//! What a printed receipt and a queue ticket say, as Vietnamese lines and blocks: the commune
//! and kiosk, the procedure, the dossier code, when it was handed in, where it goes and whether
//! it is already there or still stored at the kiosk, the expected result date (counted from
//! the office's receipt), only the papers still to bring, the lookup QR, the fee and its
//! payment QR, and the help line. Pure: built from the stored summary, the procedure and the
//! holiday calendar; no personal data (a receipt left behind at the kiosk tells nobody who
//! the resident is). Must not know ESC/POS or the printer.

use crate::core::office::Office;
use crate::core::procedure::{Procedure, group_thousands};
use crate::core::text::Lang;
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
    /// Where the kiosk stands (`[kiosk] place`, or its commune).
    pub place: String,
    /// The kiosk's commune in full, from `[kiosk] commune_code` ("" = not configured).
    pub commune: String,
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
    /// The kiosk's commune in full, printed under the place when the place is another name
    /// (an apartment block); "" = none.
    #[serde(default)]
    pub commune: String,
    pub kiosk_id: String,
    pub procedure: String,
    /// The office that decides: its name when the offices list has it ("Công an phường Hoàn
    /// Kiếm"), else the procedure's authority ("Công an cấp xã nơi dự kiến tạm trú").
    pub office: String,
    /// The office's address ("" = not known: only the authority is printed).
    #[serde(default)]
    pub office_address: String,
    /// "Giờ làm việc: … · Điện thoại: …" ("" = not known).
    #[serde(default)]
    pub office_hours: String,
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
    /// `papers`: those still to bring (see `FormSession::papers_to_bring`); `office`: the
    /// deciding office, when the offices list has it.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        context: &ReceiptContext,
        procedure: &Procedure,
        office: Option<&Office>,
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
            commune: context.commune.clone(),
            kiosk_id: context.kiosk_id.clone(),
            procedure: procedure.name.vi.clone(),
            office: office
                .map(|o| o.name.vi.clone())
                .unwrap_or_else(|| procedure.authority.vi.clone()),
            office_address: office.map(|o| o.address.vi.clone()).unwrap_or_default(),
            office_hours: office.map(|o| o.hours_line(Lang::Vi)).unwrap_or_default(),
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

    /// The line above the papers still to bring: to the office above when its address is
    /// printed, else to the office by name.
    pub fn papers_heading(&self) -> String {
        if self.office_address.is_empty() {
            format!("Giấy tờ cần mang đến {}:", lowercase_first(&self.office))
        } else {
            "Giấy tờ cần mang đến nơi giải quyết:".to_string()
        }
    }

    /// The place lines at the top: the place, and the commune when the place is another name.
    fn place_lines(&self) -> Vec<&str> {
        let mut lines = vec![self.place.as_str()];
        if !self.commune.is_empty() && !self.place.contains(&self.commune) {
            lines.push(&self.commune);
        }
        lines
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
        if !self.office_address.is_empty() {
            s += &format!(
                " Nơi giải quyết: {}, {}. {}.",
                self.office, self.office_address, self.office_hours
            );
        }
        if !self.papers.is_empty() {
            s += &format!(" {} ", self.papers_heading());
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
    let mut b = vec![text("BIÊN NHẬN HỒ SƠ", Large, true, Center)];
    for line in r.place_lines() {
        b.push(text(line, Normal, false, Center));
    }
    b.extend([
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
    ]);
    if let Some(fee) = r.fee_text() {
        b.push(text(format!("Lệ phí: {fee}"), Normal, false, Left));
    }
    if !r.office_address.is_empty() {
        b.push(Block::Rule);
        b.push(text(
            format!("Nơi giải quyết: {}", r.office),
            Normal,
            true,
            Left,
        ));
        b.push(text(
            format!("Địa chỉ: {}", r.office_address),
            Normal,
            false,
            Left,
        ));
        b.push(text(&r.office_hours, Normal, false, Left));
    }
    if !r.papers.is_empty() {
        if r.office_address.is_empty() {
            b.push(Block::Rule);
        }
        b.push(text(r.papers_heading(), Normal, true, Left));
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

/// The queue ticket for the deciding office's desk, printed only where the kiosk stands in
/// that office's commune: a big number, the office, the procedure, the code.
pub fn queue_ticket_blocks(r: &ReceiptContent) -> Vec<Block> {
    use Align::*;
    use TextSize::*;
    vec![
        text("PHIẾU THỨ TỰ", Large, true, Center),
        text(&r.office, Normal, false, Center),
        text(&r.place, Small, false, Center),
        Block::Rule,
        text(format!("{:03}", r.ticket_number), Huge, true, Center),
        text(&r.procedure, Normal, true, Center),
        text(format!("Mã hồ sơ: {}", r.code), Normal, false, Center),
        text(format!("Lấy lúc: {}", r.submitted), Small, false, Center),
        text(
            format!(
                "Vui lòng mang giấy tờ đến {} khi được gọi số.",
                lowercase_first(&r.office)
            ),
            Normal,
            false,
            Center,
        ),
        Block::Feed(3),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt(place: &str, commune: &str, office: Option<&Office>) -> ReceiptContent {
        let catalogue = crate::core::test_procedure::catalogue_with("");
        let procedure = catalogue.get("p").unwrap();
        let context = ReceiptContext {
            place: place.into(),
            commune: commune.into(),
            kiosk_id: "K1".into(),
            calendar: HolidayCalendar::computed(),
            beneficiary: None,
            help_phone: String::new(),
        };
        let papers = [crate::core::procedure::Paper {
            name: crate::core::text::Text::new("Giấy khai sinh", ""),
            original: true,
            copies: 0,
            replaced_by_answers: false,
            photographed_by: Vec::new(),
        }];
        ReceiptContent::new(
            &context,
            procedure,
            office,
            &papers,
            &crate::core::dossier_code::DossierCode::from_random(&[1; 8]),
            "2026-12-07T02:00:00Z".parse().unwrap(),
            None,
            true,
            1,
        )
    }

    fn lines(r: &ReceiptContent) -> Vec<String> {
        receipt_blocks(r)
            .into_iter()
            .filter_map(|b| match b {
                Block::Text { text, .. } => Some(text),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_apartment_block_kiosk_prints_its_commune_too() {
        let block = lines(&receipt(
            "Chung cư Mẫu",
            "Phường Hoàn Kiếm, Thành phố Hà Nội",
            None,
        ));
        assert_eq!(
            block[1..3],
            ["Chung cư Mẫu", "Phường Hoàn Kiếm, Thành phố Hà Nội"]
        );
        // A place that is the commune is not printed twice.
        let ward = lines(&receipt(
            "Phường Hoàn Kiếm, Thành phố Hà Nội",
            "Phường Hoàn Kiếm, Thành phố Hà Nội",
            None,
        ));
        assert_eq!(
            ward.iter()
                .filter(|l| l.as_str() == "Phường Hoàn Kiếm, Thành phố Hà Nội")
                .count(),
            1
        );
    }

    #[test]
    fn the_deciding_office_is_printed_with_its_address_or_the_authority_alone() {
        let offices = crate::core::office::Offices::parse(
            "[[office]]\ncommune = \"00070\"\nkind = \"one_stop\"\n\
             name = { vi = \"Bộ phận một cửa UBND phường Hoàn Kiếm\" }\n\
             address = { vi = \"Số 1 phố Mẫu\" }\nhours = { vi = \"Thứ Hai – Thứ Sáu\" }\n",
        )
        .unwrap();
        let office = offices.find("00070", crate::core::office::OfficeKind::OneStop);
        let with = lines(&receipt("P", "", office));
        for line in [
            "Nơi giải quyết: Bộ phận một cửa UBND phường Hoàn Kiếm",
            "Địa chỉ: Số 1 phố Mẫu",
            "Giờ làm việc: Thứ Hai – Thứ Sáu",
            "Giấy tờ cần mang đến nơi giải quyết:",
        ] {
            assert!(with.iter().any(|l| l == line), "{line:?} in {with:?}");
        }
        let without = lines(&receipt("P", "", None));
        assert!(!without.iter().any(|l| l.starts_with("Địa chỉ")));
        // The test procedure's authority is "UBND": an acronym keeps its capitals.
        assert!(
            without.iter().any(|l| l == "Giấy tờ cần mang đến UBND:"),
            "{without:?}"
        );
    }
}
