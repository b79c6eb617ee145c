//! The running kiosk put together: what is loaded before the first frame (`startup`, `assets`,
//! `catalogue_install`), the devices chosen from the configuration (`device_set`), the effects
//! that run the session's commands on those devices, the sync service, and `run`, the one
//! place where all of it is wired to the window.

pub mod admin_actions;
pub mod assets;
pub mod builtin_portal;
pub mod catalogue_install;
pub mod device_set;
pub mod effects;
pub mod kiosk;
pub mod run;
pub mod selftest;
pub mod startup;
pub mod sync_service;
pub mod test_page;
pub mod update_download;
pub mod update_watch;
pub mod voice_guide;
