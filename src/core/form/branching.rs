//! Which questions this resident is asked: a question on a branch (`when`) only after the
//! answer that opens it, never one the card answered; the count of questions ahead, the same
//! on every screen; and the stops, where an answer means the resident cannot go on yet.

use crate::core::answer::Answer;
use crate::core::field::{Field, FieldRole};
use crate::core::form::FormSession;
use crate::core::procedure::Procedure;
use crate::core::text::Text;
use std::collections::BTreeMap;

/// The id an answer to a pick question is compared by in conditions and stops.
pub(crate) fn pick_id(answer: &Answer) -> Option<&str> {
    match answer {
        Answer::Choice { id, .. } => Some(id),
        Answer::YesNo(true) => Some("yes"),
        Answer::YesNo(false) => Some("no"),
        _ => None,
    }
}

impl FormSession {
    /// Whether question `i` is on this resident's path: `Some(true)` or `Some(false)` once the
    /// answers it depends on are known, `None` while one of them is still to come.
    pub(super) fn on_path(&self, i: usize) -> Option<bool> {
        on_path(&self.procedure, &self.answers, i)
    }

    /// Whether question `i` is put to the resident: on their path and not answered by the card.
    pub(super) fn asked(&self, i: usize) -> bool {
        !self.from_card[i] && self.on_path(i) == Some(true)
    }

    /// The number of questions this resident is asked, counting a branch not chosen yet at
    /// its longest.
    pub(super) fn planned_questions(&self) -> usize {
        planned(&self.procedure, &self.answers, &self.from_card)
    }

    /// The stop message when the answer to question `i` is one its `stop` lists.
    pub(super) fn stop_for(&self, i: usize, answer: &Answer) -> Option<Text> {
        let stop = self.procedure.fields[i].stop.as_ref()?;
        let id = pick_id(answer)?;
        stop.is
            .iter()
            .any(|v| v == id)
            .then(|| stop.message.clone())
    }
}

fn on_path(procedure: &Procedure, answers: &[Option<Answer>], i: usize) -> Option<bool> {
    let Some(when) = &procedure.fields[i].when else {
        return Some(true);
    };
    // The catalogue check keeps `when.field` before `i`, so this recursion ends.
    let j = procedure.field_index(&when.field).filter(|j| *j < i)?;
    if !on_path(procedure, answers, j)? {
        return Some(false);
    }
    let answer = answers[j].as_ref()?;
    Some(pick_id(answer).is_some_and(|id| when.is.iter().any(|v| v == id)))
}

fn planned(procedure: &Procedure, answers: &[Option<Answer>], from_card: &[bool]) -> usize {
    let mut known = 0;
    // Questions waiting on an answer still to come, by that answer's question and value.
    let mut branches: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for (i, field) in procedure.fields.iter().enumerate() {
        if from_card.get(i).copied().unwrap_or(false) {
            continue;
        }
        match on_path(procedure, answers, i) {
            Some(true) => known += 1,
            Some(false) => {}
            None => {
                if let Some(when) = &field.when {
                    let counts = branches.entry(when.field.as_str()).or_default();
                    for v in &when.is {
                        *counts.entry(v.as_str()).or_default() += 1;
                    }
                }
            }
        }
    }
    known
        + branches
            .values()
            .map(|counts| counts.values().copied().max().unwrap_or(0))
            .sum::<usize>()
}

/// (questions asked without the card, questions asked when the card answers its part), before
/// any answer: what the information page promises.
pub fn question_counts(procedure: &Procedure) -> (usize, usize) {
    let none = vec![None; procedure.fields.len()];
    let without = planned(procedure, &none, &vec![false; procedure.fields.len()]);
    let by_card: Vec<bool> = procedure
        .fields
        .iter()
        .map(|f: &Field| f.role.is_some_and(|r| r != FieldRole::ContactPhone))
        .collect();
    (without, planned(procedure, &none, &by_card))
}
