//! Typing into a one-line text box from the on-screen keyboard: Telex for Vietnamese, plain
//! letters otherwise, a length limit that refuses the key rather than cutting the text.

use crate::core::field::InputMode;
use crate::core::form::Key;
use crate::core::telex;

/// `text` after `key`, or `text` unchanged when the result would pass `limit` characters.
pub fn edit_text(text: &str, key: Key, mode: InputMode, limit: usize) -> String {
    let next = match key {
        Key::Clear => String::new(),
        Key::Backspace => telex::backspace(text),
        Key::Space => format!("{text} "),
        Key::Char(c) if mode == InputMode::Vietnamese => telex::apply_key(text, c),
        Key::Char(c) => format!("{text}{c}"),
    };
    if next.chars().count() <= limit {
        next
    } else {
        text.to_string()
    }
}
