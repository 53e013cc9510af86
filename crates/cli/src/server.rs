//! Serving the platform, with a daily audit checkpoint, until asked to stop.
use crate::settings::Settings;
use innocity_store::{Db, anchor};
use innocity_web::{AppState, WebConfig, router};

pub(crate) async fn serve(db: Db, listen: &str, s: &Settings) -> Result<(), String> {
    let config = WebConfig {
        secure_cookies: s.secure_cookies,
        max_body_bytes: s.max_body_bytes,
        max_upload_bytes: s.max_upload_bytes,
        request_timeout: std::time::Duration::from_secs(s.request_timeout_secs),
        files_dir: s.files_dir.clone().into(),
        behind_proxy: s.behind_proxy,
        metrics_token: s.metrics_token.clone().filter(|t| !t.is_empty()),
    };
    spawn_daily_checkpoints(db.clone(), s.anchor());
    let app = router(AppState::new(db, config));
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("innocity 正在运行 / serving on http://{addr}");
    tracing::info!(%addr, "serving");
    // The TCP peer's address reaches the handlers (sign-in failures are counted per address).
    // Zero would mean no connection accepted, or every one dropped: at least one of each.
    let limits = innocity_web::server::ServeLimits {
        connections: s.max_connections.max(1),
        header_timeout: std::time::Duration::from_secs(s.header_timeout_secs.max(1)),
        ..Default::default()
    };
    innocity_web::server::serve(listener, app, limits, shutdown()).await;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// The server anchors the audit chain when it starts and every 24 hours after.
fn spawn_daily_checkpoints(db: Db, cfg: anchor::Config) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
        loop {
            every.tick().await;
            match anchor::checkpoint(&db, &cfg).await {
                Ok(anchor::Anchored::Written(c)) => {
                    tracing::info!(seq = c.seq, file = %cfg.checkpoints.display(), "audit checkpoint written")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "audit checkpoint failed"),
            }
        }
    });
}
