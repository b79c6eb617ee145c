//! Every string of the touchscreen has its Vietnamese translation, and no translation is left
//! over from a string that no longer exists.

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
