//! Offline-first sync of queued dossiers to the provincial portal: exactly once, in the
//! background, starting by itself when the network returns. `backoff` is the retry schedule,
//! `transport` the HTTP client seam, `engine/` the loop that drains the store's outbox (with
//! `catalogue_sink`, `update_sink` and `health_facts`, what it hands catalogues and offered
//! updates to and reads device states from). The wire format is `protocol::contract`. The UI
//! never waits on any of it.

pub mod backoff;
pub mod catalogue_sink;
pub mod engine;
pub mod health_facts;
pub mod transport;
pub mod update_sink;
