//! Change notification on PostgreSQL: a server learns that the store changed (through itself or
//! through another process) from `LISTEN`/`NOTIFY`, instead of reading the generation row on
//! every request.
//!
//! Every write transaction bumps the generation and, in the same statement, calls
//! `pg_notify(channel, new value)`; PostgreSQL delivers the notification when (and only if) the
//! transaction commits. A listener thread holds one connection of its own that has run `LISTEN
//! channel`, and keeps the highest generation it has heard of.
//!
//! Staleness is bounded by a *fence*: every `window / 4` the listener reads the generation row
//! on its connection. The read sees everything committed before it started, so from the moment
//! the listener sent it, the known generation is at least the database's at that moment.
//! Requests use the known generation only while the last fence is younger than the window;
//! past it (the listener's connection is cut, the database is unreachable, the listener is
//! stuck) each request reads the generation itself again, as without a listener. So a decision
//! made at time `t` never uses a generation older than the database's at `t - window`, and
//! notifications make it current within a round trip in the usual case.
//!
//! A write through this process moves the known generation itself (the value its bump
//! returned), before the write's caller gets its answer: read-your-writes on the same server.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::error::{Result, StoreError};

/// The default window of [`crate::Store::watch_changes`] (the `warden serve` flag's default).
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(1);

/// The longest window accepted: past a minute a cut connection would serve stale permissions
/// for longer than any operator would want.
pub const MAX_WINDOW: Duration = Duration::from_secs(60);

/// What the listener knows, shared with every request.
#[derive(Debug)]
pub(crate) struct Known {
    /// The highest generation heard of (or written here); `i64::MIN` before any.
    generation: AtomicI64,
    /// When the last fence read was sent, in microseconds since `epoch` (0: never).
    fenced: AtomicU64,
    epoch: Instant,
    /// The window in microseconds; 0 while no listener runs.
    window: AtomicU64,
    /// Set when the store is dropped: the listener ends.
    stop: AtomicBool,
    /// The listener connection's backend process id (0 while it has none).
    pid: AtomicI32,
}

impl Default for Known {
    fn default() -> Known {
        Known {
            generation: AtomicI64::new(i64::MIN),
            fenced: AtomicU64::new(0),
            epoch: Instant::now(),
            window: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            pid: AtomicI32::new(0),
        }
    }
}

impl Known {
    /// Records a generation seen (notified, fenced, written or read): it only moves forward.
    pub(crate) fn observe(&self, generation: i64) {
        self.generation.fetch_max(generation, Ordering::AcqRel);
    }

    /// The known generation, while a listener runs and its last fence is within the window.
    pub(crate) fn fresh(&self) -> Option<i64> {
        let window = self.window.load(Ordering::Acquire);
        let fenced = self.fenced.load(Ordering::Acquire);
        if window == 0 || fenced == 0 {
            return None;
        }
        let now = self.micros(Instant::now());
        if now.saturating_sub(fenced) > window {
            return None;
        }
        let generation = self.generation.load(Ordering::Acquire);
        (generation != i64::MIN).then_some(generation)
    }

    fn micros(&self, at: Instant) -> u64 {
        // At least 1: 0 means "never fenced".
        u64::try_from(at.duration_since(self.epoch).as_micros())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    fn fence(&self, sent: Instant, generation: i64) {
        self.observe(generation);
        self.fenced.fetch_max(self.micros(sent), Ordering::AcqRel);
    }

    /// The listener connection's backend pid, if it has one.
    pub(crate) fn listener_pid(&self) -> Option<i32> {
        Some(self.pid.load(Ordering::Acquire)).filter(|pid| *pid != 0)
    }

    pub(crate) fn running(&self) -> bool {
        self.window.load(Ordering::Acquire) != 0
    }

    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Release);
    }
}

/// The notification channel of the store in `schema`: one per schema, since notifications are
/// per database and several stores may share a database in schemas of their own. A channel is
/// an identifier (at most 63 bytes): a long schema name is shortened to a hash.
pub(crate) fn channel(schema: &str) -> String {
    let plain = format!("warden_generation.{schema}");
    if plain.len() <= 63 {
        return plain;
    }
    // FNV-1a: stable across processes and versions (std's hasher is neither promised).
    let hash = schema.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("warden_generation.{hash:016x}")
}

/// Starts the listener thread for the store at `url` (its schema's `channel`) with `window`,
/// and waits (up to the window, at least a second) for its first fence, so that a server that
/// starts serving right after uses the listener from its first request when the database
/// answers.
pub(crate) fn start(url: &str, channel: &str, known: &Arc<Known>, window: Duration) -> Result<()> {
    if window.is_zero() || window > MAX_WINDOW {
        return Err(StoreError::invalid_input(format!(
            "the staleness window must be more than 0 and at most {} s",
            MAX_WINDOW.as_secs()
        )));
    }
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e| StoreError::service(format!("cannot read the database URL: {e}")))?;
    // The application name tells the listener apart in pg_stat_activity.
    config
        .application_name(&format!("warden listen {channel}"))
        .connect_timeout(Duration::from_secs(5))
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(5))
        .tcp_user_timeout(window.max(Duration::from_secs(5)));
    let window_micros = u64::try_from(window.as_micros()).unwrap_or(u64::MAX);
    if known
        .window
        .compare_exchange(0, window_micros, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        return Err(StoreError::invalid_input(
            "this store already listens for changes",
        ));
    }
    let listener = Listener {
        config,
        channel: channel.to_string(),
        known: Arc::clone(known),
        heartbeat: (window / 4).max(Duration::from_millis(5)),
    };
    std::thread::Builder::new()
        .name("warden-listen".into())
        .spawn(move || listener.run())
        .map_err(|e| StoreError::service(format!("cannot start the change listener: {e}")))?;
    let deadline = Instant::now() + window.max(Duration::from_secs(1));
    while known.fresh().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

struct Listener {
    config: postgres::Config,
    channel: String,
    known: Arc<Known>,
    heartbeat: Duration,
}

impl Listener {
    /// Connects, listens and fences until stopped, reconnecting after any failure.
    fn run(self) {
        let mut backoff = Duration::from_millis(50);
        while !self.known.stop.load(Ordering::Acquire) {
            match self.config.connect(postgres::NoTls) {
                Ok(client) => {
                    backoff = Duration::from_millis(50);
                    // Returns when the connection fails (or the store is dropped).
                    let _ = self.listen(client);
                    self.known.pid.store(0, Ordering::Release);
                }
                Err(_) => {
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(self.heartbeat.max(Duration::from_millis(50)));
                }
            }
        }
    }

    fn listen(&self, mut client: postgres::Client) -> std::result::Result<(), postgres::Error> {
        let pid: i32 = client.query_one("SELECT pg_backend_pid()", &[])?.get(0);
        self.known.pid.store(pid, Ordering::Release);
        let quoted = self.channel.replace('"', "\"\"");
        client.batch_execute(&format!("LISTEN \"{quoted}\""))?;
        while !self.known.stop.load(Ordering::Acquire) {
            // The fence: everything committed before this read started is in its value.
            let sent = Instant::now();
            let generation: i64 = client
                .query_one("SELECT value FROM warden_generation WHERE id = 1", &[])?
                .get(0);
            self.known.fence(sent, generation);
            // Then the notifications until the next fence.
            let next = sent + self.heartbeat;
            let mut notifications = client.notifications();
            loop {
                let now = Instant::now();
                if now >= next || self.known.stop.load(Ordering::Acquire) {
                    break;
                }
                let mut waiting = notifications.timeout_iter(next - now);
                use postgres::fallible_iterator::FallibleIterator;
                match waiting.next()? {
                    Some(note) if note.channel() == self.channel => {
                        if let Ok(generation) = note.payload().parse::<i64>() {
                            self.known.observe(generation);
                        }
                    }
                    Some(_) => {}
                    // Timed out (or disconnected: the next fence says which).
                    None => break,
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_are_identifiers_of_at_most_63_bytes_one_per_schema() {
        assert_eq!(channel("public"), "warden_generation.public");
        let long = "s".repeat(60);
        let other = format!("{}t", "s".repeat(59));
        assert!(channel(&long).len() <= 63);
        assert_ne!(channel(&long), channel(&other));
        assert_eq!(channel(&long), channel(&long));
    }

    #[test]
    fn the_known_generation_is_fresh_only_within_the_window_after_a_fence() {
        let known = Known::default();
        known.observe(5);
        // No listener: never fresh.
        assert_eq!(known.fresh(), None);
        known.window.store(1_000_000, Ordering::Release);
        // A listener that has not fenced yet: not fresh.
        assert_eq!(known.fresh(), None);
        known.fence(Instant::now(), 4);
        // Generations only move forward.
        assert_eq!(known.fresh(), Some(5));
        known.observe(7);
        assert_eq!(known.fresh(), Some(7));
        // A fence older than the window is stale.
        let epoch = known.epoch;
        let old = Known {
            epoch,
            ..Known::default()
        };
        old.window.store(1, Ordering::Release);
        old.fence(epoch, 9);
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(old.fresh(), None);
    }
}
