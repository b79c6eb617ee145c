//! The photos of papers taken in this session: one capture at a time, the camera's failure said
//! on screen, the photos kept by hash until the dossier is stored, and their bytes zeroed when
//! the session ends.

use crate::core::answer::AttachmentRef;
use crate::core::stored_dossier::StoredAttachment;
use crate::core::text::Text;
use std::collections::HashMap;

/// A photographed paper, encoded and hashed.
#[derive(Debug, Clone)]
pub struct Photo {
    pub reference: AttachmentRef,
    pub jpeg: Vec<u8>,
    /// A small RGB preview for the screen: (width, height, pixels).
    pub preview: (u32, u32, Vec<u8>),
}

#[cfg(test)]
impl Photo {
    /// A three-byte "photo" of `byte`s, its hash the byte in hex.
    pub fn sample(byte: u8) -> Photo {
        Photo {
            reference: AttachmentRef {
                sha256: format!("{byte:02x}"),
                mime: "image/jpeg".into(),
                bytes: 3,
            },
            jpeg: vec![byte; 3],
            preview: (1, 1, vec![byte; 3]),
        }
    }
}

#[derive(Debug, Default)]
pub struct Photos {
    /// By hash; their bytes go into the dossier at submit.
    taken: HashMap<String, Photo>,
    camera_busy: bool,
    error: Option<Text>,
}

impl Photos {
    /// "Take a photo": true when the camera is asked (not while it is already busy).
    pub fn take(&mut self) -> bool {
        if self.camera_busy {
            return false;
        }
        self.camera_busy = true;
        self.error = None;
        true
    }

    /// The camera's answer: the new photo's reference to attach, or the failure kept to say.
    pub fn taken(&mut self, result: Result<Photo, Text>) -> Option<AttachmentRef> {
        self.camera_busy = false;
        match result {
            Ok(photo) => {
                let reference = photo.reference.clone();
                self.taken.insert(reference.sha256.clone(), photo);
                Some(reference)
            }
            Err(message) => {
                self.error = Some(message);
                None
            }
        }
    }

    pub fn camera_busy(&self) -> bool {
        self.camera_busy
    }
    pub fn error(&self) -> Option<&Text> {
        self.error.as_ref()
    }
    /// The question changed: its photo error no longer applies.
    pub fn clear_error(&mut self) {
        self.error = None;
    }

    pub fn get(&self, reference: &AttachmentRef) -> Option<&Photo> {
        self.taken.get(&reference.sha256)
    }

    /// The bytes to store with the dossier, for the photos its answers refer to.
    pub fn attachments<'a>(
        &self,
        references: impl IntoIterator<Item = &'a AttachmentRef>,
    ) -> Vec<StoredAttachment> {
        references
            .into_iter()
            .filter_map(|r| self.get(r))
            .map(|p| StoredAttachment {
                reference: p.reference.clone(),
                bytes: p.jpeg.clone(),
            })
            .collect()
    }

    /// Zeroes every photo's bytes and forgets them (the session's end or its dossier stored).
    pub fn wipe(&mut self) {
        for photo in self.taken.values_mut() {
            photo.jpeg.fill(0);
            photo.preview.2.fill(0);
        }
        self.taken.clear();
        self.camera_busy = false;
        self.error = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(byte: u8) -> Photo {
        Photo::sample(byte)
    }

    #[test]
    fn one_capture_at_a_time_and_a_failure_is_kept_until_the_next_try() {
        let mut p = Photos::default();
        assert!(p.take());
        assert!(!p.take());
        assert!(
            p.taken(Err(Text::new("Không chụp được", "No photo")))
                .is_none()
        );
        assert!(!p.camera_busy());
        assert_eq!(p.error().unwrap().vi, "Không chụp được");
        assert!(p.take());
        assert!(p.error().is_none());
    }

    #[test]
    fn only_the_photos_the_answers_refer_to_go_with_the_dossier() {
        let mut p = Photos::default();
        p.take();
        let kept = p.taken(Ok(photo(1))).unwrap();
        p.take();
        p.taken(Ok(photo(2)));
        let stored = p.attachments([&kept]);
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].bytes, vec![1; 3]);
    }

    #[test]
    fn wiping_forgets_every_photo() {
        let mut p = Photos::default();
        p.take();
        let r = p.taken(Ok(photo(9))).unwrap();
        p.wipe();
        assert!(p.get(&r).is_none());
        assert!(p.attachments([&r]).is_empty());
    }
}
