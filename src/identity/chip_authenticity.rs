//! The second verdict of a chip read, beside passive authentication's on the data: whether the
//! chip itself is the one the issuer made. "Genuine" when it proved it holds the private key
//! whose public half the issuer signed (chip authentication, DG14); "clone suspected" when it
//! could not use that key — the signed data copied onto another chip; "not proven" when the
//! card offers no such proof (older cards), or one not run here, or refused it. Data only.

/// Whether the chip proved it is genuine.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ChipAuthenticity {
    /// The chip used the private key of the key signed in DG14.
    Genuine { method: String },
    /// The card offers no proof (no DG14): older cards. Not proven, but nothing is amiss.
    NotOffered,
    /// The card offers a proof that was not run here or that the chip refused; `reason`
    /// says which.
    NotProven { reason: String },
    /// The chip could not use the key its signed data names.
    CloneSuspected { reason: String },
}

impl ChipAuthenticity {
    /// A short stable code for logs, metrics and the sealed dossier.
    pub fn code(&self) -> &'static str {
        match self {
            ChipAuthenticity::Genuine { .. } => "chip_genuine",
            ChipAuthenticity::NotOffered => "chip_not_offered",
            ChipAuthenticity::NotProven { .. } => "chip_not_proven",
            ChipAuthenticity::CloneSuspected { .. } => "chip_clone_suspected",
        }
    }

    pub fn is_genuine(&self) -> bool {
        matches!(self, ChipAuthenticity::Genuine { .. })
    }
}
