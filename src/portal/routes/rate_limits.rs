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
use tower_governor::key_extractor::PeerIpKeyExtractor;

/// Attempts an address may make at once, before waiting (an office behind one NAT address
/// signing its officers in at opening time fits).
pub const BURST: u32 = 20;
/// One more attempt per this long, after the burst.
pub const REFILL: Duration = Duration::from_secs(3);

type Config = tower_governor::governor::GovernorConfig<
    PeerIpKeyExtractor,
    governor::middleware::NoOpMiddleware,
>;

/// A limit on POSTs per source address, and a task that forgets quiet addresses (so the
/// table does not grow without end) for as long as the limit is in use.
pub(super) fn per_address() -> tower_governor::GovernorLayer<
    PeerIpKeyExtractor,
    governor::middleware::NoOpMiddleware,
    axum::body::Body,
> {
    let config: Arc<Config> = Arc::new(
        GovernorConfigBuilder::default()
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
