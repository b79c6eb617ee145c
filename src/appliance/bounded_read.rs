//! Reads a small text file someone else wrote (the kiosk's requests read by root, root's
//! reports read by the kiosk): never more than a bound, so a huge or endless file cannot
//! exhaust memory. One place for what every such reader needs.

use std::io::Read;
use std::path::Path;

/// Why a small file was not read.
#[derive(Debug, thiserror::Error)]
pub enum BoundedReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("larger than {0} bytes")]
    TooLarge(u64),
}

/// The text at `path`, refused when it holds more than `max` bytes.
pub fn read(path: &Path, max: u64) -> Result<String, BoundedReadError> {
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > max {
        return Err(BoundedReadError::TooLarge(max));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_up_to_the_bound_is_read_and_a_larger_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("note");
        std::fs::write(&path, "x".repeat(10)).unwrap();
        assert_eq!(read(&path, 10).unwrap(), "x".repeat(10));
        assert!(matches!(read(&path, 9), Err(BoundedReadError::TooLarge(9))));
        assert!(matches!(
            read(&dir.path().join("absent"), 10),
            Err(BoundedReadError::Io(_))
        ));
    }
}
