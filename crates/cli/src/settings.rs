//! Settings from defaults, `innocity.toml` and `INNOCITY_*` variables; logs.
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use innocity_store::anchor;
use innocity_store::clock::{self, Clock};
use serde::{Deserialize, Serialize};

const DEFAULT_DB: &str = "sqlite://./data/innocity.db";

/// Settings from defaults, then `innocity.toml`, then `INNOCITY_*` variables.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Settings {
    pub(crate) database_url: String,
    pub(crate) listen: String,
    pub(crate) secure_cookies: bool,
    pub(crate) log_format: String,
    pub(crate) max_body_bytes: usize,
    pub(crate) max_upload_bytes: usize,
    pub(crate) request_timeout_secs: u64,
    /// Open connections at once (more wait to be accepted).
    pub(crate) max_connections: usize,
    /// The bearer token `/metrics` answers (else only clients on this machine).
    pub(crate) metrics_token: Option<String>,
    /// Seconds a client has to send a request's headers.
    pub(crate) header_timeout_secs: u64,
    pub(crate) files_dir: String,
    /// A proxy of ours is in front: take the client's address from `X-Forwarded-For`.
    pub(crate) behind_proxy: bool,
    /// The audit checkpoints' key (at least 32 characters); the key file otherwise.
    pub(crate) audit_key: Option<String>,
    pub(crate) audit_key_file: String,
    pub(crate) audit_checkpoints: String,
    /// The platform's time zone: every date and deadline is read in it (`Asia/Shanghai`, `UTC`
    /// or an offset such as `+08:00`).
    pub(crate) time_zone: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: DEFAULT_DB.into(),
            listen: "127.0.0.1:8080".into(),
            secure_cookies: false,
            log_format: "text".into(),
            max_body_bytes: 1 << 20,
            max_upload_bytes: 10 << 20,
            request_timeout_secs: 30,
            max_connections: 1024,
            metrics_token: None,
            header_timeout_secs: 10,
            files_dir: "data/files".into(),
            behind_proxy: false,
            audit_key: None,
            audit_key_file: "data/audit.key".into(),
            audit_checkpoints: "data/audit-checkpoints.log".into(),
            time_zone: "Asia/Shanghai".into(),
        }
    }
}

impl Settings {
    /// The platform's clock, in the configured time zone.
    pub(crate) fn clock(&self) -> Result<Clock, String> {
        clock::parse_zone(&self.time_zone)
            .map(Clock::new)
            .map_err(|e| format!("configuration: {e}"))
    }
    pub(crate) fn anchor(&self) -> anchor::Config {
        anchor::Config {
            key: self.audit_key.clone(),
            key_file: self.audit_key_file.clone().into(),
            checkpoints: self.audit_checkpoints.clone().into(),
        }
    }
}

pub(crate) fn settings() -> Result<Settings, String> {
    Figment::from(Serialized::defaults(Settings::default()))
        .merge(Toml::file("innocity.toml"))
        .merge(Env::prefixed("INNOCITY_"))
        .extract()
        .map_err(|e| format!("configuration: {e}"))
}

pub(crate) fn init_logs(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("INNOCITY_LOG")
        .unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}
