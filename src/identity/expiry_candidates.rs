//! The access key without typing: a CCCD has no MRZ on its front, so the expiry date in the
//! BAC key must be derived. A card runs to the holder's next renewal birthday — 14th, 25th,
//! 40th or 60th (Luật Căn cước 2023 art. 21; 25/40/60 under the 2014 law) — and one issued
//! within two years before a milestone runs to the one after; a card issued within two years
//! before the 60th (from 58) has no expiry. This module lists the expiry fields to try, most
//! likely first. Pure date arithmetic.

use chrono::{Datelike, Months, NaiveDate};

/// Renewal ages.
pub const MILESTONES: [u32; 4] = [14, 25, 40, 60];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    On(NaiveDate),
    /// "Không thời hạn".
    Never,
}

/// How the MRZ fills the expiry of a card without one. Not published for the CCCD: fillers
/// (`<<<<<<`, ICAO's "no date") are tried first, then the `991231` some issuers use.
pub const NO_EXPIRY_ENCODINGS: [&str; 2] = ["<<<<<<", "991231"];

/// The holder's birthday in the year they turn `age` (29 February falls on 28 February).
pub fn birthday_at(birth: NaiveDate, age: u32) -> Option<NaiveDate> {
    birth.checked_add_months(Months::new(age * 12))
}

/// The expiry the rules give a card issued on `issue`.
pub fn expiry_for_issue(birth: NaiveDate, issue: NaiveDate) -> Expiry {
    for (i, age) in MILESTONES.iter().enumerate() {
        let Some(milestone) = birthday_at(birth, *age) else {
            continue;
        };
        if milestone <= issue {
            continue;
        }
        let two_years_before = milestone
            .checked_sub_months(Months::new(24))
            .unwrap_or(milestone);
        if issue >= two_years_before {
            return match MILESTONES
                .get(i + 1)
                .and_then(|next| birthday_at(birth, *next))
            {
                Some(next) => Expiry::On(next),
                None => Expiry::Never,
            };
        }
        return Expiry::On(milestone);
    }
    Expiry::Never
}

/// Expiries to try, most likely first: the one the rules give for the issue date (when the QR
/// gave it), then the milestones still ahead (nearest first), then those passed (an expired
/// card still opens), then "no expiry".
pub fn candidates(birth: NaiveDate, issue: Option<NaiveDate>, today: NaiveDate) -> Vec<Expiry> {
    let mut out = Vec::new();
    if let Some(issue) = issue {
        out.push(expiry_for_issue(birth, issue));
    }
    let milestones: Vec<NaiveDate> = MILESTONES
        .iter()
        .filter_map(|age| birthday_at(birth, *age))
        .collect();
    let age_now = today.year() - birth.year();
    let mut ahead: Vec<NaiveDate> = milestones.iter().copied().filter(|d| *d > today).collect();
    let mut passed: Vec<NaiveDate> = milestones.iter().copied().filter(|d| *d <= today).collect();
    ahead.sort();
    passed.sort_by(|a, b| b.cmp(a));
    if age_now >= 58 {
        out.push(Expiry::Never);
    }
    out.extend(ahead.into_iter().map(Expiry::On));
    out.extend(passed.into_iter().map(Expiry::On));
    out.push(Expiry::Never);
    let mut seen = Vec::new();
    out.retain(|e| {
        let new = !seen.contains(e);
        seen.push(*e);
        new
    });
    out
}

/// The MRZ expiry fields (YYMMDD) for a list of candidates, "no expiry" in each encoding.
pub fn mrz_fields(candidates: &[Expiry]) -> Vec<String> {
    let mut out = Vec::new();
    for c in candidates {
        match c {
            Expiry::On(d) => out.push(d.format("%y%m%d").to_string()),
            Expiry::Never => out.extend(NO_EXPIRY_ENCODINGS.iter().map(|s| s.to_string())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_renewal_rules() {
        let birth = d("1993-01-15");
        // Issued at 28: runs to the 40th birthday.
        assert_eq!(
            expiry_for_issue(birth, d("2021-04-10")),
            Expiry::On(d("2033-01-15"))
        );
        // Issued at 23½, more than two years before 25: runs to 25.
        let ngoc = d("2001-07-02");
        assert_eq!(
            expiry_for_issue(ngoc, d("2024-03-01")),
            Expiry::On(d("2026-07-02"))
        );
        // Issued within two years before 25: runs to 40.
        assert_eq!(
            expiry_for_issue(ngoc, d("2024-09-10")),
            Expiry::On(d("2041-07-02"))
        );
        // Exactly two years before counts as within.
        assert_eq!(
            expiry_for_issue(ngoc, d("2024-07-02")),
            Expiry::On(d("2041-07-02"))
        );
        // A child's card issued at 13, within two years of 14: runs to 25.
        assert_eq!(
            expiry_for_issue(d("2010-09-09"), d("2024-08-01")),
            Expiry::On(d("2035-09-09"))
        );
        // Issued at 59 (after 58): no expiry. Issued at 57: runs to 60.
        assert_eq!(
            expiry_for_issue(d("1962-03-08"), d("2021-05-05")),
            Expiry::Never
        );
        assert_eq!(
            expiry_for_issue(d("1962-03-08"), d("2019-01-01")),
            Expiry::On(d("2022-03-08"))
        );
        // Issued after 60: no expiry.
        assert_eq!(
            expiry_for_issue(d("1950-01-01"), d("2021-01-01")),
            Expiry::Never
        );
        // 29 February.
        assert_eq!(birthday_at(d("2000-02-29"), 25), Some(d("2025-02-28")));
    }

    #[test]
    fn candidates_start_with_the_rules_then_cover_every_milestone() {
        let today = d("2026-11-24");
        let c = candidates(d("2001-07-02"), Some(d("2024-09-10")), today);
        assert_eq!(c[0], Expiry::On(d("2041-07-02")));
        // Without the issue date: the milestones ahead first (nearest first), then passed.
        let c = candidates(d("2001-07-02"), None, today);
        assert_eq!(
            c,
            [
                Expiry::On(d("2041-07-02")),
                Expiry::On(d("2061-07-02")),
                Expiry::On(d("2026-07-02")),
                Expiry::On(d("2015-07-02")),
                Expiry::Never
            ]
        );
        // Someone of 64: "no expiry" goes first.
        let c = candidates(d("1962-03-08"), None, today);
        assert_eq!(c[0], Expiry::Never);
        assert_eq!(mrz_fields(&c[..1]), ["<<<<<<", "991231"]);
        assert_eq!(mrz_fields(&[Expiry::On(d("2033-01-15"))]), ["330115"]);
    }
}
