//! Load on loopback: signed requests against `warden serve`'s router, from a small client in
//! the same process (one runtime for the server, one for the client, on this 2-core machine).
//!
//! Scenarios, each run for a few seconds with many keep-alive connections:
//! - `GetRole`;
//! - `SimulatePrincipalPolicy` (the seed's PassRole question for a user holding
//!   AmazonECS_FullAccess);
//! - a write mix: `TagRole` and `UntagRole` alternating on one role.
//!
//! Requests are signed once with AWS's own signer (`aws-sigv4`) and replayed: SigV4 has no
//! nonce, so a signed request stays valid for 15 minutes, and the server verifies every one.
//! Prints requests/s and latency percentiles. Run with
//! `cargo bench -p warden-server --bench load`: every scenario on the embedded store, then on
//! PostgreSQL (the machine's own, `postgres://postgres@127.0.0.1:5432/test`, when it answers;
//! `WARDEN_LOAD_DATABASE=postgres://...` names another, `none` skips it) in a schema made for
//! the run and dropped after it, listening for changes as `warden serve` does; then a summary
//! with each backend's ratio to SQLite. `WARDEN_LOAD_MOTO=http://127.0.0.1:PORT` adds the same
//! signed GetRole against moto's server there (`benches/moto.sh` runs it all). PostgreSQL runs
//! twice: listening for changes, as `warden serve` does by default, and (`PG-read`) reading the
//! generation on every request, as `--max-staleness 0` does.
//! `WARDEN_LOAD_SECONDS`, `WARDEN_LOAD_CONNECTIONS` change the defaults of 5 s and 64;
//! `WARDEN_LOAD_ONLY=simulate` runs the scenarios whose name contains it.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use warden_server::bootstrap::ensure_admin;
use warden_server::server::{AppState, serve};
use warden_store::Store;

// The allocator `warden serve` runs with (crates/warden-cli/src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const KEY: &str = "AKIAWARDENLOADTEST00";
const SECRET: &str = "loadTestSecretKey0000000000000000000000A";
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// The full bytes of a signed HTTP/1.1 request.
fn signed(host: &str, body: &str, service: &str) -> Vec<u8> {
    let identity = Credentials::new(KEY, SECRET, None, None, "load").into();
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
    let headers = [("host", host), ("content-type", content_type)];
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

/// Opens a connection to `addr`, split for reading and writing.
async fn open(
    addr: &str,
) -> (
    BufReader<tokio::net::tcp::OwnedReadHalf>,
    tokio::net::tcp::OwnedWriteHalf,
) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let (read, write) = stream.into_split();
    (BufReader::new(read), write)
}

/// Sends `requests` round-robin on one keep-alive connection until `deadline`; returns each
/// latency and the number of answers other than `expected`. A server that closes the
/// connection after an answer (`Connection: close`, as moto's does) gets a new one for the
/// next request, its cost counted in that request's latency.
async fn connection(
    addr: String,
    requests: Arc<Vec<Vec<u8>>>,
    deadline: Instant,
    offset: usize,
    expected: &'static str,
) -> (Vec<Duration>, usize) {
    let mut conn = Some(open(&addr).await);
    let mut latencies = Vec::new();
    let mut failures = 0;
    let mut i = offset;
    let mut line = String::new();
    while Instant::now() < deadline {
        let request = &requests[i % requests.len()];
        i += 1;
        let start = Instant::now();
        let (read, write) = match conn.as_mut() {
            Some(conn) => conn,
            None => conn.insert(open(&addr).await),
        };
        write.write_all(request).await.expect("write");
        line.clear();
        read.read_line(&mut line).await.expect("status");
        if !line.starts_with(expected) {
            failures += 1;
        }
        let mut length = 0usize;
        let mut close = false;
        loop {
            line.clear();
            read.read_line(&mut line).await.expect("header");
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().expect("length");
                } else if name.eq_ignore_ascii_case("connection") {
                    close = value.trim().eq_ignore_ascii_case("close");
                }
            }
        }
        let mut body = vec![0; length];
        read.read_exact(&mut body).await.expect("body");
        if close {
            conn = None;
        }
        latencies.push(start.elapsed());
    }
    (latencies, failures)
}

/// Sends one request on a connection of its own; returns the status line.
fn once(addr: &str, request: &[u8]) -> String {
    use std::io::{BufRead, Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.write_all(request).expect("write");
    let mut read = std::io::BufReader::new(stream);
    let mut status = String::new();
    read.read_line(&mut status).expect("status");
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        read.read_line(&mut line).expect("header");
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().expect("length");
        }
    }
    let mut body = vec![0; length];
    read.read_exact(&mut body).expect("body");
    status.trim_end().to_string()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

/// One scenario's throughput, for the summary.
struct Measured {
    scenario: &'static str,
    backend: String,
    per_second: f64,
}

/// Runs one scenario (unless `WARDEN_LOAD_ONLY` leaves it out): a second of warm-up, then
/// `seconds` measured. Returns the requests per second.
fn run_expecting(
    name: &'static str,
    addr: &str,
    requests: Vec<Vec<u8>>,
    connections: usize,
    seconds: u64,
    expected: &'static str,
) -> Option<f64> {
    if let Ok(only) = std::env::var("WARDEN_LOAD_ONLY")
        && !name.to_lowercase().contains(&only.to_lowercase())
    {
        return None;
    }
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let requests = Arc::new(requests);
    let mut measured = None;
    // Warm up (caches, connections) for a second, then measure.
    for (warm, secs) in [(true, 1), (false, seconds)] {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let started = Instant::now();
        let results = client.block_on(async {
            let tasks: Vec<_> = (0..connections)
                .map(|c| {
                    tokio::spawn(connection(
                        addr.to_string(),
                        Arc::clone(&requests),
                        deadline,
                        c,
                        expected,
                    ))
                })
                .collect();
            let mut all = Vec::new();
            for task in tasks {
                all.push(task.await.expect("task"));
            }
            all
        });
        let elapsed = started.elapsed();
        if warm {
            continue;
        }
        let failures: usize = results.iter().map(|(_, f)| f).sum();
        let mut latencies: Vec<Duration> = results.into_iter().flat_map(|(l, _)| l).collect();
        latencies.sort();
        let count = latencies.len();
        let per_second = count as f64 / elapsed.as_secs_f64();
        println!(
            "{name:<30} {count:>8} requests in {:.1} s = {per_second:>8.0} req/s  p50 {:>7.0} us  p99 {:>7.0} us",
            elapsed.as_secs_f64(),
            percentile(&latencies, 0.50).as_secs_f64() * 1e6,
            percentile(&latencies, 0.99).as_secs_f64() * 1e6,
        );
        assert_eq!(failures, 0, "{name}: every answer must be {expected}");
        measured = Some(per_second);
    }
    measured
}

const BASELINE: &str = "baseline (no Action, 400)";
const GET_ROLE: &str = "GetRole";
const SIMULATE: &str = "SimulatePrincipalPolicy";
const WRITES: &str = "write mix (TagRole/UntagRole)";

/// The PostgreSQL server to compare with: `WARDEN_LOAD_DATABASE`, else the machine's own
/// (`postgres://postgres@127.0.0.1:5432/test`) when it answers; `WARDEN_LOAD_DATABASE=none`
/// runs SQLite alone.
fn postgres_base() -> Option<String> {
    match std::env::var("WARDEN_LOAD_DATABASE") {
        Ok(url) if url == "none" || url.is_empty() => None,
        Ok(url) => Some(url),
        Err(_) => {
            let url = "postgres://postgres@127.0.0.1:5432/test".to_string();
            match postgres::Client::connect(&url, postgres::NoTls) {
                Ok(_) => Some(url),
                Err(e) => {
                    println!("PostgreSQL skipped: {url} does not answer ({e})");
                    None
                }
            }
        }
    }
}

/// Every scenario against one `warden serve` on `url` (a SQLite path, or PostgreSQL listening
/// for changes with the default window, as `warden serve` does).
fn bench_backend(
    backend: &str,
    url: &str,
    listen: bool,
    connections: usize,
    seconds: u64,
    results: &mut Vec<Measured>,
) {
    let store = Store::open(url).unwrap();
    if listen {
        store
            .watch_changes(warden_store::watch::DEFAULT_WINDOW)
            .unwrap();
    }
    ensure_admin(&store, Some((KEY, SECRET))).unwrap();
    store
        .create_role("my-task-role", None, TRUST, None, None, None, &[])
        .unwrap();
    store
        .create_user("ci-deployer", Some("/ci/"), None, &[])
        .unwrap();
    store
        .attach_user_policy(
            "ci-deployer",
            "arn:aws:iam::aws:policy/AmazonECS_FullAccess",
        )
        .unwrap();

    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = server
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let state = Arc::new(AppState::new(store));
    server.spawn(serve(listener, state));
    println!(
        "warden serve on {addr} ({backend}): {connections} connections, {seconds} s per scenario"
    );
    let mut record = |scenario: &'static str, per_second: Option<f64>| {
        if let Some(per_second) = per_second {
            results.push(Measured {
                scenario,
                backend: backend.to_string(),
                per_second,
            });
        }
    };
    // The ceiling of this harness on this machine: a request answered before any work (no
    // Action: MissingAction, 400), to compare the others with.
    let baseline =
        format!("POST / HTTP/1.1\r\nhost: {addr}\r\ncontent-length: 0\r\n\r\n").into_bytes();
    let ok = "HTTP/1.1 200";
    record(
        BASELINE,
        run_expecting(
            BASELINE,
            &addr,
            vec![baseline],
            connections,
            seconds,
            "HTTP/1.1 400",
        ),
    );
    let get_role = vec![signed(&addr, GET_ROLE_BODY, "iam")];
    record(
        GET_ROLE,
        run_expecting(GET_ROLE, &addr, get_role, connections, seconds, ok),
    );
    let simulate = vec![signed(
        &addr,
        "Action=SimulatePrincipalPolicy&Version=2010-05-08\
         &PolicySourceArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Fci%2Fci-deployer\
         &ActionNames.member.1=iam%3APassRole\
         &ResourceArns.member.1=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fmy-task-role\
         &ContextEntries.member.1.ContextKeyName=iam%3APassedToService\
         &ContextEntries.member.1.ContextKeyType=string\
         &ContextEntries.member.1.ContextKeyValues.member.1=ecs-tasks.amazonaws.com",
        "iam",
    )];
    record(
        SIMULATE,
        run_expecting(SIMULATE, &addr, simulate, connections, seconds, ok),
    );
    let writes = vec![
        signed(
            &addr,
            "Action=TagRole&Version=2010-05-08&RoleName=my-task-role&Tags.member.1.Key=team&Tags.member.1.Value=blue",
            "iam",
        ),
        signed(
            &addr,
            "Action=UntagRole&Version=2010-05-08&RoleName=my-task-role&TagKeys.member.1=team",
            "iam",
        ),
    ];
    record(
        WRITES,
        run_expecting(WRITES, &addr, writes, connections.min(8), seconds, ok),
    );
    drop(server);
}

const GET_ROLE_BODY: &str = "Action=GetRole&Version=2010-05-08&RoleName=my-task-role";

/// The same signed GetRole against another IAM endpoint (moto's server: `WARDEN_LOAD_MOTO`,
/// `benches/moto.sh` starts one), after a signed CreateRole makes the role there.
fn bench_other(
    name: &str,
    endpoint: &str,
    connections: usize,
    seconds: u64,
    results: &mut Vec<Measured>,
) {
    let addr = endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let create = format!(
        "Action=CreateRole&Version=2010-05-08&RoleName=my-task-role&AssumeRolePolicyDocument={}",
        percent_encoding::utf8_percent_encode(TRUST, percent_encoding::NON_ALPHANUMERIC)
    );
    // An existing role (a second run against the same server) is fine too.
    let status = once(&addr, &signed(&addr, &create, "iam"));
    println!("{name}: CreateRole answered {status}");
    println!("{name} on {addr}: {connections} connections, {seconds} s per scenario");
    let get_role = vec![signed(&addr, GET_ROLE_BODY, "iam")];
    if let Some(per_second) = run_expecting(
        GET_ROLE,
        &addr,
        get_role,
        connections,
        seconds,
        "HTTP/1.1 200",
    ) {
        results.push(Measured {
            scenario: GET_ROLE,
            backend: name.to_string(),
            per_second,
        });
    }
}

/// The table of the run: each scenario's requests/s per backend, and each against SQLite's.
fn summary(results: &[Measured]) {
    println!();
    println!("summary: requests/s (and SQLite's over it)");
    let mut backends: Vec<&str> = Vec::new();
    for m in results {
        if !backends.contains(&m.backend.as_str()) {
            backends.push(&m.backend);
        }
    }
    for scenario in [BASELINE, GET_ROLE, SIMULATE, WRITES] {
        let of = |backend: &str| {
            results
                .iter()
                .find(|m| m.scenario == scenario && m.backend == backend)
                .map(|m| m.per_second)
        };
        let Some(sqlite) = of("SQLite") else { continue };
        let mut line = format!("{scenario:<30} SQLite {sqlite:>8.0}");
        for backend in backends.iter().filter(|b| **b != "SQLite") {
            if let Some(other) = of(backend) {
                line.push_str(&format!(
                    "  {backend} {other:>8.0} ({:.2}x)",
                    sqlite / other
                ));
            }
        }
        println!("{line}");
    }
}

fn main() {
    // `cargo test` runs benches with --bench absent: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let seconds: u64 = std::env::var("WARDEN_LOAD_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let connections: usize = std::env::var("WARDEN_LOAD_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let dir = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    let sqlite = dir.path().join("load.db").to_string_lossy().into_owned();
    bench_backend("SQLite", &sqlite, true, connections, seconds, &mut results);
    if let Some(base) = postgres_base() {
        let schema = format!("warden_load_{}", std::process::id());
        let mut admin = postgres::Client::connect(&base, postgres::NoTls).unwrap();
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .unwrap();
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-csearch_path%3D{schema}");
        bench_backend("PostgreSQL", &url, true, connections, seconds, &mut results);
        admin
            .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .unwrap();
        // The same without the listener (`--max-staleness 0`): a generation read per request.
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .unwrap();
        bench_backend("PG-read", &url, false, connections, seconds, &mut results);
        admin
            .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .unwrap();
    }
    if let Ok(moto) = std::env::var("WARDEN_LOAD_MOTO") {
        bench_other("moto", &moto, connections, seconds, &mut results);
    }
    summary(&results);
}
