//! Offline-first sync of queued dossiers to the provincial portal: exactly once, in the
//! background, starting by itself when the network returns. `contract` is the wire format
//! both sides share, `backoff` the retry schedule, `transport` the HTTP client seam and
//! `engine` the loop that drains the store's outbox. The UI never waits on any of it.

pub mod backoff;
pub mod catalogue_sink;
pub mod engine;
pub mod transport;
