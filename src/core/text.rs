//! Bilingual text (Vietnamese first, English second) and the kiosk's display language.
//! Owns no translations of the UI chrome (those live in `assets/translations/`); this is for
//! text that comes from data (procedure catalogue) or from the core (validation messages).

use serde::{Deserialize, Serialize};

/// The language a resident chose on the home screen. Vietnamese is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// The locale tag used for bundled UI translations.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Lang> {
        match tag.trim().to_ascii_lowercase().as_str() {
            "vi" | "vi-vn" => Some(Lang::Vi),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }
}

/// A piece of text in both languages. In the catalogue it is written `{ vi = "…", en = "…" }`;
/// `en` may be left out, in which case the Vietnamese text is shown in English mode too.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Text {
    pub vi: String,
    #[serde(default)]
    pub en: String,
}

impl Text {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            vi: vi.into(),
            en: en.into(),
        }
    }

    /// The text in `lang`, falling back to Vietnamese where no English is given.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En if !self.en.is_empty() => &self.en,
            _ => &self.vi,
        }
    }
}

impl std::fmt::Display for Text {
    /// Displays the Vietnamese text (the CLI prints English explicitly with `get`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.vi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_falls_back_to_vietnamese_when_missing() {
        let t = Text::new("Khai sinh", "");
        assert_eq!(t.get(Lang::En), "Khai sinh");
        let t = Text::new("Khai sinh", "Birth registration");
        assert_eq!(t.get(Lang::En), "Birth registration");
        assert_eq!(t.get(Lang::Vi), "Khai sinh");
    }

    #[test]
    fn language_tags_round_trip() {
        for lang in [Lang::Vi, Lang::En] {
            assert_eq!(Lang::from_tag(lang.tag()), Some(lang));
        }
        assert_eq!(Lang::from_tag("fr"), None);
    }
}
