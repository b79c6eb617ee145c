-- Retention: the sealed answers and photos of a dossier the portal has held long enough are
-- deleted from the kiosk (its code, status history and receipt stay, for look-ups and
-- reprints). When that happened; NULL while the content is still here.
ALTER TABLE dossiers ADD COLUMN content_deleted_at TEXT;
