//! Pure rules of signing in: where a browser may be sent after it (no open redirects), and how
//! long a client waits after wrong passwords (growing delays instead of a lock-out).
use url::{Position, Url};

/// An origin of our own that no request can name, to resolve paths against.
const OWN: &str = "http://own.invalid/";

/// The path (with query and fragment) a browser would reach from `target`, when that is a page
/// on our own origin; `None` otherwise. Parsed by the URL standard's rules, as a browser does:
/// tabs and newlines vanish anywhere, a backslash is a slash, leading spaces and controls are
/// dropped. So `/\t/evil`, `/\evil`, `//evil`, `/.//evil` and `javascript:` are all refused.
/// The answer is the parser's own serialisation (percent-encoded ASCII), safe for `Location`.
pub fn local_target(target: &str) -> Option<String> {
    let cleaned: String = target
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    if !cleaned.starts_with(['/', '\\']) {
        return None;
    }
    let base = Url::parse(OWN).ok()?;
    let url = base.join(&cleaned).ok()?;
    if url.origin() != base.origin() || url.username() != "" || url.password().is_some() {
        return None;
    }
    let path = &url[Position::BeforePath..];
    (path.starts_with('/') && !path.starts_with("//")).then(|| path.to_string())
}

/// The local path of a `Referer` when it names the host the request was sent to (`host` is the
/// request's `Host` header), checked by the same rules as [`local_target`].
pub fn same_host_path(referer: &str, host: &str) -> Option<String> {
    let url = Url::parse(referer).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.username() != "" || url.password().is_some()
    {
        return None;
    }
    let authority = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str()?),
        None => url.host_str()?.to_string(),
    };
    if !authority.eq_ignore_ascii_case(host.trim()) {
        return None;
    }
    local_target(&url[Position::BeforePath..])
}

/// How long a client waits after failures in a row: the first `free` cost nothing, then each
/// further attempt waits `first_ms`, doubled per failure, at most `cap_ms`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub free: i64,
    pub first_ms: i64,
    pub cap_ms: i64,
}

impl Backoff {
    /// The wait (ms) before the next attempt, after `failures` failures in a row.
    pub fn wait_after(&self, failures: i64) -> i64 {
        if failures < self.free {
            return 0;
        }
        let doublings = (failures - self.free).min(30) as u32;
        self.first_ms.saturating_mul(1i64 << doublings).min(self.cap_ms)
    }
}

/// One account (by normalised name, whether or not it exists): five guesses, then 15 s,
/// 30 s, 1 min, … at most 5 min, so its owner (from another address) waits minutes, not for ever.
pub const ACCOUNT_BACKOFF: Backoff = Backoff { free: 5, first_ms: 15_000, cap_ms: 5 * 60_000 };
/// One client address, whatever names it tries (an office behind one address gets more free
/// tries): ten, then 15 s, doubling, at most 15 min.
pub const ADDRESS_BACKOFF: Backoff = Backoff { free: 10, first_ms: 15_000, cap_ms: 15 * 60_000 };
/// Failures older than this (with none since) are forgotten.
pub const FORGET_AFTER_MS: i64 = 60 * 60_000;

/// The name a sign-in is counted under: trimmed, lower-case, at most 64 characters, so
/// `Admin` and ` admin` share one counter and a huge name costs nothing to store.
pub fn normalised_username(username: &str) -> String {
    username.trim().chars().take(64).flat_map(char::to_lowercase).collect()
}

/// The address failures are counted under: an IPv4 address, or an IPv6 address's /64
/// network (one subscriber commonly has a whole /64, so single addresses would cost nothing).
pub fn client_key(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{}/64", std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_paths_are_targets() {
        let hostile = [
            "/\t/evil.example/phish",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            " //evil.example",
            "\u{0}//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "\\/evil.example",
            "//evil.example",
            "///evil.example",
            "/.//evil.example",
            "/./\\evil.example",
            "/..//evil.example",
            "/%2e//evil.example",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "\tjavascript:alert(1)",
            "data:text/html,x",
            "http://evil.example",
            "https:evil.example",
            "evil.example",
            "?next=1",
            "",
        ];
        for t in hostile {
            assert_eq!(local_target(t), None, "{t:?}");
        }
        let legit = [
            ("/projects/12?tab=a", "/projects/12?tab=a"),
            ("/workspace", "/workspace"),
            ("/orgs?q=%E5%85%B0&page=2#list", "/orgs?q=%E5%85%B0&page=2#list"),
            ("/%09/evil.example", "/%09/evil.example"),
            ("/%2F/evil.example", "/%2F/evil.example"),
            ("/orgs?q=兰州", "/orgs?q=%E5%85%B0%E5%B7%9E"),
            ("/pro\tjects", "/projects"),
        ];
        for (t, want) in legit {
            assert_eq!(local_target(t).as_deref(), Some(want), "{t:?}");
        }
    }

    #[test]
    fn a_referer_counts_only_on_the_same_host() {
        let host = "127.0.0.1:8080";
        assert_eq!(
            same_host_path("http://127.0.0.1:8080/applications/5?notice=x", host).as_deref(),
            Some("/applications/5?notice=x")
        );
        assert_eq!(same_host_path("https://LOCALHOST/a", "localhost").as_deref(), Some("/a"));
        for r in [
            "https://evil.example/a",
            "http://127.0.0.1:8080@evil.example/x",
            "http://x@127.0.0.1:8080/x",
            "http://127.0.0.1:8080//evil.example/x",
            "http://127.0.0.1:8080/\t/evil.example/x",
            "http://127.0.0.1:8080/\\evil.example/x",
            "http://127.0.0.1:8081/x",
            "javascript:alert(1)",
            "/relative",
        ] {
            assert_eq!(same_host_path(r, host), None, "{r:?}");
        }
    }

    #[test]
    fn waits_grow_then_stop_growing() {
        let b = ACCOUNT_BACKOFF;
        assert_eq!((0..5).map(|n| b.wait_after(n)).sum::<i64>(), 0);
        assert_eq!(b.wait_after(5), 15_000);
        assert_eq!(b.wait_after(6), 30_000);
        assert_eq!(b.wait_after(7), 60_000);
        assert_eq!(b.wait_after(9), 240_000);
        assert_eq!(b.wait_after(10), 300_000);
        assert_eq!(b.wait_after(1_000_000), 300_000);
        assert_eq!(ADDRESS_BACKOFF.wait_after(9), 0);
        assert_eq!(ADDRESS_BACKOFF.wait_after(100), 15 * 60_000);
    }

    #[test]
    fn an_ipv6_network_counts_as_one_client() {
        let key = |s: &str| client_key(s.parse().unwrap());
        assert_eq!(key("10.1.2.3"), "10.1.2.3");
        assert_eq!(key("::ffff:10.1.2.3"), "10.1.2.3");
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:bbbb::9"), key("2001:db8:1:2::5"));
    }

    #[test]
    fn names_are_counted_case_blind() {
        assert_eq!(normalised_username("  Admin "), "admin");
        assert_eq!(normalised_username(&"x".repeat(500)).len(), 64);
    }
}
