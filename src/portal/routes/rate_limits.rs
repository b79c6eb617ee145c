//! Rate limits per source address on the two doors a stranger can knock on without a key:
//! kiosk enrollment and officers' sign-in (`tower_governor`, a token bucket per address; 429
//! with `Retry-After` beyond it); and per enrolled kiosk on its signed requests, counted only
//! once the signature holds (`KioskLimits`, a `governor` bucket per kiosk id), so a stranger
//! naming a kiosk cannot spend its allowance. Passwords are also locked per account in the database
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

/// Signed requests a kiosk may make at once: a week's backlog of dossiers and their photo
/// chunks drains in a few bursts.
pub const KIOSK_BURST: u32 = 600;
/// And after the burst, one more per this long (30 a second).
pub const KIOSK_REFILL: Duration = Duration::from_micros(33_334);

/// A token bucket per enrolled kiosk id (the ids are only those whose signature held, so the
/// table is as large as the fleet).
pub struct KioskLimits(governor::DefaultKeyedRateLimiter<String>);

impl KioskLimits {
    /// `burst` requests at once, then one more per `refill`.
    pub fn new(burst: u32, refill: Duration) -> KioskLimits {
        let burst = std::num::NonZeroU32::new(burst).unwrap_or(std::num::NonZeroU32::MIN);
        let quota = governor::Quota::with_period(refill.max(Duration::from_micros(1)))
            .unwrap_or(governor::Quota::per_second(std::num::NonZeroU32::MIN))
            .allow_burst(burst);
        KioskLimits(governor::RateLimiter::keyed(quota))
    }

    /// Counts one request of `kiosk`; beyond its rate, how long until the next is allowed.
    pub fn check(&self, kiosk: &str) -> Result<(), Duration> {
        use governor::clock::Clock as _;
        self.0.check_key(&kiosk.to_string()).map_err(|not_until| {
            not_until.wait_time_from(governor::clock::DefaultClock::default().now())
        })
    }
}

impl Default for KioskLimits {
    fn default() -> KioskLimits {
        KioskLimits::new(KIOSK_BURST, KIOSK_REFILL)
    }
}

/// 429 with the whole seconds to wait in `Retry-After` (the kiosk's sync waits that long).
pub(super) fn slow_down(wait: Duration) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    (
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        [(axum::http::header::RETRY_AFTER, seconds.max(1).to_string())],
        axum::Json(crate::protocol::contract::ErrorBody {
            error: "this kiosk is sending too fast; retry after Retry-After seconds".into(),
            missing: Vec::new(),
            server_time: None,
            received: None,
        }),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kiosk_has_its_own_allowance() {
        let hour = Duration::from_secs(3600);
        let limits = KioskLimits::new(2, hour);
        assert!(limits.check("K1").is_ok() && limits.check("K1").is_ok());
        let wait = limits.check("K1").unwrap_err();
        assert!(
            wait > hour - Duration::from_secs(60) && wait <= hour,
            "{wait:?}"
        );
        assert!(limits.check("K2").is_ok(), "another kiosk is not slowed");
        let answer = slow_down(Duration::from_millis(1500));
        assert_eq!(answer.status(), 429);
        assert_eq!(
            answer.headers()["retry-after"],
            "2",
            "whole seconds, rounded up"
        );
    }

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
