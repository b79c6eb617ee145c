-- From this version the answers, the applicant's ID and the photographs are sealed to the
-- portal's public key (see src/sealing.rs). The Rust hook of this migration seals what older
-- versions stored in clear and then drops the clear applicant_id column; deleted content is
-- overwritten (secure_delete) so no clear copy stays in free pages.
PRAGMA secure_delete = ON;
