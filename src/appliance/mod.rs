//! The kiosk as an appliance in a cabinet: its pins at work (`cabinet`), the health facts it
//! reports (`health`, `health_endpoint`), the systemd watchdog, network settings, provisioning,
//! maintenance keys, the data partition's layout and the self-test.

pub mod cabinet;
pub mod data_layout;
pub mod device_key_file;
pub mod health;
pub mod health_endpoint;
pub mod maintenance_keys;
pub mod network_settings;
pub mod provision;
pub mod watchdog;
