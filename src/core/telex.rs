//! Telex composition for the on-screen keyboard: aa→â, aw→ă, ee→ê, oo→ô, ow→ơ, uw→ư, dd→đ,
//! tones s f r x j, z to clear the tone, with the tone placed by the modern rules (hoà, thuỷ).
//! Stateless: the text so far plus one key gives the new text, so a field can be edited after
//! going back to it. The syllable engine is the `vi` crate; this module only re-encodes the last
//! word as Telex keys and keeps its capitalisation.

/// Keys that compose rather than type when they follow a Vietnamese letter.
const TONE_KEYS: [(char, char); 5] = [
    ('\u{301}', 's'),
    ('\u{300}', 'f'),
    ('\u{309}', 'r'),
    ('\u{303}', 'x'),
    ('\u{323}', 'j'),
];

/// Applies one key of Telex input to `text` and returns the new text.
pub fn apply_key(text: &str, key: char) -> String {
    if !key.is_alphabetic() {
        let mut out = text.to_string();
        out.push(key);
        return out;
    }
    let split = text
        .char_indices()
        .rev()
        .find(|(_, c)| !c.is_alphabetic())
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0);
    let (prefix, word) = text.split_at(split);
    let mut raw = encode(word);
    raw.push(key);
    let mut composed = String::new();
    vi::transform_buffer(&vi::TELEX, raw.to_lowercase().chars(), &mut composed);
    let letters: Vec<char> = word.chars().chain(std::iter::once(key)).collect();
    format!("{prefix}{}", restore_case(&composed, &letters))
}

/// Applies a sequence of keys, as typed.
pub fn type_keys(text: &str, keys: &str) -> String {
    keys.chars().fold(text.to_string(), |t, k| apply_key(&t, k))
}

/// Removes the last character (the backspace key).
pub fn backspace(text: &str) -> String {
    let mut out = text.to_string();
    out.pop();
    out
}

/// Writes a composed word back as the Telex keys that produce it ("việt" → "vieetj").
pub fn encode(word: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::new();
    let mut tone = None;
    for c in word.nfd() {
        match c {
            'đ' => out.push_str("dd"),
            'Đ' => out.push_str("DD"),
            '\u{302}' => {
                if let Some(last) = out.chars().last() {
                    out.push(last);
                }
            }
            '\u{306}' | '\u{31B}' => out.push('w'),
            m => {
                if let Some((_, k)) = TONE_KEYS.iter().find(|(mark, _)| *mark == m) {
                    tone = Some(*k);
                } else {
                    out.push(m);
                }
            }
        }
    }
    if let Some(t) = tone {
        out.push(t);
    }
    out
}

/// Upper-cases the composed word the way the resident typed it: all capitals, or a capital
/// first letter, or all lower case.
fn restore_case(composed: &str, typed: &[char]) -> String {
    let letters: Vec<&char> = typed.iter().filter(|c| c.is_alphabetic()).collect();
    let all_upper = letters.len() > 1 && letters.iter().all(|c| c.is_uppercase());
    let first_upper = letters.first().is_some_and(|c| c.is_uppercase());
    if all_upper {
        composed.to_uppercase()
    } else if first_upper {
        let mut chars = composed.chars();
        match chars.next() {
            Some(f) => f.to_uppercase().chain(chars).collect(),
            None => String::new(),
        }
    } else {
        composed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vowel_and_consonant_marks() {
        assert_eq!(type_keys("", "aa"), "â");
        assert_eq!(type_keys("", "aw"), "ă");
        assert_eq!(type_keys("", "ee"), "ê");
        assert_eq!(type_keys("", "oo"), "ô");
        assert_eq!(type_keys("", "ow"), "ơ");
        assert_eq!(type_keys("", "uw"), "ư");
        assert_eq!(type_keys("", "dd"), "đ");
    }

    #[test]
    fn tones_and_clearing_with_z() {
        assert_eq!(type_keys("", "as"), "á");
        assert_eq!(type_keys("", "af"), "à");
        assert_eq!(type_keys("", "ar"), "ả");
        assert_eq!(type_keys("", "ax"), "ã");
        assert_eq!(type_keys("", "aj"), "ạ");
        assert_eq!(type_keys("", "vieetjz"), "viêt");
    }

    #[test]
    fn tone_goes_where_modern_rules_put_it() {
        assert_eq!(type_keys("", "hoaf"), "hoà");
        assert_eq!(type_keys("", "thuyr"), "thuỷ");
        assert_eq!(type_keys("", "nguowif"), "người");
        assert_eq!(type_keys("", "tuaanf"), "tuần");
        assert_eq!(type_keys("", "quas"), "quá");
        assert_eq!(type_keys("", "giaf"), "già");
    }

    #[test]
    fn whole_names_keep_their_capitals() {
        assert_eq!(
            type_keys("", "Nguyeenx Thij Minh Khai"),
            "Nguyễn Thị Minh Khai"
        );
        assert_eq!(type_keys("", "NGUYEENX VAWN AN"), "NGUYỄN VĂN AN");
        assert_eq!(type_keys("", "Ddoongf Thaps"), "Đồng Tháp");
    }

    #[test]
    fn a_tone_can_be_added_after_going_back_to_a_finished_word() {
        // The resident typed "viêt", left the field, came back and adds the tone.
        assert_eq!(apply_key("Tiếng viêt", 'j'), "Tiếng việt");
        assert_eq!(apply_key("việt", 'z'), "viêt");
    }

    #[test]
    fn encoding_round_trips_through_the_engine() {
        for word in [
            "việt",
            "người",
            "đường",
            "khoẻ",
            "thuỷ",
            "quá",
            "Đồng",
            "ươn",
            "hoà",
        ] {
            let mut composed = String::new();
            vi::transform_buffer(
                &vi::TELEX,
                encode(word).to_lowercase().chars(),
                &mut composed,
            );
            assert_eq!(
                composed,
                word.to_lowercase(),
                "word {word} encoded as {}",
                encode(word)
            );
        }
    }

    #[test]
    fn backspace_removes_one_visible_letter() {
        assert_eq!(backspace("việt"), "việ");
        assert_eq!(backspace(""), "");
    }

    #[test]
    fn digits_and_punctuation_pass_through() {
        assert_eq!(type_keys("", "so 12/3, ngox 4"), "so 12/3, ngõ 4");
    }
}
