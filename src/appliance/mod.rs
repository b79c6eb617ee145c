//! The kiosk as an appliance in a cabinet: its pins at work (`cabinet`), the health facts it
//! reports (`health`, `health_endpoint`), the systemd watchdog, network settings, provisioning,
//! maintenance keys, the data partition's layout, the self-test, and A/B updates (the kiosk's
//! request, root's installation, the slots' status, the healthy marker a trial waits for).

pub mod bounded_read;
pub mod cabinet;
pub mod data_layout;
pub mod device_key_file;
pub mod health;
pub mod health_endpoint;
pub mod healthy_marker;
pub mod maintenance_keys;
pub mod network_settings;
pub mod provision;
pub mod update_install;
pub mod update_progress;
pub mod update_request;
pub mod update_slots;
pub mod watchdog;
