//! The procedure catalogue: parses procedure files (TOML, schema in
//! `assets/procedures/SCHEMA.md`), checks them, and searches them. A broken file never
//! stops the kiosk: it is skipped and reported with its file name and line. Pure: the caller
//! reads the files and passes their text.

use crate::core::collation;
use crate::core::field::{FieldKind, FieldRole};
use crate::core::fold;
use crate::core::procedure::Procedure;
use crate::core::text::Lang;
use std::collections::HashSet;
use std::sync::Arc;

/// A procedure file that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueProblem {
    pub file: String,
    /// 1-based line of the problem, when known.
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for CatalogueProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    procedures: Vec<Arc<Procedure>>,
}

impl Catalogue {
    /// Builds the catalogue from `(file name, file text)` pairs. Returns the procedures that
    /// parsed and checked, in Vietnamese alphabetical order, and a problem for every file
    /// that did not.
    pub fn from_sources<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> (Catalogue, Vec<CatalogueProblem>) {
        let mut procedures: Vec<Arc<Procedure>> = Vec::new();
        let mut problems = Vec::new();
        for (file, text) in sources {
            match parse_procedure(text) {
                Ok(p) if procedures.iter().any(|q| q.id == p.id) => {
                    problems.push(CatalogueProblem {
                        file: file.to_string(),
                        line: None,
                        message: format!("procedure id '{}' is already used by another file", p.id),
                    })
                }
                Ok(p) => procedures.push(Arc::new(p)),
                Err((line, message)) => problems.push(CatalogueProblem {
                    file: file.to_string(),
                    line,
                    message,
                }),
            }
        }
        procedures.sort_by_cached_key(|p| collation::sort_key(&p.name.vi));
        (Catalogue { procedures }, problems)
    }

    pub fn procedures(&self) -> &[Arc<Procedure>] {
        &self.procedures
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Procedure>> {
        self.procedures.iter().find(|p| p.id == id)
    }

    /// Procedures whose name or summary (in either language) matches `query`, ignoring
    /// case and diacritics; names that match come first.
    pub fn search(&self, query: &str, lang: Lang) -> Vec<Arc<Procedure>> {
        let mut by_name = Vec::new();
        let mut by_summary = Vec::new();
        for p in &self.procedures {
            if fold::matches(query, &p.name.vi) || fold::matches(query, p.name.get(lang)) {
                by_name.push(p.clone());
            } else if fold::matches(query, &p.summary.vi)
                || fold::matches(query, p.summary.get(lang))
            {
                by_summary.push(p.clone());
            }
        }
        by_name.extend(by_summary);
        by_name
    }
}

/// Parses and checks one procedure; errors carry a line number where TOML gives one.
fn parse_procedure(text: &str) -> Result<Procedure, (Option<usize>, String)> {
    let procedure: Procedure = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        (line, e.message().to_string())
    })?;
    check(&procedure).map_err(|m| (None, m))?;
    Ok(procedure)
}

/// The 1-based line holding byte `offset` of `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Rules the TOML schema alone cannot express.
fn check(p: &Procedure) -> Result<(), String> {
    if p.id.trim().is_empty() || p.name.vi.trim().is_empty() {
        return Err("a procedure needs an id and a Vietnamese name".into());
    }
    if p.fields.is_empty() {
        return Err("a procedure needs at least one field".into());
    }
    if let Some(by) = &p.office_by
        && by != crate::core::office::KIOSK_COMMUNE
        && !p
            .fields
            .iter()
            .any(|f| &f.id == by && matches!(f.kind, FieldKind::Address))
    {
        return Err(format!(
            "office_by must be \"kiosk\" or name an address field of the procedure, not '{by}'"
        ));
    }
    let mut seen = HashSet::new();
    for f in &p.fields {
        if !seen.insert(f.id.as_str()) {
            return Err(format!("field id '{}' appears twice", f.id));
        }
        if let FieldKind::Choice { options } = &f.kind
            && options.len() < 2
        {
            return Err(format!(
                "choice field '{}' needs at least two options",
                f.id
            ));
        }
        if let FieldKind::Date {
            birth_date_of: Some(id_field),
            ..
        } = &f.kind
        {
            let earlier = p
                .fields
                .iter()
                .take_while(|g| g.id != f.id)
                .any(|g| &g.id == id_field && g.kind == FieldKind::PersonalId);
            if !earlier {
                return Err(format!(
                    "date field '{}': birth_date_of must name an earlier personal_id field",
                    f.id
                ));
            }
        }
        if let FieldKind::Number {
            min, max, quick, ..
        } = &f.kind
        {
            if min > max {
                return Err(format!("number field '{}' has min > max", f.id));
            }
            if let Some(q) = quick.iter().find(|q| !(min..=max).contains(q)) {
                return Err(format!(
                    "number field '{}': quick answer {q} is outside {min}..={max}",
                    f.id
                ));
            }
        }
        if let FieldKind::Date {
            allow_future: false,
            quick_days,
            ..
        } = &f.kind
            && quick_days.iter().any(|d| *d > 0)
        {
            return Err(format!(
                "date field '{}': a quick date after today needs allow_future = true",
                f.id
            ));
        }
        check_branch(p, f)?;
    }
    for paper in &p.papers {
        for id in &paper.photographed_by {
            let attachment = p
                .fields
                .iter()
                .any(|f| &f.id == id && f.kind == FieldKind::Attachment);
            if !attachment {
                return Err(format!(
                    "paper '{}': photographed_by names '{id}', not an attachment field",
                    paper.name.vi
                ));
            }
        }
    }
    let applicant = p.field_with_role(FieldRole::ApplicantId).ok_or_else(|| {
        "the applicant's personal ID is the dossier key: one field needs role = \"applicant_id\"".to_string()
    })?;
    let f = &p.fields[applicant];
    if f.kind != FieldKind::PersonalId || !f.required {
        return Err(format!(
            "field '{}' with role applicant_id must be a required personal_id",
            f.id
        ));
    }
    Ok(())
}

/// A condition names an earlier pick question and values it can have; a stop, values of its
/// own question; the applicant's ID is asked of everyone.
fn check_branch(p: &Procedure, f: &crate::core::field::Field) -> Result<(), String> {
    let known = |field: &crate::core::field::Field, values: &[String], what: &str| {
        let ids = field
            .pick_ids()
            .ok_or_else(|| format!("field '{}': {what} needs a choice or yes_no field", f.id))?;
        match values.iter().find(|v| !ids.contains(&v.as_str())) {
            Some(v) => Err(format!(
                "field '{}': {what} names '{v}', not an answer of '{}' ({})",
                f.id,
                field.id,
                ids.join(", ")
            )),
            None if values.is_empty() => Err(format!("field '{}': {what} lists no answer", f.id)),
            None => Ok(()),
        }
    };
    if let Some(when) = &f.when {
        let earlier = p
            .fields
            .iter()
            .take_while(|g| g.id != f.id)
            .find(|g| g.id == when.field)
            .ok_or_else(|| {
                format!(
                    "field '{}': when.field must name an earlier field, not '{}'",
                    f.id, when.field
                )
            })?;
        known(earlier, &when.is, "when")?;
        if f.role == Some(FieldRole::ApplicantId) {
            return Err(format!(
                "field '{}': the applicant's ID is asked of everyone (no when)",
                f.id
            ));
        }
    }
    if let Some(stop) = &f.stop {
        known(f, &stop.is, "stop")?;
        if stop.message.vi.trim().is_empty() {
            return Err(format!("field '{}': the stop needs a message", f.id));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "tam-tru"
version = 1
name = { vi = "Đăng ký tạm trú", en = "Temporary residence registration" }
summary = { vi = "Đăng ký nơi ở tạm thời", en = "Register where you stay" }
authority = { vi = "Công an cấp xã", en = "Commune police" }
fee = { amount_vnd = 7000 }
processing = { working_days = 3 }

[[fields]]
id = "applicant_id"
label = { vi = "Số định danh cá nhân", en = "Personal ID" }
kind = "personal_id"
role = "applicant_id"
"#;

    #[test]
    fn a_good_file_loads() {
        let (cat, problems) = Catalogue::from_sources([("tam-tru.toml", GOOD)]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(cat.procedures().len(), 1);
        assert_eq!(cat.get("tam-tru").unwrap().fee_text().vi, "7.000 đ");
    }

    #[test]
    fn a_malformed_file_is_skipped_with_its_line_and_the_rest_load() {
        let broken = "id = \"x\"\nversion = 1\nname = { vi = \"X\" \n";
        let (cat, problems) =
            Catalogue::from_sources([("broken.toml", broken), ("tam-tru.toml", GOOD)]);
        assert_eq!(cat.procedures().len(), 1);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].file, "broken.toml");
        assert_eq!(problems[0].line, Some(3));
    }

    #[test]
    fn a_procedure_without_an_applicant_id_is_refused() {
        let text = GOOD.replace("role = \"applicant_id\"", "");
        let (cat, problems) = Catalogue::from_sources([("x.toml", text.as_str())]);
        assert!(cat.procedures().is_empty());
        assert!(problems[0].message.contains("applicant_id"));
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let (cat, problems) = Catalogue::from_sources([("a.toml", GOOD), ("b.toml", GOOD)]);
        assert_eq!(cat.procedures().len(), 1);
        assert_eq!(problems[0].file, "b.toml");
    }

    #[test]
    fn unknown_field_kinds_report_a_line() {
        let text = GOOD.replace("kind = \"personal_id\"", "kind = \"fingerprint\"");
        let (_, problems) = Catalogue::from_sources([("x.toml", text.as_str())]);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].line.is_some(), "{:?}", problems[0]);
    }

    #[test]
    fn search_ignores_diacritics_in_both_languages() {
        let (cat, _) = Catalogue::from_sources([("tam-tru.toml", GOOD)]);
        assert_eq!(cat.search("dang ky tam tru", Lang::Vi).len(), 1);
        assert_eq!(cat.search("temporary", Lang::En).len(), 1);
        assert_eq!(cat.search("khai sinh", Lang::Vi).len(), 0);
    }

    #[test]
    fn branches_must_name_earlier_picks_and_their_answers() {
        let housing = r#"
[[fields]]
id = "housing"
label = { vi = "Nhà của ai?" }
kind = "choice"
options = [{ id = "rent", label = { vi = "Nhà thuê" } }, { id = "own", label = { vi = "Nhà của tôi" } }]
"#;
        let consent = |when: &str, stop: &str| {
            format!(
                "{GOOD}{housing}\n[[fields]]\nid = \"consent\"\nlabel = {{ vi = \"Chủ nhà đồng ý chưa?\" }}\nkind = \"yes_no\"\nwhen = {when}\nstop = {stop}\n"
            )
        };
        let good_stop = r#"{ is = ["no"], message = { vi = "Cần chủ nhà đồng ý trước." } }"#;
        let ok = consent(r#"{ field = "housing", is = ["rent"] }"#, good_stop);
        let (cat, problems) = Catalogue::from_sources([("x.toml", ok.as_str())]);
        assert!(problems.is_empty(), "{problems:?}");
        let consent_field = &cat.get("tam-tru").unwrap().fields[2];
        assert_eq!(consent_field.when.as_ref().unwrap().is, ["rent"]);
        for (when, stop, says) in [
            (
                r#"{ field = "housing", is = ["relatives"] }"#,
                good_stop,
                "'relatives'",
            ),
            (
                r#"{ field = "later", is = ["rent"] }"#,
                good_stop,
                "earlier field",
            ),
            (
                r#"{ field = "applicant_id", is = ["x"] }"#,
                good_stop,
                "choice or yes_no",
            ),
            (
                r#"{ field = "housing", is = [] }"#,
                good_stop,
                "lists no answer",
            ),
            (
                r#"{ field = "housing", is = ["rent"] }"#,
                r#"{ is = ["maybe"], message = { vi = "x" } }"#,
                "'maybe'",
            ),
        ] {
            let text = consent(when, stop);
            let (cat, problems) = Catalogue::from_sources([("x.toml", text.as_str())]);
            assert!(cat.procedures().is_empty(), "{when} {stop}");
            assert!(problems[0].message.contains(says), "{:?}", problems[0]);
        }
    }

    #[test]
    fn quick_answers_must_be_answers_the_field_accepts() {
        let field = |kind: &str| {
            format!("{GOOD}\n[[fields]]\nid = \"q\"\nlabel = {{ vi = \"Q\" }}\n{kind}\n")
        };
        for (kind, ok) in [
            (
                "kind = \"number\"\nmin = 1\nmax = 24\nquick = [3, 6, 12, 24]",
                true,
            ),
            ("kind = \"number\"\nmin = 1\nmax = 24\nquick = [36]", false),
            ("kind = \"date\"\nquick_days = [0, -1]", true),
            ("kind = \"date\"\nquick_days = [1]", false),
            (
                "kind = \"date\"\nallow_future = true\nquick_days = [1]",
                true,
            ),
        ] {
            let text = field(kind);
            let (cat, problems) = Catalogue::from_sources([("x.toml", text.as_str())]);
            assert_eq!(problems.is_empty(), ok, "{kind}: {problems:?}");
            assert_eq!(cat.procedures().len(), usize::from(ok));
        }
    }
}
