//! CPU-heavy work (password hashing, reading uploaded spreadsheets) runs on tokio's blocking
//! pool, never on the async workers that answer every other request, and at most a few at a
//! time: a burst of uploads or sign-ins waits its turn instead of starving `/ping`.
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// At most this many heavy jobs run at once (the machine has two cores; more only queue).
const HEAVY_AT_ONCE: usize = 4;

fn permits() -> &'static Arc<Semaphore> {
    static PERMITS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    PERMITS.get_or_init(|| Arc::new(Semaphore::new(HEAVY_AT_ONCE)))
}

/// Runs `job` on the blocking pool once a permit is free. A job that panics is reported as
/// `None` (the caller answers with its own error) rather than taking the worker down.
pub async fn run<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    // The permit goes with the job: a request that times out and drops this future does not
    // free the place while its job still runs.
    let permit = permits().clone().acquire_owned().await.ok()?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        job()
    })
    .await
    .ok()
}

/// The password work of the store (argon2), on this bounded pool.
pub struct Pool;

impl innocity_store::users::Heavy for Pool {
    fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> impl std::future::Future<Output = Option<T>> + Send {
        run(job)
    }
}
