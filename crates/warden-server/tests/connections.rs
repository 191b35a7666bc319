//! Connection hygiene of `warden serve` (src/listener.rs), over real TCP on 127.0.0.1 against a
//! server started in this process with small limits: silent, slow-header, idle and
//! stalled-body connections are closed or answered within their timeouts, a malformed body is
//! 400 and an oversized one 413, and at most `max_connections` are served at once while the
//! rest wait in the backlog.
//!
//! Timing is only ever bounded generously: "closed within 5 s" for a 1 s timeout, never "took
//! less than 1.1 s". A "not answered yet" check holds connections the test itself keeps open,
//! so a slow machine can only make it pass later, never fail.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, missing_docs)]

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use warden_server::bootstrap::ensure_admin;
use warden_server::listener::Limits;
use warden_server::server::{AppState, serve_with};
use warden_store::Store;

const ADMIN_KEY: &str = "AKIAWARDENCONNADMIN0";
const ADMIN_SECRET: &str = "connTestAdminSecret000000000000000000000";
/// A user allowed ListRoles only from the loopback network: its call succeeds only if the
/// listener hands the peer's address to the handler (`aws:SourceIp`).
const LOOPBACK_USER: &str = "from-loopback";
const LOOPBACK_KEY: &str = "AKIAWARDENCONNLOOP01";
const LOOPBACK_SECRET: &str = "connTestLoopbackSecret000000000000000000";
const LOOPBACK_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}]}"#;

/// Generous bound for anything that should happen after a 1 s timeout.
const WITHIN: Duration = Duration::from_secs(5);

/// The small limits most tests run with.
fn small() -> Limits {
    Limits {
        header_read_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        body_read_timeout: Duration::from_secs(1),
        max_connections: 8,
    }
}

/// Long enough never to pass during a test: a limit set to it cannot be what closed a
/// connection within `WITHIN`.
const NEVER: Duration = Duration::from_secs(300);

/// A server on its own runtime; dropping it stops the server.
struct Server {
    addr: SocketAddr,
    _runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

fn start(limits: Limits) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("warden.db").to_string_lossy()).unwrap();
    ensure_admin(&store, Some((ADMIN_KEY, ADMIN_SECRET))).unwrap();
    store.create_user(LOOPBACK_USER, None, None, &[]).unwrap();
    store
        .put_user_policy(LOOPBACK_USER, "loopback-only", LOOPBACK_ONLY)
        .unwrap();
    store
        .import_access_key(LOOPBACK_USER, LOOPBACK_KEY, LOOPBACK_SECRET)
        .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(serve_with(listener, Arc::new(AppState::new(store)), limits));
    Server {
        addr,
        _runtime: runtime,
        _dir: dir,
    }
}

/// The bytes of a request signed with AWS's own signer.
fn signed(addr: SocketAddr, key: &str, secret: &str, service: &str, body: &str) -> Vec<u8> {
    let host = addr.to_string();
    let identity = Credentials::new(key, secret, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let uri = format!("http://{host}/");
    let content_type = "application/x-www-form-urlencoded; charset=utf-8";
    let headers = [("host", host.as_str()), ("content-type", content_type)];
    let signable = SignableRequest::new(
        "POST",
        uri.clone(),
        headers.iter().copied(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut request = http::Request::builder().method("POST").uri(&uri);
    for (n, v) in headers {
        request = request.header(n, v);
    }
    let mut request = request.body(()).unwrap();
    instructions.apply_to_request_http1x(&mut request);
    let mut out = format!("POST / HTTP/1.1\r\ncontent-length: {}\r\n", body.len());
    for (name, value) in request.headers() {
        out.push_str(&format!("{}: {}\r\n", name, value.to_str().unwrap()));
    }
    out.push_str("\r\n");
    out.push_str(body);
    out.into_bytes()
}

/// ListRoles as the loopback-only user.
fn list_roles(addr: SocketAddr) -> Vec<u8> {
    signed(
        addr,
        LOOPBACK_KEY,
        LOOPBACK_SECRET,
        "iam",
        "Action=ListRoles&Version=2010-05-08",
    )
}

/// A request answered without any signature (400, MissingAction): any answer at all shows the
/// connection was accepted and served.
fn unsigned(addr: SocketAddr) -> Vec<u8> {
    format!("POST / HTTP/1.1\r\nhost: {addr}\r\ncontent-length: 0\r\n\r\n").into_bytes()
}

fn connect(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).unwrap()
}

/// One read of at most `wait`: `Some(bytes)` (empty at the end of the stream, or when the
/// server reset the connection), `None` if nothing came.
fn read_some(stream: &mut TcpStream, wait: Duration) -> Option<Vec<u8>> {
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 16 * 1024];
    match stream.read(&mut buf) {
        Ok(n) => Some(buf[..n].to_vec()),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => None,
        Err(e) if matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe) => {
            Some(Vec::new())
        }
        Err(e) => panic!("read: {e}"),
    }
}

/// Waits until the server closes `stream`, at most `within`; returns what it sent meanwhile.
fn closed_within(stream: &mut TcpStream, within: Duration) -> Vec<u8> {
    let deadline = Instant::now() + within;
    let mut received = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "the server did not close the connection");
        match read_some(stream, left.min(Duration::from_millis(250))) {
            Some(bytes) if bytes.is_empty() => return received,
            Some(bytes) => received.extend(bytes),
            None => {}
        }
    }
}

/// Asserts that nothing arrives on `stream` for `window` and that it stays open.
fn silent_for(stream: &mut TcpStream, window: Duration) {
    if let Some(bytes) = read_some(stream, window) {
        panic!(
            "expected no answer yet, got {:?}",
            String::from_utf8_lossy(&bytes)
        );
    }
}

/// An answer: its status and body.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: String,
}

/// Reads one whole answer (sized by Content-Length), at most `within`.
fn answer_within(stream: &mut TcpStream, within: Duration) -> Answer {
    let deadline = Instant::now() + within;
    let mut received = Vec::new();
    loop {
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&received[..end]).into_owned();
            let status = head
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("not an HTTP answer: {head:?}"));
            let length: usize = head
                .lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                .map(|(_, v)| v.trim().parse().unwrap())
                .unwrap_or(0);
            if received.len() >= end + 4 + length {
                let body = &received[end + 4..end + 4 + length];
                return Answer {
                    status,
                    body: String::from_utf8_lossy(body).into_owned(),
                };
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "no whole answer in time; got {:?}",
            String::from_utf8_lossy(&received)
        );
        match read_some(stream, left.min(Duration::from_millis(250))) {
            Some(bytes) if bytes.is_empty() => panic!(
                "closed before a whole answer; got {:?}",
                String::from_utf8_lossy(&received)
            ),
            Some(bytes) => received.extend(bytes),
            None => {}
        }
    }
}

#[test]
fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let server = start(Limits {
        idle_timeout: NEVER,
        body_read_timeout: NEVER,
        ..small()
    });
    let mut silent = connect(server.addr);
    let sent = closed_within(&mut silent, WITHIN);
    assert!(sent.is_empty(), "closed without an answer");
}

#[test]
fn a_half_sent_or_trickled_header_is_cut_off_at_the_header_timeout() {
    let server = start(Limits {
        idle_timeout: NEVER,
        body_read_timeout: NEVER,
        ..small()
    });
    // Half a header line, then nothing.
    let mut stalled = connect(server.addr);
    stalled
        .write_all(b"POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-ty")
        .unwrap();
    assert!(closed_within(&mut stalled, WITHIN).is_empty());

    // Slowloris: a byte every 100 ms keeps arriving, but the header never completes, and
    // the clock is the whole header's, not each byte's.
    let mut trickled = connect(server.addr);
    trickle_until_closed(&mut trickled);

    // The same on a kept-alive connection, after a first request: the next header's clock
    // starts with its first byte, and the (long) idle clock does not stand in for it.
    let mut kept = connect(server.addr);
    kept.write_all(&unsigned(server.addr)).unwrap();
    assert_eq!(answer_within(&mut kept, WITHIN).status, 400);
    // Idle for longer than a header timeout first: the server must not still be waiting on a
    // clock it set before the next header began.
    std::thread::sleep(Duration::from_millis(1500));
    trickle_until_closed(&mut kept);
}

/// Sends the start of a header, then a byte every 100 ms, until the server closes the
/// connection (at most `WITHIN`), which it must do without answering.
fn trickle_until_closed(stream: &mut TcpStream) {
    stream
        .write_all(b"POST / HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ")
        .unwrap();
    let deadline = Instant::now() + WITHIN;
    loop {
        assert!(
            Instant::now() < deadline,
            "a trickled header kept its connection"
        );
        if stream.write_all(b"a").is_err() {
            return;
        }
        match read_some(stream, Duration::from_millis(100)) {
            Some(bytes) if bytes.is_empty() => return,
            Some(bytes) => panic!("unexpected answer {:?}", String::from_utf8_lossy(&bytes)),
            None => {}
        }
    }
}

#[test]
fn a_kept_alive_connection_left_idle_is_closed_after_the_idle_timeout() {
    // Only the idle clock is short: the header clock must not be what runs between requests.
    let server = start(Limits {
        header_read_timeout: NEVER,
        body_read_timeout: NEVER,
        ..small()
    });
    let mut stream = connect(server.addr);
    // Two calls on one connection: keep-alive works, and the loopback-only user's call is
    // allowed, so the handler saw the peer's address as aws:SourceIp.
    for _ in 0..2 {
        stream.write_all(&list_roles(server.addr)).unwrap();
        let answer = answer_within(&mut stream, WITHIN);
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert!(answer.body.contains("<ListRolesResult>"), "{}", answer.body);
    }
    let sent = closed_within(&mut stream, WITHIN);
    assert!(sent.is_empty(), "closed without another answer");
}

#[test]
fn a_body_that_never_fully_arrives_is_answered_408_within_the_body_timeout() {
    let server = start(Limits {
        header_read_timeout: NEVER,
        idle_timeout: NEVER,
        ..small()
    });
    let mut stream = connect(server.addr);
    stream
        .write_all(b"POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 100\r\n\r\nAction=List")
        .unwrap();
    let answer = answer_within(&mut stream, WITHIN);
    assert_eq!(answer.status, 408, "{}", answer.body);
    assert!(
        answer.body.contains("<Code>RequestTimeout</Code>"),
        "{}",
        answer.body
    );
    assert!(
        answer
            .body
            .contains("The request body was not received within 1 second"),
        "{}",
        answer.body
    );
    // The rest of that body would be read as the next request: the connection ends.
    closed_within(&mut stream, WITHIN);
}

#[test]
fn a_malformed_chunked_body_is_400_and_an_oversized_one_413() {
    let server = start(small());
    let mut chunked = connect(server.addr);
    chunked
        .write_all(
            b"POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
        )
        .unwrap();
    let answer = answer_within(&mut chunked, WITHIN);
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(
        answer.body.contains("<Code>MalformedHTTPRequest</Code>"),
        "{}",
        answer.body
    );
    assert!(answer.body.contains("chunk size"), "{}", answer.body);

    // Declared over the limit: refused before any of it is sent.
    let mut oversized = connect(server.addr);
    oversized
        .write_all(b"POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 2000000\r\n\r\n")
        .unwrap();
    let answer = answer_within(&mut oversized, WITHIN);
    assert_eq!(answer.status, 413, "{}", answer.body);
    assert!(
        answer.body.contains("<Code>RequestEntityTooLarge</Code>"),
        "{}",
        answer.body
    );
    assert!(
        answer
            .body
            .contains("Request body must be at most 1048576 bytes"),
        "{}",
        answer.body
    );
}

#[test]
fn idle_sockets_at_the_cap_are_shed_and_a_real_call_then_gets_through() {
    let limits = small();
    let server = start(limits);
    // Every slot taken by a connection that sends nothing.
    let mut idle: Vec<TcpStream> = (0..limits.max_connections)
        .map(|_| connect(server.addr))
        .collect();
    // A legitimate call waits in the backlog until the idle ones hit the header timeout.
    let mut caller = connect(server.addr);
    caller.write_all(&list_roles(server.addr)).unwrap();
    let answer = answer_within(&mut caller, WITHIN);
    assert_eq!(answer.status, 200, "{}", answer.body);
    for stream in &mut idle {
        assert!(closed_within(stream, WITHIN).is_empty());
    }
}

#[test]
fn past_the_cap_connections_wait_in_the_backlog_until_a_slot_frees() {
    // Long timeouts: the connections holding the slots are closed by this test, not by the
    // server, and the test never waits for these timeouts.
    let limits = Limits {
        header_read_timeout: Duration::from_secs(60),
        idle_timeout: Duration::from_secs(60),
        body_read_timeout: Duration::from_secs(60),
        max_connections: 8,
    };
    let server = start(limits);
    // The slots' holders connect first: the kernel's accept queue is first in, first out, so
    // they are the ones accepted.
    let mut holders: Vec<TcpStream> = (0..limits.max_connections)
        .map(|_| connect(server.addr))
        .collect();
    let mut waiting: Vec<TcpStream> = (0..5)
        .map(|_| {
            let mut stream = connect(server.addr);
            stream.write_all(&unsigned(server.addr)).unwrap();
            stream
        })
        .collect();
    // Connected (the kernel completed the handshake) but not accepted: no answer.
    silent_for(&mut waiting[0], Duration::from_millis(500));
    for stream in &mut waiting[1..] {
        silent_for(stream, Duration::from_millis(50));
    }

    // One slot frees: exactly the first waiting connection is served.
    drop(holders.remove(0));
    let answer = answer_within(&mut waiting[0], WITHIN);
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(answer.body.contains("MissingAction"), "{}", answer.body);
    // It stays open (kept alive, within its idle timeout) and so keeps its slot: the others
    // still wait.
    silent_for(&mut waiting[1], Duration::from_millis(500));
    for stream in &mut waiting[2..] {
        silent_for(stream, Duration::from_millis(50));
    }

    // Every slot frees: all the rest are served.
    drop(holders);
    let first = waiting.remove(0);
    drop(first);
    for stream in &mut waiting {
        let answer = answer_within(stream, WITHIN);
        assert_eq!(answer.status, 400, "{}", answer.body);
    }
}
