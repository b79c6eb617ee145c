//! Developer tools that are not the kiosk itself: the scripted demo, the benchmark table, the
//! card and receipt command lines, a window-less Slint platform, and the helpers the tests and
//! benchmarks start as child processes.

pub mod bench;
pub mod bench_cold_start;
pub mod bench_identity;
pub mod bench_render;
pub mod bench_sync;
pub mod crash_writer;
pub mod demo;
pub mod headless;
pub mod in_process_portal;
pub mod officer_browser;
