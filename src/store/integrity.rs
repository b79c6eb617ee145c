//! Whether the database file is intact, as SQLite itself checks it: the technician's self-test
//! asks the quick way at every start, the durability tests the thorough way after a kill.

use crate::store::{Store, StoreError};

/// How hard to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegrityCheck {
    /// `PRAGMA quick_check`: the structure, in about the time it takes to read the file.
    Quick,
    /// `PRAGMA integrity_check`: also every index against its table.
    Thorough,
}

impl Store {
    /// `None` when the file is intact, or SQLite's first complaint about it.
    pub fn integrity_problem(&self, how: IntegrityCheck) -> Result<Option<String>, StoreError> {
        let pragma = match how {
            IntegrityCheck::Quick => "PRAGMA quick_check",
            IntegrityCheck::Thorough => "PRAGMA integrity_check",
        };
        let first: String = self.conn.query_row(pragma, [], |r| r.get(0))?;
        Ok((first != "ok").then_some(first))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::dossier_store::tests::{draft, sealer};

    #[test]
    fn a_fresh_store_with_a_dossier_is_intact_both_ways() {
        let mut s = Store::open_in_memory(sealer()).unwrap();
        s.submit(&draft(1), &[], chrono::Utc::now()).unwrap();
        assert_eq!(s.integrity_problem(IntegrityCheck::Quick).unwrap(), None);
        assert_eq!(s.integrity_problem(IntegrityCheck::Thorough).unwrap(), None);
    }
}
