//! A dossier opened with the portal's key as the officer's page shows it: who applied (name,
//! ID, how they were identified, who helped, the declaration), every answer, and the identity
//! evidence re-checked by the portal itself (`identity::evidence_recheck`) rather than taken
//! on the kiosk's word. Opened in memory for one page; nothing opened is stored.

use crate::identity::chip_recheck::{ChipRecheck, recheck_chip};
use crate::identity::evidence_recheck::{Recheck, recheck};
use crate::identity::trust_list::TrustList;
use crate::protocol::contract::DossierUpload;
use crate::protocol::sealed_content::{SealedContent, seal_context};
use crate::protocol::sealing::KeyRing;
use base64::Engine as _;

/// Opens a dossier's sealed answers, or says in a few words why not.
pub(super) fn open(
    opener: Option<&KeyRing>,
    id: &str,
    upload: &DossierUpload,
) -> Result<SealedContent, &'static str> {
    let opener = opener.ok_or("(sealed: no private key configured)")?;
    let uuid = uuid::Uuid::parse_str(id).map_err(|_| "(bad id)")?;
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(&upload.sealed_answers)
        .map_err(|_| "(damaged)")?;
    let clear = opener
        .open(&sealed, &seal_context(uuid, "answers"))
        .map_err(|_| "(cannot open: wrong key or tampered)")?;
    serde_json::from_slice::<SealedContent>(&clear).map_err(|_| "(unreadable)")
}

/// The applicant's name and ID, how the kiosk says they were identified, who helped and
/// whether they made the declaration.
pub(super) fn applicant(content: &SealedContent) -> String {
    let name = content
        .answers
        .get("applicant_name")
        .map(|a| a.display(crate::core::text::Lang::Vi))
        .unwrap_or_default();
    let identified = match content.identity.as_ref().map(|i| i.verification) {
        Some(v) => format!(" · máy báo: {}", v.describe().vi),
        None => " · tự khai (không dùng thẻ)".to_string(),
    };
    let helped = content
        .assisted_by
        .as_ref()
        .map(|a| format!(" · được hỗ trợ bởi {} ({})", a.helper_name, a.helper_id))
        .unwrap_or_default();
    let declared = content
        .declaration
        .as_ref()
        .map(|d| {
            format!(
                " · đã cam đoan và đồng ý lúc {}",
                crate::core::time::vietnam_display(d.at)
            )
        })
        .unwrap_or_else(|| " · CHƯA cam đoan".into());
    format!(
        "{name} · {}{identified}{helped}{declared}",
        content.applicant_id
    )
}

/// Every answer ("field: answer; …").
pub(super) fn answers(content: &SealedContent) -> String {
    content
        .answers
        .iter()
        .map(|(field, a)| format!("{field}: {}", a.display(crate::core::text::Lang::Vi)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// What the portal found re-checking the chip evidence against its own CSCA list, in the
/// officers' words.
pub(super) fn identity_check(content: &SealedContent, trust: &TrustList) -> String {
    let data = data_check(content, trust);
    let chip = content
        .identity
        .as_ref()
        .and_then(|i| i.chip.as_ref())
        .map(|c| match c.chip_authentication.as_str() {
            "chip_genuine" => " Máy báo chip là chip THẬT: chip đã dùng được khoá bí mật mà dữ liệu ký của nơi cấp ghi (xác thực chip).",
            "chip_not_offered" => " Thẻ không hỗ trợ xác thực chip: chưa chứng minh được chip là chip thật.",
            "chip_not_proven" => " Máy CHƯA chứng minh được chip là chip thật (thẻ không trả lời bước xác thực chip, hoặc máy chưa hỗ trợ cách thẻ dùng).",
            "chip_clone_suspected" => " CẢNH BÁO: máy báo chip KHÔNG dùng được khoá của dữ liệu ký — nghi thẻ sao chép. Đề nghị đối chiếu thẻ gốc.",
            _ => "",
        })
        .unwrap_or("");
    let signature = content
        .identity
        .as_ref()
        .and_then(|i| i.chip.as_ref())
        .map(|c| match recheck_chip(c) {
            ChipRecheck::KioskWord => String::new(),
            ChipRecheck::Signed => " Cổng ĐÃ KIỂM TRA LẠI chữ ký của chip trên mã thử của máy (xác thực chủ động): hợp lệ, chip giữ khoá bí mật của nơi cấp.".into(),
            ChipRecheck::NotSigned { reason } => format!(
                " CẢNH BÁO: cổng kiểm tra lại chữ ký của chip (xác thực chủ động) KHÔNG ĐẠT ({reason}). Đề nghị đối chiếu thẻ gốc."
            ),
        })
        .unwrap_or_default();
    format!("{data}{chip}{signature}")
}

/// The re-check of the data itself.
fn data_check(content: &SealedContent, trust: &TrustList) -> String {
    match recheck(
        content.identity.as_ref(),
        &content.applicant_id,
        &content.answers,
        trust,
    ) {
        Recheck::NotFromChip => {
            "Không đọc chip: không có gì để cổng kiểm tra lại.".into()
        }
        Recheck::NoEvidence => "CHƯA kiểm tra lại được: máy báo đã đọc chip nhưng không gửi kèm dữ liệu chip; chỉ có lời báo của máy.".into(),
        Recheck::Verified { signer } => format!(
            "Cổng ĐÃ KIỂM TRA LẠI: dữ liệu chip có chữ ký hợp lệ của nơi cấp ({signer}), đúng số định danh và mọi thông tin lấy từ thẻ."
        ),
        Recheck::SignerNotTrusted { reason } => format!(
            "Cổng đã kiểm tra lại: dữ liệu khớp chữ ký của chip và đúng các thông tin lấy từ thẻ, nhưng cổng chưa có chứng thư gốc (CSCA) của nơi cấp ({reason})."
        ),
        Recheck::Failed { reason } => format!(
            "Cổng kiểm tra lại KHÔNG ĐẠT: {reason}. Đề nghị đối chiếu thẻ gốc của người nộp."
        ),
    }
}
