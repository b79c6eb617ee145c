//! Which screen of the kiosk is up: the one fact every adapter and the voice read first.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Home,
    Procedures,
    ProcedureInfo,
    Question,
    Review,
    Done,
    Lookup,
    Help,
    /// Before the questions: QR code, chip card, result.
    Identity,
    /// After "Finish": how satisfied the resident was.
    Rating,
    /// A community tech-team member signs in (name, then PIN).
    AssistSignIn,
    /// The resident agrees that the helper acts for them.
    AssistConsent,
    /// The technician's screen (PIN, health, queue, maintenance).
    Admin,
}
