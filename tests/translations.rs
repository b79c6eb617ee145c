//! Every string of the touchscreen has its Vietnamese translation, no translation is left over
//! from a string that no longer exists, and what a resident reads or hears follows the glossary
//! (`docs/glossary.md`): none of its forbidden words, and every catalogue question a question.

use std::collections::BTreeSet;

fn slint_strings() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/ui"
    ))];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "slint") {
                let text = std::fs::read_to_string(&path).unwrap();
                for piece in text.split("@tr(\"").skip(1) {
                    let end = piece.find('"').unwrap();
                    found.insert(piece[..end].to_string());
                }
            }
        }
    }
    found
}

fn po_entries() -> Vec<(String, String)> {
    let text = include_str!("../assets/translations/vi/LC_MESSAGES/xakiosk.po");
    let unquote = |s: &str| {
        s.trim()
            .trim_matches('"')
            .replace("\\\"", "\"")
            .replace("\\\\", "\\")
    };
    let mut entries = Vec::new();
    let mut msgid = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("msgid ") {
            msgid = Some(unquote(rest));
        } else if let Some(rest) = line.strip_prefix("msgstr ")
            && let Some(id) = msgid.take()
            && !id.is_empty()
        {
            entries.push((id, unquote(rest)));
        }
    }
    entries
}

#[test]
fn every_ui_string_has_a_vietnamese_translation() {
    let translated: BTreeSet<String> = po_entries()
        .into_iter()
        .filter(|(_, s)| !s.is_empty())
        .map(|(id, _)| id)
        .collect();
    let missing: Vec<_> = slint_strings().difference(&translated).cloned().collect();
    assert!(missing.is_empty(), "untranslated: {missing:#?}");
}

#[test]
fn no_translation_is_left_over_and_placeholders_match() {
    let strings = slint_strings();
    for (id, vi) in po_entries() {
        assert!(strings.contains(&id), "stale translation: {id}");
        assert_eq!(
            id.matches("{}").count(),
            vi.matches("{}").count(),
            "placeholders differ: {id}"
        );
    }
}

/// The forbidden terms: the first cell of each row of the table under "## Forbidden" in the
/// glossary, written between backticks.
fn forbidden_terms() -> Vec<String> {
    let glossary = include_str!("../docs/glossary.md");
    let section = glossary
        .split("\n## ")
        .find(|s| s.starts_with("Forbidden"))
        .expect("docs/glossary.md has a '## Forbidden' section");
    let terms: Vec<String> = section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once('`'))
        .map(|(term, _)| term.to_lowercase())
        .collect();
    assert!(terms.len() >= 5, "the glossary's forbidden table is empty");
    terms
}

/// Where `term` occurs in `text` as whole words (a letter neither just before nor just after),
/// ignoring case.
fn contains_words(text: &str, term: &str) -> bool {
    let text = text.to_lowercase();
    text.match_indices(term).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + term.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The string literals of a Rust or Slint source that contain a letter outside ASCII: the
/// Vietnamese ones (English text and identifiers are not the glossary's business).
fn vietnamese_literals(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut chars = source.chars().peekable();
    let mut in_comment = false;
    let mut previous = ' ';
    while let Some(c) = chars.next() {
        if in_comment {
            in_comment = c != '\n';
        } else if c == '/' && chars.peek() == Some(&'/') {
            in_comment = true;
        } else if c == '"' && previous != '\'' {
            let mut literal = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => break,
                    c => literal.push(c),
                }
            }
            if !literal.is_ascii() {
                found.push(literal);
            }
        }
        previous = c;
    }
    found
}

fn files_under(dir: &str, extension: &str, skip: &[&str]) -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    let mut stack = vec![root.join(dir)];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if skip.iter().any(|s| relative.starts_with(s)) {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == extension) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Every piece of text a resident can read or hear, with where it comes from.
fn resident_texts() -> Vec<(String, String)> {
    let mut texts: Vec<(String, String)> = po_entries()
        .into_iter()
        .map(|(id, vi)| (format!("xakiosk.po: {id}"), vi))
        .collect();
    for path in files_under("assets/procedures", "toml", &[]) {
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            if !line.trim_start().starts_with('#') {
                texts.push((format!("{}:{}", path.display(), n + 1), line.to_string()));
            }
        }
    }
    // The officers' portal speaks to officers, and the tests quote words to forbid them.
    let skip = ["src/portal", "src/tools/demo/portal_sync.rs"];
    for (dir, extension) in [("src", "rs"), ("ui", "slint")] {
        for path in files_under(dir, extension, &skip) {
            let text = std::fs::read_to_string(&path).unwrap();
            for literal in vietnamese_literals(&text) {
                texts.push((path.display().to_string(), literal));
            }
        }
    }
    texts
}

#[test]
fn residents_meet_none_of_the_glossarys_forbidden_words() {
    let terms = forbidden_terms();
    let mut offences = Vec::new();
    for (place, text) in resident_texts() {
        for term in &terms {
            if contains_words(&text, term) {
                offences.push(format!("'{term}' in {place}: {text}"));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "words the glossary forbids (docs/glossary.md):\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_forbidden_word_check_sees_whole_words_in_literals_only() {
    assert!(contains_words("Hồ sơ của Bạn đã lưu", "bạn"));
    assert!(!contains_words("Bản sao", "bạn"));
    assert!(!contains_words("bạnbè", "bạn"));
    let source = "// Máy của bạn\nlet a = \"Chào bạn\"; let b = \"ascii\"; let c = '\"';";
    assert_eq!(vietnamese_literals(source), vec!["Chào bạn".to_string()]);
}

#[test]
fn every_catalogue_question_is_phrased_as_a_question() {
    let sources: Vec<(String, String)> = files_under("assets/procedures", "toml", &[])
        .into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    let (catalogue, problems) = xakiosk::core::catalogue::Catalogue::from_sources(
        sources.iter().map(|(f, t)| (f.as_str(), t.as_str())),
    );
    assert!(problems.is_empty(), "{problems:?}");
    assert!(!catalogue.procedures().is_empty());
    let mut bare = Vec::new();
    for procedure in catalogue.procedures() {
        for field in &procedure.fields {
            let vi = field.label.vi.trim();
            let photo = matches!(field.kind, xakiosk::core::field::FieldKind::Attachment);
            let fine = if photo {
                vi.starts_with("Chụp ảnh")
            } else {
                vi.ends_with('?') && field.label.en.trim().ends_with('?')
            };
            if !fine {
                bare.push(format!(
                    "{} / {}: {vi} | {}",
                    procedure.id, field.id, field.label.en
                ));
            }
        }
    }
    assert!(
        bare.is_empty(),
        "questions must end with '?' in both languages, photo steps start with 'Chụp ảnh' \
         (docs/glossary.md):\n{}",
        bare.join("\n")
    );
}
