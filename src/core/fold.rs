//! Diacritic- and case-insensitive matching of Vietnamese text ("dang ky tam tru" finds
//! "Đăng ký tạm trú"). Pure string functions; no allocation beyond the folded string.

use unicode_normalization::UnicodeNormalization;

/// Folds `s` for search: lower case, every diacritic removed (đ becomes d), runs of
/// whitespace and punctuation collapsed to one space.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c,
        };
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

fn is_combining_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F)
}

/// True when every word of `query` starts a word of `haystack`, ignoring case and
/// diacritics. An empty query matches everything.
pub fn matches(query: &str, haystack: &str) -> bool {
    let hay = fold(haystack);
    let hay_words: Vec<&str> = hay.split(' ').collect();
    fold(query)
        .split(' ')
        .filter(|w| !w.is_empty())
        .all(|q| hay_words.iter().any(|h| h.starts_with(q)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_removes_every_vietnamese_diacritic() {
        assert_eq!(fold("Đăng ký tạm trú"), "dang ky tam tru");
        assert_eq!(fold("NGUYỄN Thị Ánh-Tuyết"), "nguyen thi anh tuyet");
        assert_eq!(fold("Ưởng ơi ễ"), "uong oi e");
    }

    #[test]
    fn search_ignores_case_and_diacritics() {
        assert!(matches("dang ky tam tru", "Đăng ký tạm trú"));
        assert!(matches("TAM TRU", "Đăng ký tạm trú"));
        assert!(matches("tạm", "Đăng ký tạm trú"));
        assert!(matches("khai sinh", "Đăng ký khai sinh"));
        assert!(!matches("thuong tru", "Đăng ký tạm trú"));
        assert!(matches("", "anything"));
    }

    #[test]
    fn search_matches_word_prefixes_not_inner_fragments() {
        assert!(matches("chung th", "Chứng thực bản sao"));
        assert!(!matches("ung", "Chứng thực"));
    }
}
