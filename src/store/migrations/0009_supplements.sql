-- "Bổ sung tại máy": a supplement is a dossier that names the dossier it completes, and the
-- office's structured request for more (JSON: what, fields, due) is kept with its status event.
ALTER TABLE dossiers ADD COLUMN supplements TEXT;
CREATE INDEX dossiers_by_supplements ON dossiers (supplements);
ALTER TABLE dossier_events ADD COLUMN request TEXT;
