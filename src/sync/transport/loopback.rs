//! Which host names are this machine only: `localhost`, 127.0.0.0/8 and `::1` (brackets
//! allowed). Plain HTTP is acceptable only to these (the kiosk's portal URL, the portal's
//! listen address while its officer page has no sign-in). Pure; no name resolution.

/// Whether `host` (no port) names this machine only.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_machine_is_loopback() {
        for host in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.8.9.1",
            "::1",
            "[::1]",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "0.0.0.0",
            "[::]",
            "10.0.0.5",
            "127.0.0.1.nip.io",
            "localhost.example",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
