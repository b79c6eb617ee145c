-- Where the resident is told to go: the commune (units code) whose office decides the dossier,
-- known at submit (from the procedure's deciding address, or the kiosk's own commune). A place,
-- not a person: kept in clear so the lookup and a reprint can say the office's address.
ALTER TABLE dossiers ADD COLUMN office_commune TEXT;
