-- The signed receipt given to the resident (text form, see src/receipt.rs); it holds no
-- personal data: ids, code, a hash of the sealed content, time, kiosk.
ALTER TABLE dossiers ADD COLUMN receipt TEXT;
