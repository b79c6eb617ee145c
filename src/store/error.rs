//! What can go wrong storing a dossier, said so that the UI can tell the resident and the
//! technician what to do, and whether trying again can help.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The disk (or the database's size limit) is full: free space, then retry.
    #[error("the storage is full; free disk space on the data partition and retry")]
    Full,
    /// The data directory or database file is read-only (mount, permissions).
    #[error("the database is read-only; check that the data partition is mounted read-write")]
    ReadOnly,
    /// The database file cannot be opened or created at that path.
    #[error("cannot open the database at {path}: {source}")]
    CannotOpen {
        path: String,
        source: rusqlite::Error,
    },
    /// The file is not a database, or it is damaged.
    #[error("the database file is damaged or is not a database: {0}")]
    Corrupt(rusqlite::Error),
    #[error("the database schema could not be upgraded: {0}")]
    Migration(String),
    /// Stored data that does not decode (written by a newer version?).
    #[error("stored data could not be read: {0}")]
    Decode(String),
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// The kiosk has no portal key to seal to (not provisioned, or a broken configuration):
    /// it takes no dossier until that is fixed.
    #[error("the kiosk is not set up to take dossiers: {0}")]
    NotSetUp(String),
    /// The store's writer thread is gone (the kiosk is shutting down).
    #[error("the storage thread has stopped")]
    Stopped,
}

impl StoreError {
    /// Whether the same operation may succeed later without a code change.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            StoreError::Full | StoreError::ReadOnly | StoreError::Sqlite(_)
        )
    }

    /// What the resident is told, in Vietnamese and English.
    pub fn message(&self) -> crate::core::text::Text {
        use crate::core::text::Text;
        match self {
            StoreError::Full => Text::new(
                "Bộ nhớ của máy đã đầy nên chưa lưu được hồ sơ. Các câu trả lời vẫn còn; vui lòng chạm Gọi hỗ trợ rồi bấm Nộp lại.",
                "The kiosk's storage is full, so the dossier was not saved. Your answers are kept; please call a helper, then press Submit again.",
            ),
            StoreError::NotSetUp(_) => Text::new(
                "Máy chưa được cài đặt để nhận hồ sơ nên hồ sơ chưa được lưu. Các câu trả lời vẫn còn; vui lòng chạm Gọi hỗ trợ.",
                "The kiosk is not set up to take dossiers yet, so the dossier was not saved. Your answers are kept; please call a helper.",
            ),
            _ => Text::new(
                "Máy chưa lưu được hồ sơ. Các câu trả lời vẫn còn; vui lòng bấm Nộp lại, hoặc chạm Gọi hỗ trợ.",
                "The kiosk could not save the dossier. Your answers are kept; please press Submit again or call a helper.",
            ),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => StoreError::Full,
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly,
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => StoreError::Corrupt(e),
            _ => StoreError::Sqlite(e),
        }
    }
}
