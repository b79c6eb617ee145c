//! Vietnamese text in Windows code page 1258 for printers set to print characters rather than
//! pixels. CP1258 has the base letters (â, ê, ô, ơ, ư, ă, đ) and the five tone marks as
//! separate combining bytes, so "ệ" travels as "ê" + combining dot below; many printers then
//! draw the two apart, which is why raster text is the default. Owns the encoding only.

use unicode_normalization::UnicodeNormalization;

/// The five Vietnamese tone marks, which CP1258 encodes as combining characters.
const TONE_MARKS: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];

fn encode_char(c: char, out: &mut Vec<u8>) -> bool {
    let mut buf = [0u8; 4];
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1258.encode(c.encode_utf8(&mut buf));
    if unmappable {
        return false;
    }
    out.extend_from_slice(&bytes);
    true
}

/// Encodes `text`; characters CP1258 cannot hold at all become '?'.
pub fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.nfc() {
        if encode_char(c, &mut out) {
            continue;
        }
        // Split off the tone mark, compose what is left (ệ → ê + ̣), encode both.
        let decomposed: Vec<char> = c.to_string().nfd().collect();
        let tone: Vec<char> = decomposed
            .iter()
            .copied()
            .filter(|m| TONE_MARKS.contains(m))
            .collect();
        let base: String = decomposed
            .iter()
            .copied()
            .filter(|m| !TONE_MARKS.contains(m))
            .collect::<String>()
            .nfc()
            .collect();
        let start = out.len();
        let ok = base.chars().all(|b| encode_char(b, &mut out))
            && tone.iter().all(|t| encode_char(*t, &mut out));
        if !ok || tone.is_empty() {
            out.truncate(start);
            out.push(b'?');
        }
    }
    out
}

/// Decodes CP1258 bytes back to composed Unicode text.
pub fn decode(bytes: &[u8]) -> String {
    let (text, _, _) = encoding_rs::WINDOWS_1258.decode(bytes);
    text.nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vietnamese_letter_survives_the_round_trip() {
        let text = "Nguyễn Thị Ánh Tuyết, phường Hoàn Kiếm: hồ sơ đăng ký tạm trú — ỹ ự ặ ệ ữ Đ";
        let bytes = encode(text);
        assert_eq!(decode(&bytes), text);
        // "ệ" is "ê" (0xEA) then the combining dot below (0xF2).
        assert_eq!(encode("ệ"), vec![0xEA, 0xF2]);
        assert_eq!(encode("ư"), vec![0xFD]);
    }

    #[test]
    fn characters_outside_the_code_page_become_question_marks() {
        assert_eq!(encode("a✓b"), b"a?b".to_vec());
    }
}
