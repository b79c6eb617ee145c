//! Waits on the tokio runtime until one of the cabinet's inputs changes: the descriptors a
//! `Gpio` hands out (the kernel's GPIO line requests, whose edge events make them readable, or
//! the simulator's socket) registered with the reactor. It only says "something changed";
//! reading the levels and the events is the `Gpio`'s business.

use std::future::poll_fn;
use std::io;
use std::os::fd::OwnedFd;
use std::task::Poll;
use tokio::io::unix::AsyncFd;

pub struct EdgeWait {
    fds: Vec<AsyncFd<OwnedFd>>,
}

impl EdgeWait {
    /// Watches `fds`; `None` when there are none (the inputs must then be polled).
    pub fn new(fds: Vec<OwnedFd>) -> io::Result<Option<EdgeWait>> {
        if fds.is_empty() {
            return Ok(None);
        }
        // `AsyncFd::new` is deprecated because an arbitrary `AsRawFd` may close or swap its
        // descriptor while registered; an `OwnedFd` owns it for the registration's whole
        // lifetime and always names the same one, which is what the unsafe `register` asks
        // its caller to promise (and this crate denies unsafe code).
        #[allow(deprecated)]
        let fds = fds
            .into_iter()
            .map(AsyncFd::new)
            .collect::<io::Result<Vec<_>>>()?;
        Ok(Some(EdgeWait { fds }))
    }

    /// Returns once any descriptor is readable. Its readiness is cleared before returning, so
    /// the caller must take the pending events afterwards (`Gpio::clear_edges`): an edge that
    /// arrives in between wakes the next call instead of being lost.
    pub async fn changed(&self) -> io::Result<()> {
        poll_fn(|cx| {
            let mut woke = false;
            for fd in &self.fds {
                match fd.poll_read_ready(cx) {
                    Poll::Ready(Ok(mut guard)) => {
                        guard.clear_ready();
                        woke = true;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {}
                }
            }
            if woke {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;

    #[tokio::test(start_paused = true)]
    async fn a_byte_on_any_descriptor_wakes_the_wait_and_nothing_else_does() {
        let (mut a_tx, a_rx) = UnixStream::pair().unwrap();
        let (_b_tx, b_rx) = UnixStream::pair().unwrap();
        a_rx.set_nonblocking(true).unwrap();
        let mut a_reader = a_rx.try_clone().unwrap();
        let wait = EdgeWait::new(vec![OwnedFd::from(a_rx), OwnedFd::from(b_rx)])
            .unwrap()
            .unwrap();
        let quiet = tokio::time::timeout(std::time::Duration::from_millis(30), wait.changed());
        assert!(quiet.await.is_err(), "no byte: no wake");
        a_tx.write_all(b"e").unwrap();
        wait.changed().await.unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(a_reader.read(&mut buf).unwrap(), 1);
        assert!(EdgeWait::new(Vec::new()).unwrap().is_none());
    }
}
