//! How `warden serve` holds its connections: its own accept loop over hyper's HTTP/1.1, because
//! `axum::serve` has no timeouts and no cap, so a client that opens connections and sends
//! nothing (or half a header, or half a body) could hold them forever and starve real callers.
//!
//! Here a connection must send a complete header within [`Limits::header_read_timeout`], may
//! sit idle between requests for at most [`Limits::idle_timeout`], a handler waits at most
//! [`Limits::body_read_timeout`] for a request's body ([`read_body`]), and at most
//! [`Limits::max_connections`] connections are served at once; the rest wait, unaccepted, in
//! the kernel's listen backlog.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::Service;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::protocol::AwsError;

/// How long connections may take and how many are served at once. Every request also carries
/// its connection's limits as a request extension (the handler reads the body timeout there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a client has to send a request's complete header: from the connection's
    /// opening for its first request, from the first byte of the next one on a kept-alive
    /// connection. A header trickled a byte at a time does not extend it. Past it the
    /// connection is closed without an answer. Default 10 s.
    pub header_read_timeout: Duration,
    /// How long a kept-alive connection may wait, with no request in progress, for the next
    /// request to start (counted from the last byte of the previous answer written). Past it
    /// the connection is closed. Default 60 s.
    pub idle_timeout: Duration,
    /// How long a handler waits for a request's whole body once its header has arrived; past
    /// it the request is answered 408 `RequestTimeout` ([`read_body`]). Default 30 s.
    pub body_read_timeout: Duration,
    /// The most connections served at once. At the cap no more are accepted until one closes:
    /// new clients wait in the kernel's listen backlog instead of being refused. Default 512.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 512,
        }
    }
}

/// Serves `app` on `listener` over HTTP/1.1 with keep-alive, holding connections to `limits`,
/// until the process ends. Handlers see the peer's address as
/// `axum::extract::ConnectInfo<SocketAddr>` and the limits as an extension of type [`Limits`].
/// Failing to accept a connection (out of file descriptors, say) is reported on stderr and
/// retried; it never ends the loop.
pub async fn serve(listener: TcpListener, app: Router, limits: Limits) -> io::Result<()> {
    // Semaphore::new panics above MAX_PERMITS, and no permits at all would never accept.
    let slots = Arc::new(Semaphore::new(
        limits.max_connections.clamp(1, Semaphore::MAX_PERMITS),
    ));
    let mut errors = AcceptErrors::default();
    loop {
        // A slot is taken before accepting: at the cap the loop stops calling accept, so new
        // clients wait in the kernel's backlog (and are taken in order as slots free) rather
        // than being accepted only to be dropped.
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            // Only a closed semaphore fails, and nothing closes this one.
            return Err(io::Error::other("the connection slots were closed"));
        };
        match listener.accept().await {
            Ok((stream, peer)) => {
                tokio::spawn(connection(stream, peer, app.clone(), limits, slot));
            }
            Err(e) => errors.recover(&e).await,
        }
    }
}

/// The accept loop's failures, reported at most once a minute so that a run of them (every
/// attempt fails while the process is out of file descriptors) does not flood stderr.
#[derive(Default)]
struct AcceptErrors {
    last_report: Option<Instant>,
    unreported: u64,
}

impl AcceptErrors {
    /// How long to wait after a failure that is not one client's: accepting again at once
    /// would only fail again, in a busy loop.
    const BACKOFF: Duration = Duration::from_millis(100);
    const REPORT_EVERY: Duration = Duration::from_secs(60);

    async fn recover(&mut self, error: &io::Error) {
        // These belong to one client, already gone: the next accept can succeed at once.
        if matches!(
            error.kind(),
            io::ErrorKind::ConnectionAborted
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionRefused
        ) {
            return;
        }
        let now = Instant::now();
        match self.last_report {
            Some(at) if now.duration_since(at) < Self::REPORT_EVERY => self.unreported += 1,
            _ => {
                let more = match self.unreported {
                    0 => String::new(),
                    n => format!(" ({n} more failures since the last report)"),
                };
                eprintln!("warden serve: cannot accept a connection: {error}{more}; retrying");
                self.last_report = Some(now);
                self.unreported = 0;
            }
        }
        tokio::time::sleep(Self::BACKOFF).await;
    }
}

/// Serves one connection until the client closes it, hyper ends it, or its watch expires;
/// `_slot` is given back when it ends.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: Limits,
    _slot: OwnedSemaphorePermit,
) {
    // An answer goes out at once instead of waiting on the client's delayed ACK; failing to
    // set it costs only latency.
    let _ = stream.set_nodelay(true);
    let watch = Arc::new(Watch::new(&limits));
    let io = TokioIo::new(Watched {
        stream,
        watch: Arc::clone(&watch),
    });
    let app = TowerToHyperService::new(app);
    let requests = Arc::clone(&watch);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request.extensions_mut().insert(limits);
        requests.begin();
        let requests = Arc::clone(&requests);
        let answer = app.call(request);
        async move {
            let answer = answer.await;
            requests.end();
            answer
        }
    });
    let mut http = http1::Builder::new();
    // hyper's own header timeout (1.x) starts the moment a kept-alive connection goes idle, so
    // it would close idle connections after the header timeout and not the idle one: the watch
    // keeps both clocks instead (and hyper needs no timer).
    http.keep_alive(true).header_read_timeout(None);
    let served = http.serve_connection(io, service);
    // Dropping the connection closes the socket; its errors (a reset, a malformed header hyper
    // has already answered) end only this connection, and there is no one to tell.
    tokio::select! {
        _ = served => {}
        () = watch.expired() => {}
    }
}

/// Where a connection is between requests, and so which clock runs on it.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// A request's header is being read: it must be complete by the deadline.
    Header(Instant),
    /// No request in progress: the next must start by the deadline.
    Idle(Instant),
    /// A request is being handled: no connection clock (the handler bounds the body's read).
    Busy,
}

/// One connection's clock, moved by its reads and writes (`Watched`) and by its requests
/// starting and ending (the service), and watched by `expired`.
struct Watch {
    header: Duration,
    idle: Duration,
    phase: Mutex<Phase>,
}

impl Watch {
    fn new(limits: &Limits) -> Watch {
        Watch {
            header: limits.header_read_timeout,
            idle: limits.idle_timeout,
            phase: Mutex::new(Phase::Header(after(limits.header_read_timeout))),
        }
    }

    fn phase(&self) -> MutexGuard<'_, Phase> {
        // A phase is always whole (it is Copy and assigned at once): a panic elsewhere while
        // the lock was held leaves it valid.
        self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn deadline(&self) -> Option<Instant> {
        match *self.phase() {
            Phase::Header(at) | Phase::Idle(at) => Some(at),
            Phase::Busy => None,
        }
    }

    /// Bytes arrived: on an idle connection they start the next request's header clock.
    fn received(&self) {
        let mut phase = self.phase();
        if let Phase::Idle(_) = *phase {
            *phase = Phase::Header(after(self.header));
        }
    }

    /// Bytes of an answer went out: an idle connection still writing to a slow reader is
    /// making progress, so its idle clock starts again.
    fn sent(&self) {
        let mut phase = self.phase();
        if let Phase::Idle(_) = *phase {
            *phase = Phase::Idle(after(self.idle));
        }
    }

    /// A request's header is complete and its handler starts.
    fn begin(&self) {
        *self.phase() = Phase::Busy;
    }

    /// The handler has answered: the connection is idle until the next request.
    fn end(&self) {
        *self.phase() = Phase::Idle(after(self.idle));
    }

    /// Ends when the connection's current deadline has passed.
    ///
    /// Nothing wakes the watcher when the phase changes (that would cost a wake-up per
    /// request); instead it never sleeps past `now + min(header, idle)`. Every deadline set
    /// after it went to sleep is at least that far from then, so it wakes in time for any of
    /// them: once per that interval on a busy connection, and at the deadline itself on a
    /// silent one.
    async fn expired(&self) {
        // A floor, so that a zero limit cannot make this spin while a request is handled.
        let step = self.header.min(self.idle).max(Duration::from_millis(1));
        loop {
            let now = Instant::now();
            let wake = match self.deadline() {
                Some(deadline) if deadline <= now => return,
                Some(deadline) => deadline.min(after_from(now, step)),
                None => after_from(now, step),
            };
            tokio::time::sleep_until(wake).await;
        }
    }
}

/// `d` from now (see `after_from`).
fn after(d: Duration) -> Instant {
    after_from(Instant::now(), d)
}

/// `d` after `from`, or as far as the clock goes (a limit of years must not overflow it).
fn after_from(from: Instant, d: Duration) -> Instant {
    from.checked_add(d)
        .or_else(|| from.checked_add(Duration::from_secs(86_400 * 365)))
        .unwrap_or(from)
}

/// The connection's socket, telling its `Watch` when bytes come in and go out.
struct Watched {
    stream: TcpStream,
    watch: Arc<Watch>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled
            && buf.filled().len() > before
        {
            this.watch.received();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = polled
            && n > 0
        {
            this.watch.sent();
        }
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = polled
            && n > 0
        {
            this.watch.sent();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        // hyper writes a head and a body in one call when the socket can.
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// Why a request's body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// The body is longer than allowed, as declared (`Content-Length`) or as it arrived.
    TooLarge {
        /// The most bytes allowed.
        max: usize,
    },
    /// The body does not match its HTTP/1.1 framing: a bad chunk size line, or a connection
    /// that ended before the declared length or the last chunk.
    Malformed {
        /// What was wrong, as the HTTP parser put it (e.g. `Invalid chunk size line: Invalid
        /// Size`).
        detail: String,
    },
    /// The whole body did not arrive in time.
    TimedOut {
        /// The time it had.
        after: Duration,
    },
}

impl BodyError {
    /// The answer for this error: 413 `RequestEntityTooLarge`, 400 `MalformedHTTPRequest` or
    /// 408 `RequestTimeout`.
    pub fn to_aws_error(&self) -> AwsError {
        match self {
            BodyError::TooLarge { max } => AwsError::new(
                "RequestEntityTooLarge",
                format!("Request body must be at most {max} bytes"),
                413,
            ),
            BodyError::Malformed { detail } => AwsError::new(
                "MalformedHTTPRequest",
                format!(
                    "The request body does not match its HTTP/1.1 framing (Content-Length or \
                     chunked encoding): {detail}"
                ),
                400,
            ),
            BodyError::TimedOut { after } => AwsError::new(
                "RequestTimeout",
                format!(
                    "The request body was not received within {}",
                    seconds(*after)
                ),
                408,
            ),
        }
    }
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_aws_error().message)
    }
}

impl std::error::Error for BodyError {}

/// `d` for a message: `30 seconds`, `1 second`, `1.5 seconds`.
fn seconds(d: Duration) -> String {
    match (d.as_secs(), d.subsec_nanos()) {
        (1, 0) => "1 second".to_string(),
        (s, 0) => format!("{s} seconds"),
        _ => format!("{} seconds", d.as_secs_f64()),
    }
}

/// Reads a request's whole body: at most `max` bytes, within `timeout`. A declared
/// `Content-Length` over `max` is refused before any of the body is read.
pub async fn read_body(body: Body, max: usize, timeout: Duration) -> Result<Bytes, BodyError> {
    match tokio::time::timeout(timeout, collect(body, max)).await {
        Ok(read) => read,
        Err(_) => Err(BodyError::TimedOut { after: timeout }),
    }
}

async fn collect(mut body: Body, max: usize) -> Result<Bytes, BodyError> {
    let too_large = BodyError::TooLarge { max };
    if usize::try_from(body.size_hint().lower()).map_or(true, |declared| declared > max) {
        return Err(too_large);
    }
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut length = 0usize;
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|e| BodyError::Malformed {
            detail: innermost(&e),
        })?;
        // Trailers are not part of the body.
        let Ok(data) = frame.into_data() else {
            continue;
        };
        length = length.saturating_add(data.len());
        if length > max {
            return Err(too_large);
        }
        if !data.is_empty() {
            chunks.push(data);
        }
    }
    // A body usually arrives in one piece: keep it rather than copy it.
    if chunks.len() == 1
        && let Some(only) = chunks.pop()
    {
        return Ok(only);
    }
    Ok(Bytes::from(chunks.concat()))
}

/// The innermost cause of `error`: axum's error wraps hyper's, which wraps the I/O error that
/// says what was wrong with the bytes.
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut inner = error;
    while let Some(source) = inner.source() {
        inner = source;
    }
    inner.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_body_is_read_whole_and_bounded() {
        let read = read_body(Body::from("Action=ListRoles"), 16, Duration::from_secs(1)).await;
        assert_eq!(read, Ok(Bytes::from_static(b"Action=ListRoles")));
        let read = read_body(Body::from("Action=ListRoles"), 15, Duration::from_secs(1)).await;
        assert_eq!(read, Err(BodyError::TooLarge { max: 15 }));
    }

    #[test]
    fn each_error_has_its_code_and_status() {
        let cases = [
            (
                BodyError::TooLarge { max: 10 },
                "RequestEntityTooLarge",
                413,
            ),
            (
                BodyError::Malformed {
                    detail: "Invalid chunk size line: Invalid Size".into(),
                },
                "MalformedHTTPRequest",
                400,
            ),
            (
                BodyError::TimedOut {
                    after: Duration::from_secs(30),
                },
                "RequestTimeout",
                408,
            ),
        ];
        for (error, code, status) in cases {
            let aws = error.to_aws_error();
            assert_eq!((aws.code.as_str(), aws.status), (code, status));
        }
        assert_eq!(
            BodyError::TimedOut {
                after: Duration::from_secs(30)
            }
            .to_string(),
            "The request body was not received within 30 seconds"
        );
    }

    #[test]
    fn a_limit_of_centuries_does_not_overflow_the_clock() {
        assert!(after(Duration::MAX) >= Instant::now());
    }
}
