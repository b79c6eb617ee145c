//! Rate limits per source address on the two doors a stranger can knock on without a key:
//! kiosk enrollment and officers' sign-in (`tower_governor`, a token bucket per address; 429
//! with `Retry-After` beyond it). Passwords are also locked per account in the database
//! (`db::officers`); these limits keep one address from trying many accounts or tokens, and
//! from making the portal hash passwords all day. Each portal process counts for itself.
//! Behind a reverse proxy every request comes from the proxy's address, so the proxy should
//! limit per client too.

use std::sync::{Arc, Weak};
use std::time::Duration;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;

/// The source address `portal::serve` attaches to each request; a router served without it
/// (in-process, as the fuzz harness drives it) counts every request under one unknown address
/// instead of failing with 500.
#[derive(Debug, Clone, Copy)]
pub struct PeerAddress;

impl KeyExtractor for PeerAddress {
    type Key = std::net::IpAddr;

    fn extract<T>(
        &self,
        request: &axum::http::Request<T>,
    ) -> Result<Self::Key, tower_governor::GovernorError> {
        Ok(request
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|axum::extract::ConnectInfo(addr)| addr.ip())
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)))
    }
}

/// Attempts an address may make at once, before waiting (an office behind one NAT address
/// signing its officers in at opening time fits).
pub const BURST: u32 = 20;
/// One more attempt per this long, after the burst.
pub const REFILL: Duration = Duration::from_secs(3);

type Config =
    tower_governor::governor::GovernorConfig<PeerAddress, governor::middleware::NoOpMiddleware>;

/// A limit on POSTs per source address, and a task that forgets quiet addresses (so the
/// table does not grow without end) for as long as the limit is in use.
pub(super) fn per_address() -> tower_governor::GovernorLayer<
    PeerAddress,
    governor::middleware::NoOpMiddleware,
    axum::body::Body,
> {
    let config: Arc<Config> = Arc::new(
        GovernorConfigBuilder::default()
            .key_extractor(PeerAddress)
            .period(REFILL)
            .burst_size(BURST)
            .methods(vec![axum::http::Method::POST])
            .finish()
            .expect("a non-zero period and burst"),
    );
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        let weak: Weak<Config> = Arc::downgrade(&config);
        runtime.spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                every.tick().await;
                let Some(config) = weak.upgrade() else { break };
                config.limiter().retain_recent();
            }
        });
    }
    tower_governor::GovernorLayer::new(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_their_source_address_or_together_without_one() {
        let mut request = axum::http::Request::new(());
        assert_eq!(
            PeerAddress.extract(&request).unwrap(),
            std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
        );
        let peer: std::net::SocketAddr = "10.1.2.3:5555".parse().unwrap();
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        assert_eq!(PeerAddress.extract(&request).unwrap(), peer.ip());
    }
}
