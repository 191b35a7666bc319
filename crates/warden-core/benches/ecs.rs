//! The ecs-1000 workload (`shared/bench/ecs-1000/`), side by side with cedar-policy.
//!
//! One run does three things, in order:
//! 1. checks that every one of the 1,000 decisions equals the workload's `expect`, for Warden and
//!    for cedar-policy on Cedar encoding A, and stops with the list of mismatches if not (set
//!    `WARDEN_BENCH_ALLOW_MISMATCH=1` to go on measuring anyway, e.g. while profiling);
//! 2. measures both engines with `std::time::Instant` and prints decisions/s, p50 and p99 latency
//!    per decision and the throughput ratio (only under `cargo bench`, not `cargo test`);
//! 3. hands over to criterion (`warden_decide_1000`, `cedar_a_1000`) for its statistics.
//!
//! Everything is parsed, compiled and built before any timing: the timed loops only decide.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use criterion::Criterion;
use serde_json::Value;
use std::collections::HashMap;
use std::hint::black_box;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use warden_core::context::ContextValue;
use warden_core::{
    CompiledPolicy, EvalDecision, Policy, PolicySet, PolicyType, Principal, Request,
};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/bench/ecs-1000"
);

/// The engines are timed in alternating rounds, so that both see the same machine: on a shared
/// 2-core machine the speed of the whole host drifts by tens of percent from second to second.
const ROUNDS: usize = 12;
/// How long each engine runs the workload before the rounds start.
const WARM_UP: Duration = Duration::from_millis(500);
/// Warden's per-decision latencies are timed over this many back-to-back decisions of the same
/// request, so that the clock's own cost (~20-30 ns a reading) does not swamp a ~100 ns decision.
const WARDEN_BATCH: usize = 8;
/// Per round: passes over the 1,000 timed whole (throughput), and passes timed per decision.
const WARDEN_THROUGHPUT_PASSES: usize = 25;
const WARDEN_LATENCY_PASSES: usize = 5;
/// Cedar's decisions take microseconds: one pass of each kind per round, each decision timed on
/// its own.
const CEDAR_THROUGHPUT_PASSES: usize = 1;
const CEDAR_LATENCY_PASSES: usize = 1;

/// One request of the workload, as the file gives it.
struct Case {
    cat: String,
    principal: String,
    ptype: String,
    action: String,
    resource: String,
    context: serde_json::Map<String, Value>,
    expect: bool,
}

/// The workload ready for both engines.
struct Workload {
    cases: Vec<Case>,
    /// Warden: one compiled policy set per (principal, trust-bearing resource).
    sets: Vec<PolicySet>,
    /// Warden: (index into `sets`, request), one per case.
    warden: Vec<(usize, Request)>,
    cedar: CedarA,
}

struct CedarA {
    authorizer: cedar_policy::Authorizer,
    policies: cedar_policy::PolicySet,
    entities: cedar_policy::Entities,
    requests: Vec<cedar_policy::Request>,
}

fn read(name: &str) -> String {
    let path = format!("{DIR}/{name}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read `{path}`: {e}"))
}

fn load_cases() -> Vec<Case> {
    let v: Value = serde_json::from_str(&read("requests.json")).expect("requests.json");
    let list = v.as_array().expect("requests.json: a list");
    let text = |r: &Value, k: &str| -> String {
        r.get(k)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("request without string `{k}`: {r}"))
            .to_string()
    };
    list.iter()
        .map(|r| Case {
            cat: text(r, "cat"),
            principal: text(r, "principal"),
            ptype: text(r, "ptype"),
            action: text(r, "action"),
            resource: text(r, "resource"),
            context: r
                .get("context")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            expect: r.get("expect").and_then(Value::as_bool).expect("expect"),
        })
        .collect()
}

/// The string values of a context entry: a string, or a list of strings.
fn context_strings(key: &str, v: &Value) -> Result<String, Vec<String>> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Array(items) => Err(items
            .iter()
            .map(|i| {
                i.as_str()
                    .unwrap_or_else(|| panic!("context `{key}`: not a string: {i}"))
                    .to_string()
            })
            .collect()),
        other => panic!("context `{key}`: neither a string nor a list: {other}"),
    }
}

fn compile(name: &str, doc: &Value, kind: PolicyType, source_type: &str) -> CompiledPolicy {
    let text = serde_json::to_string_pretty(doc).expect("policy to text");
    let policy = Policy::parse(&text).unwrap_or_else(|e| panic!("policy `{name}`: {e:?}"));
    CompiledPolicy::new(Arc::new(policy), kind, name, source_type)
}

fn build_warden(cases: &[Case]) -> (Vec<PolicySet>, Vec<(usize, Request)>) {
    let iam: Value = serde_json::from_str(&read("iam_raw.json")).expect("iam_raw.json");
    let raw = iam.get("raw").and_then(Value::as_object).expect("`raw`");
    let attach = iam
        .get("attach")
        .and_then(Value::as_object)
        .expect("`attach`");
    let respol = iam
        .get("respol")
        .and_then(Value::as_object)
        .expect("`respol`");
    let trust = iam.get("trust").expect("`trust`");
    // `trust` is the trust policy itself; accept a map of named trust policies too.
    let trust_doc = |name: &str| -> &Value {
        if trust.get("Statement").is_some() {
            trust
        } else {
            trust
                .get(name)
                .unwrap_or_else(|| panic!("no trust policy `{name}`"))
        }
    };

    let mut compiled: HashMap<String, CompiledPolicy> = HashMap::new();
    for (name, doc) in raw {
        compiled.insert(
            name.clone(),
            compile(name, doc, PolicyType::Identity, "IAM Policy"),
        );
    }
    let mut trusts: HashMap<String, CompiledPolicy> = HashMap::new();
    for (role, name) in respol {
        let name = name.as_str().expect("respol: policy name");
        trusts.insert(
            role.clone(),
            compile(
                name,
                trust_doc(name),
                PolicyType::Trust,
                "Role trust policy",
            ),
        );
    }

    let mut sets: Vec<PolicySet> = Vec::new();
    let mut set_of: HashMap<(String, Option<String>), usize> = HashMap::new();
    let mut warden = Vec::with_capacity(cases.len());
    for c in cases {
        let trust_role = trusts.contains_key(&c.resource).then(|| c.resource.clone());
        let key = (c.principal.clone(), trust_role);
        let set = *set_of.entry(key.clone()).or_insert_with(|| {
            let mut b = PolicySet::builder();
            if let Some(names) = attach.get(&c.principal).and_then(Value::as_array) {
                for n in names {
                    let n = n.as_str().expect("attach: policy name");
                    let p = compiled
                        .get(n)
                        .unwrap_or_else(|| panic!("attach names unknown policy `{n}`"));
                    b = b.identity(p.clone());
                }
            }
            if let Some(role) = &key.1 {
                b = b.resource(trusts[role].clone());
            }
            sets.push(b.build());
            sets.len() - 1
        });
        let principal = match c.ptype.as_str() {
            "Service" => {
                let p = Principal::parse(&c.principal);
                assert!(
                    p.is_service(),
                    "`{}` is not read as a service principal",
                    c.principal
                );
                p
            }
            "AWS" => Principal::parse(&c.principal),
            other => panic!("unknown ptype `{other}`"),
        };
        let mut req = Request::new(principal, c.action.clone(), c.resource.clone());
        for (k, v) in &c.context {
            let value = match context_strings(k, v) {
                Ok(s) => ContextValue::string(s),
                Err(list) => ContextValue::strings(list),
            };
            req.context.insert(k.clone(), value);
        }
        warden.push((set, req));
    }
    (sets, warden)
}

/// Cedar encoding A: the principal is `Role::"<arn>"` (a member of `Policy::"<name>"` per
/// attachment) or `Service::"<name>"`; the action is `Action::"<service:Name>"` (a member of the
/// `grp:<policy>.<n>` action groups); the resource is `Arn::"<arn>"`; the context carries the
/// resource ARN as `arn` and the request's condition keys under their own names.
fn build_cedar(cases: &[Case]) -> CedarA {
    use cedar_policy::{
        Context, Entities, EntityUid, PolicySet as CedarPolicySet, Request as CedarRequest,
        RestrictedExpression,
    };
    let policies = CedarPolicySet::from_str(&read("iam_a.cedar")).expect("iam_a.cedar");
    let entities = Entities::from_json_str(&read("entities_a.json"), None).expect("entities");
    let uid = |ty: &str, id: &str| -> EntityUid {
        let escaped = serde_json::to_string(id).expect("id");
        EntityUid::from_str(&format!("{ty}::{escaped}"))
            .unwrap_or_else(|e| panic!("entity uid {ty}::{escaped}: {e}"))
    };
    let requests = cases
        .iter()
        .map(|c| {
            let principal = match c.ptype.as_str() {
                "Service" => uid("Service", &c.principal),
                _ if c.principal.contains(":user/") => uid("User", &c.principal),
                _ => uid("Role", &c.principal),
            };
            let mut pairs = vec![(
                "arn".to_string(),
                RestrictedExpression::new_string(c.resource.clone()),
            )];
            for (k, v) in &c.context {
                let e = match context_strings(k, v) {
                    Ok(s) => RestrictedExpression::new_string(s),
                    Err(list) => RestrictedExpression::new_set(
                        list.into_iter().map(RestrictedExpression::new_string),
                    ),
                };
                pairs.push((k.clone(), e));
            }
            let context = Context::from_pairs(pairs).expect("cedar context");
            CedarRequest::new(
                principal,
                uid("Action", &c.action),
                uid("Arn", &c.resource),
                context,
                None,
            )
            .expect("cedar request")
        })
        .collect();
    CedarA {
        authorizer: cedar_policy::Authorizer::new(),
        policies,
        entities,
        requests,
    }
}

impl Workload {
    fn load() -> Workload {
        let cases = load_cases();
        assert_eq!(
            cases.len(),
            1000,
            "ecs-1000 should hold 1,000 requests, found {}",
            cases.len()
        );
        let (sets, warden) = build_warden(&cases);
        let cedar = build_cedar(&cases);
        Workload {
            cases,
            sets,
            warden,
            cedar,
        }
    }

    #[inline]
    fn warden_decide(&self, i: usize) -> EvalDecision {
        let (set, req) = &self.warden[i];
        self.sets[*set].decide(req)
    }

    #[inline]
    fn cedar_allows(&self, i: usize) -> bool {
        let c = &self.cedar;
        c.authorizer
            .is_authorized(&c.requests[i], &c.policies, &c.entities)
            .decision()
            == cedar_policy::Decision::Allow
    }

    fn describe(&self, i: usize) -> String {
        let c = &self.cases[i];
        let ctx = if c.context.is_empty() {
            String::new()
        } else {
            format!(" context={}", Value::Object(c.context.clone()))
        };
        format!(
            "#{i:<4} [{}] {} ({}) {} on {}{ctx}: expected {}",
            c.cat,
            c.principal,
            c.ptype,
            c.action,
            c.resource,
            if c.expect { "allow" } else { "deny" }
        )
    }

    /// Checks every decision of both engines against `expect`; returns the number of mismatches.
    fn verify(&self) -> usize {
        let mut bad = 0;
        // (case index, what went wrong)
        let mut warden_bad: Vec<(usize, String)> = Vec::new();
        for i in 0..self.cases.len() {
            let fast = self.warden_decide(i);
            let (set, req) = &self.warden[i];
            let full = self.sets[*set].authorize(req);
            if full.decision != fast {
                warden_bad.push((
                    i,
                    format!(
                        "decide() says {fast:?} but authorize() says {:?}",
                        full.decision
                    ),
                ));
            } else if (fast == EvalDecision::Allowed) != self.cases[i].expect {
                warden_bad.push((
                    i,
                    format!("Warden says {} ({:?})", fast.as_str(), full.reason),
                ));
            }
        }
        let mut cedar_bad: Vec<(usize, String)> = Vec::new();
        for i in 0..self.cases.len() {
            let c = &self.cedar;
            let resp = c
                .authorizer
                .is_authorized(&c.requests[i], &c.policies, &c.entities);
            let allowed = resp.decision() == cedar_policy::Decision::Allow;
            let errors: Vec<String> = resp
                .diagnostics()
                .errors()
                .map(ToString::to_string)
                .collect();
            if allowed != self.cases[i].expect || !errors.is_empty() {
                let errors = if errors.is_empty() {
                    String::new()
                } else {
                    format!(" with errors {errors:?}")
                };
                cedar_bad.push((i, format!("Cedar says {:?}{errors}", resp.decision())));
            }
        }
        for (engine, list) in [("Warden", &warden_bad), ("cedar-policy (A)", &cedar_bad)] {
            if list.is_empty() {
                println!("{engine}: all 1,000 decisions match `expect`");
                continue;
            }
            bad += list.len();
            let mut by_cat: HashMap<&str, usize> = HashMap::new();
            for (i, _) in list.iter() {
                *by_cat.entry(&self.cases[*i].cat).or_default() += 1;
            }
            let mut cats: Vec<_> = by_cat.into_iter().collect();
            cats.sort();
            eprintln!();
            eprintln!(
                "!!! {engine}: {} of 1,000 decisions differ from `expect` (by category: {cats:?}):",
                list.len()
            );
            for (i, what) in list.iter() {
                eprintln!("  {}: {what}", self.describe(*i));
            }
        }
        bad
    }
}

/// Latency percentiles and throughput of one engine.
struct Figures {
    per_second: f64,
    p50: Duration,
    p99: Duration,
    /// Median latency of each case over the passes.
    per_case: Vec<Duration>,
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

/// Collects one engine's timings over the rounds.
struct Timer {
    batch: usize,
    throughput_passes: usize,
    latency_passes: usize,
    /// Whole passes over the 1,000.
    passes: Vec<Duration>,
    /// Per case, one latency per latency pass.
    by_case: Vec<Vec<Duration>>,
}

impl Timer {
    fn new(n: usize, batch: usize, throughput_passes: usize, latency_passes: usize) -> Timer {
        Timer {
            batch,
            throughput_passes,
            latency_passes,
            passes: Vec::new(),
            by_case: vec![Vec::new(); n],
        }
    }

    /// Warm-up, by time rather than by count: caches and branch predictors, and a CPU that
    /// takes a moment to reach its clock (as criterion's own warm-up does).
    fn warm_up(&self, mut decide: impl FnMut(usize)) {
        let warm = Instant::now();
        while warm.elapsed() < WARM_UP {
            for i in 0..self.by_case.len() {
                decide(i);
            }
        }
    }

    /// One round: whole passes for throughput, then passes that time each decision (over
    /// `batch` back-to-back calls of the same case).
    fn round(&mut self, mut decide: impl FnMut(usize)) {
        let n = self.by_case.len();
        for _ in 0..self.throughput_passes {
            let start = Instant::now();
            for i in 0..n {
                decide(i);
            }
            self.passes.push(start.elapsed());
        }
        for _ in 0..self.latency_passes {
            for (i, case) in self.by_case.iter_mut().enumerate() {
                let t = Instant::now();
                for _ in 0..self.batch {
                    decide(i);
                }
                case.push(t.elapsed() / self.batch as u32);
            }
        }
    }

    /// Throughput from the median pass (a pass another process interrupts says nothing about
    /// the engine); p50 and p99 over every per-decision sample.
    fn figures(mut self) -> Figures {
        let n = self.by_case.len();
        self.passes.sort_unstable();
        let per_second = n as f64 / percentile(&self.passes, 0.5).as_secs_f64();
        let mut samples: Vec<Duration> = self.by_case.iter().flatten().copied().collect();
        samples.sort_unstable();
        let per_case = self
            .by_case
            .iter_mut()
            .map(|c| {
                c.sort_unstable();
                percentile(c, 0.5)
            })
            .collect();
        Figures {
            per_second,
            p50: percentile(&samples, 0.50),
            p99: percentile(&samples, 0.99),
            per_case,
        }
    }
}

/// The median of the per-case medians in each category, as `cat median` pairs.
fn by_category(w: &Workload, f: &Figures) -> String {
    let mut cats: Vec<(&str, Vec<Duration>)> = Vec::new();
    for (c, d) in w.cases.iter().zip(&f.per_case) {
        match cats.iter_mut().find(|(k, _)| *k == c.cat) {
            Some((_, v)) => v.push(*d),
            None => cats.push((&c.cat, vec![*d])),
        }
    }
    cats.iter_mut()
        .map(|(k, v)| {
            v.sort_unstable();
            format!("{k} {:.0}", percentile(v, 0.5).as_secs_f64() * 1e9)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn report(w: &Workload) {
    let n = w.cases.len();
    let warden_decide = |i: usize| {
        black_box(w.warden_decide(black_box(i)));
    };
    let cedar_decide = |i: usize| {
        black_box(w.cedar_allows(black_box(i)));
    };
    let mut warden = Timer::new(
        n,
        WARDEN_BATCH,
        WARDEN_THROUGHPUT_PASSES,
        WARDEN_LATENCY_PASSES,
    );
    let mut cedar = Timer::new(n, 1, CEDAR_THROUGHPUT_PASSES, CEDAR_LATENCY_PASSES);
    warden.warm_up(warden_decide);
    cedar.warm_up(cedar_decide);
    for _ in 0..ROUNDS {
        warden.round(warden_decide);
        cedar.round(cedar_decide);
    }
    let (warden, cedar) = (warden.figures(), cedar.figures());
    let ns = |d: Duration| d.as_secs_f64() * 1e9;
    println!();
    println!(
        "ecs-1000, single thread, one run ({ROUNDS} alternating rounds; decisions/s from the median pass over the 1,000):"
    );
    println!(
        "  Warden            {:>12.0} decisions/s  ({:>7.1} ns/decision)  p50 {:>9.1} ns  p99 {:>9.1} ns  (latency over batches of {WARDEN_BATCH})",
        warden.per_second,
        1e9 / warden.per_second,
        ns(warden.p50),
        ns(warden.p99)
    );
    println!(
        "  cedar-policy (A)  {:>12.0} decisions/s  ({:>7.1} ns/decision)  p50 {:>9.1} ns  p99 {:>9.1} ns",
        cedar.per_second,
        1e9 / cedar.per_second,
        ns(cedar.p50),
        ns(cedar.p99)
    );
    println!(
        "  throughput ratio Warden/Cedar: {:.1}x",
        warden.per_second / cedar.per_second
    );
    println!(
        "  median ns by category, Warden: {}",
        by_category(w, &warden)
    );
    println!(
        "  median ns by category, Cedar:  {}",
        by_category(w, &cedar)
    );
    println!();
}

fn criterion_benches(c: &mut Criterion, w: &Workload) {
    let n = w.cases.len();
    let mut g = c.benchmark_group("ecs1000");
    g.throughput(criterion::Throughput::Elements(n as u64));
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(4));
    g.bench_function("warden_decide_1000", |b| {
        b.iter(|| {
            for i in 0..n {
                black_box(w.warden_decide(black_box(i)));
            }
        })
    });
    // ~20 ms an iteration: few samples keep the run short.
    g.sample_size(10);
    g.bench_function("cedar_a_1000", |b| {
        b.iter(|| {
            for i in 0..n {
                black_box(w.cedar_allows(black_box(i)));
            }
        })
    });
    g.finish();
}

fn main() {
    let w = Workload::load();
    let bad = w.verify();
    if bad > 0 {
        if std::env::var_os("WARDEN_BENCH_ALLOW_MISMATCH").is_some() {
            eprintln!(
                "\n!!! {bad} mismatching decisions: going on (WARDEN_BENCH_ALLOW_MISMATCH)\n"
            );
        } else {
            eprintln!(
                "\n!!! ecs-1000: {bad} mismatching decisions: not benchmarking a wrong engine"
            );
            std::process::exit(1);
        }
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and then criterion runs
    // each benchmark once as a smoke test, and the timed report is skipped.
    if std::env::args().any(|a| a == "--bench") {
        report(&w);
    }
    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c, &w);
    c.final_summary();
}
