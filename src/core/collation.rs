//! Vietnamese alphabetical order (a ă â b c d đ e ê … o ô ơ … u ư …; tones after letters:
//! ngang, huyền, hỏi, ngã, sắc, nặng) for sorting procedures and place names.
//! Pure functions; the ordering is the one dictionaries and official lists use.

use std::cmp::Ordering;
use unicode_normalization::UnicodeNormalization;

const ALPHABET: &str = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz";

/// One letter split into its place in the alphabet and its tone (0 = none).
fn letter_key(base: char, modifier: Option<char>) -> u32 {
    let letter = match (base, modifier) {
        ('a', Some('\u{306}')) => 'ă',
        ('a', Some('\u{302}')) => 'â',
        ('e', Some('\u{302}')) => 'ê',
        ('o', Some('\u{302}')) => 'ô',
        ('o', Some('\u{31B}')) => 'ơ',
        ('u', Some('\u{31B}')) => 'ư',
        (c, _) => c,
    };
    // Spaces and punctuation first, then digits, then letters, then anything else.
    match ALPHABET.chars().position(|a| a == letter) {
        Some(i) => 200 + i as u32,
        None if letter.is_ascii_digit() => 100 + (letter as u32 - '0' as u32),
        None if letter.is_whitespace() || letter.is_ascii_punctuation() => letter as u32 % 100,
        None => 0x1000 + letter as u32,
    }
}

fn tone_rank(mark: char) -> Option<u8> {
    match mark {
        '\u{300}' => Some(1), // huyền
        '\u{309}' => Some(2), // hỏi
        '\u{303}' => Some(3), // ngã
        '\u{301}' => Some(4), // sắc
        '\u{323}' => Some(5), // nặng
        _ => None,
    }
}

/// A sort key: letters first (primary), then tones (secondary).
pub fn sort_key(s: &str) -> (Vec<u32>, Vec<u8>) {
    let mut letters = Vec::new();
    let mut tones = Vec::new();
    let lower = s.to_lowercase();
    let mut chars = lower.nfd().peekable();
    while let Some(c) = chars.next() {
        let mut modifier = None;
        let mut tone = 0;
        while let Some(&m) = chars.peek() {
            if let Some(t) = tone_rank(m) {
                tone = t;
            } else if matches!(m as u32, 0x0300..=0x036F) {
                modifier = Some(m);
            } else {
                break;
            }
            chars.next();
        }
        let c = if c == 'đ' { 'đ' } else { c };
        letters.push(letter_key(c, modifier));
        tones.push(tone);
    }
    (letters, tones)
}

/// Compares two strings in Vietnamese alphabetical order.
pub fn compare(a: &str, b: &str) -> Ordering {
    sort_key(a).cmp(&sort_key(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_with_marks_follow_their_base_letter() {
        let mut words = vec![
            "đa", "da", "ơi", "ôm", "om", "ưu", "uống", "ăn", "an", "ân", "bê",
        ];
        words.sort_by(|a, b| compare(a, b));
        assert_eq!(
            words,
            [
                "an", "ăn", "ân", "bê", "da", "đa", "om", "ôm", "ơi", "uống", "ưu"
            ]
        );
    }

    #[test]
    fn tones_order_after_letters_in_dictionary_order() {
        let mut words = vec!["má", "mạ", "mà", "ma", "mã", "mả", "mai"];
        words.sort_by(|a, b| compare(a, b));
        assert_eq!(words, ["ma", "mà", "mả", "mã", "má", "mạ", "mai"]);
    }

    #[test]
    fn digits_and_spaces_sort_before_letters() {
        let mut words = vec!["b", "a b", "ab", "9", "10"];
        words.sort_by(|a, b| compare(a, b));
        assert_eq!(words, ["10", "9", "a b", "ab", "b"]);
    }

    #[test]
    fn provinces_sort_as_in_official_lists() {
        let mut names = vec![
            "Đồng Nai",
            "Điện Biên",
            "Đà Nẵng",
            "Cà Mau",
            "Cao Bằng",
            "An Giang",
        ];
        names.sort_by(|a, b| compare(a, b));
        assert_eq!(
            names,
            [
                "An Giang",
                "Cà Mau",
                "Cao Bằng",
                "Đà Nẵng",
                "Điện Biên",
                "Đồng Nai"
            ]
        );
    }
}
