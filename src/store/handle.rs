//! The one writer: a thread that owns the `Store` and runs jobs sent to it in order, so the
//! UI thread never waits on the disk and every write is serialised. Callers await the result.
//! A job that panics is contained; the writer serves the next one.

use crate::store::{Store, StoreError};
use std::sync::mpsc;
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce(&mut Store) + Send>;

#[derive(Clone)]
pub struct StoreHandle {
    jobs: mpsc::Sender<Job>,
}

impl StoreHandle {
    /// Starts the writer thread with an opened store.
    pub fn spawn(store: Store) -> StoreHandle {
        let (jobs, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || {
                let mut store = store;
                for job in rx {
                    // A job that panics must not take the writer with it: its transaction
                    // rolls back as it unwinds, its caller hears `Stopped`, and the next job
                    // runs. A confirmed dossier was committed before its job returned.
                    let outcome =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut store)));
                    if outcome.is_err() {
                        tracing::error!("a store job panicked; the writer goes on");
                    }
                }
            })
            .expect("the store thread must start");
        StoreHandle { jobs }
    }

    /// Runs `f` on the writer thread and returns its result.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(Box::new(move |store| {
                let _ = tx.send(f(store));
            }))
            .map_err(|_| StoreError::Stopped)?;
        rx.await.map_err(|_| StoreError::Stopped)?
    }

    /// Queues `f` on the writer thread without waiting for it: idle work after a caller has
    /// its answer (preparing the next dossier's seals). A stopped writer drops it.
    pub fn send(&self, f: impl FnOnce(&mut Store) + Send + 'static) {
        let _ = self.jobs.send(Box::new(f));
    }

    /// Blocking form of `call`, for command-line tools and benchmarks (never the UI thread).
    pub fn call_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = mpsc::channel();
        self.jobs
            .send(Box::new(move |store| {
                let _ = tx.send(f(store));
            }))
            .map_err(|_| StoreError::Stopped)?;
        rx.recv().map_err(|_| StoreError::Stopped)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_that_panics_does_not_stop_the_writer() {
        let sealer = crate::protocol::sealing::Sealer::from_base64(
            crate::protocol::sealing::DEVELOPMENT_PUBLIC_KEY,
        )
        .unwrap();
        let handle = StoreHandle::spawn(Store::open_in_memory(sealer).unwrap());
        let lost: Result<(), StoreError> = handle.call_blocking(|_| panic!("a bug in a job"));
        assert!(matches!(lost, Err(StoreError::Stopped)));
        assert_eq!(handle.call_blocking(|s| s.dossier_count()).unwrap(), 0);
    }
}
