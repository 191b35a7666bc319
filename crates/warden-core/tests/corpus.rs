//! Runs Warden's own evaluation corpus: every `tests/corpus/*.json` file, each a list of cases
//! (policies, a request, the decision AWS documents). The format is described in
//! `tests/corpus/README.md`. Every failing case is listed with what was expected and what came
//! back, then the test fails.

use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use warden_core::context::{Context, ContextKeyType, ContextValue};
use warden_core::{
    CompiledPolicy, Decision, EvalDecision, Policy, PolicySet, PolicyType, Principal, Request,
};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/seed/amazon-ecs-managed-policies-and-trust-relationships.txt"
);

/// One corpus file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CorpusFile {
    topic: String,
    #[serde(default)]
    about: Option<String>,
    doc: String,
    /// Named policies that cases refer to as `"@Name"`.
    #[serde(default)]
    policies: BTreeMap<String, Value>,
    cases: Vec<Case>,
}

/// One evaluation case.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    doc: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    verify: Option<String>,
    #[serde(default)]
    identity: Vec<Value>,
    #[serde(default)]
    boundary: Option<Vec<Value>>,
    #[serde(default)]
    session: Option<Vec<Value>>,
    #[serde(default)]
    resource: Option<ResourceSpec>,
    #[serde(default)]
    scps: Vec<Vec<Value>>,
    #[serde(default)]
    rcps: Vec<Vec<Value>>,
    request: RequestSpec,
    expect: String,
    /// With `expect: "malformed"`: what the validator's first grammar error says (a part of it).
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    matched: Option<Vec<(String, usize)>>,
    #[serde(default)]
    missing_context: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceSpec {
    #[serde(rename = "type")]
    kind: String,
    policy: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestSpec {
    principal: String,
    action: String,
    resource: String,
    #[serde(default)]
    context: Map<String, Value>,
    #[serde(default)]
    resource_account: Option<String>,
    /// Whether to add the keys AWS derives from the principal (`aws:PrincipalArn`, ...).
    #[serde(default = "yes")]
    principal_keys: bool,
}

fn yes() -> bool {
    true
}

/// The policy text a corpus value stands for: an object is the document itself, `"@Name"`
/// names a policy of the file's `policies`, any other string is the raw text.
fn policy_text(v: &Value, named: &BTreeMap<String, Value>) -> Result<String, String> {
    match v {
        Value::String(s) => match s.strip_prefix('@') {
            Some(name) => match named.get(name) {
                Some(Value::String(s)) if s.starts_with('@') => {
                    Err(format!("named policy `{name}` refers to another name"))
                }
                Some(p) => policy_text(p, named),
                None => Err(format!("no policy named `{name}` in the file's `policies`")),
            },
            None => Ok(s.clone()),
        },
        Value::Object(_) => serde_json::to_string(v).map_err(|e| e.to_string()),
        other => Err(format!(
            "a policy must be an object or a string, not `{other}`"
        )),
    }
}

fn compile(
    v: &Value,
    named: &BTreeMap<String, Value>,
    kind: PolicyType,
    id: &str,
    source_type: &str,
) -> Result<CompiledPolicy, String> {
    let text = policy_text(v, named)?;
    let policy = Policy::parse(&text).map_err(|e| format!("{id} does not parse: {e}"))?;
    Ok(CompiledPolicy::new(Arc::new(policy), kind, id, source_type))
}

fn scalar_text(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(format!(
            "context value `{other}` is not a string, number or boolean"
        )),
    }
}

/// A context value: a string, number or boolean is one value (typed `string`, `numeric`,
/// `boolean`); an array is a multivalued key; `{"type": "ip", "values": [...]}` gives AWS's
/// `ContextKeyType` explicitly.
fn context_value(v: &Value) -> Result<ContextValue, String> {
    match v {
        Value::String(s) => Ok(ContextValue::string(s.clone())),
        Value::Bool(b) => Ok(ContextValue::typed(
            ContextKeyType::Boolean,
            vec![b.to_string()],
        )),
        Value::Number(n) => Ok(ContextValue::typed(
            ContextKeyType::Numeric,
            vec![n.to_string()],
        )),
        Value::Array(items) => Ok(ContextValue::strings(
            items
                .iter()
                .map(scalar_text)
                .collect::<Result<Vec<_>, _>>()?,
        )),
        Value::Object(o) => {
            let kind = o
                .get("type")
                .and_then(Value::as_str)
                .and_then(ContextKeyType::from_name)
                .ok_or_else(|| format!("context entry `{v}` needs a known `type`"))?;
            let values = match (o.get("values"), o.get("value")) {
                (Some(Value::Array(items)), None) => {
                    items.iter().map(scalar_text).collect::<Result<_, _>>()?
                }
                (None, Some(one)) => vec![scalar_text(one)?],
                _ => return Err(format!("context entry `{v}` needs `values` or `value`")),
            };
            Ok(ContextValue::typed(kind, values))
        }
        Value::Null => Err("a context value cannot be null".into()),
    }
}

fn build_request(spec: &RequestSpec) -> Result<Request, String> {
    let mut context = Context::new();
    for (k, v) in &spec.context {
        context.insert(k.clone(), context_value(v)?);
    }
    let mut req = Request::new(
        Principal::parse(&spec.principal),
        spec.action.clone(),
        spec.resource.clone(),
    );
    req.context = context;
    req.resource_account = spec.resource_account.clone();
    Ok(if spec.principal_keys {
        req.with_principal_keys()
    } else {
        req
    })
}

fn build_policy_set(case: &Case, named: &BTreeMap<String, Value>) -> Result<PolicySet, String> {
    let mut b = PolicySet::builder();
    for (i, p) in case.identity.iter().enumerate() {
        let id = format!("PolicyInputList.{}", i + 1);
        b = b.identity(compile(p, named, PolicyType::Identity, &id, "IAM Policy")?);
    }
    for (i, p) in case.boundary.iter().flatten().enumerate() {
        let id = format!("PermissionsBoundaryPolicyInputList.{}", i + 1);
        b = b.boundary(compile(
            p,
            named,
            PolicyType::Boundary,
            &id,
            "PermissionsBoundaryPolicy",
        )?);
    }
    for (i, p) in case.session.iter().flatten().enumerate() {
        let id = format!("SessionPolicy.{}", i + 1);
        b = b.session(compile(
            p,
            named,
            PolicyType::Session,
            &id,
            "SessionPolicy",
        )?);
    }
    if let Some(r) = &case.resource {
        let kind = match r.kind.as_str() {
            "resource" => PolicyType::Resource,
            "trust" => PolicyType::Trust,
            other => return Err(format!("unknown resource policy type `{other}`")),
        };
        b = b.resource(compile(
            &r.policy,
            named,
            kind,
            "ResourcePolicy",
            "Resource Policy",
        )?);
    }
    for (li, level) in case.scps.iter().enumerate() {
        let mut compiled = Vec::new();
        for (pi, p) in level.iter().enumerate() {
            let id = format!("ServiceControlPolicies.{}.{}", li + 1, pi + 1);
            compiled.push(compile(p, named, PolicyType::Scp, &id, "SCP")?);
        }
        b = b.scp_level(compiled);
    }
    for (li, level) in case.rcps.iter().enumerate() {
        let mut compiled = Vec::new();
        for (pi, p) in level.iter().enumerate() {
            let id = format!("ResourceControlPolicies.{}.{}", li + 1, pi + 1);
            compiled.push(compile(p, named, PolicyType::Rcp, &id, "RCP")?);
        }
        b = b.rcp_level(compiled);
    }
    Ok(b.build())
}

fn matched_of(d: &Decision) -> Vec<(String, usize)> {
    let mut m: Vec<(String, usize)> = d
        .matched
        .iter()
        .map(|s| (s.source_policy_id.to_string(), s.statement_index))
        .collect();
    m.sort();
    m
}

fn lower_sorted(keys: &[String]) -> Vec<String> {
    let mut k: Vec<String> = keys.iter().map(|k| k.to_ascii_lowercase()).collect();
    k.sort();
    k.dedup();
    k
}

/// Runs one case; `Err` describes every way it differs from the expectation.
fn run_case(case: &Case, named: &BTreeMap<String, Value>) -> Result<(), String> {
    match (case.expect.as_str(), &case.error) {
        ("allowed" | "explicitDeny" | "implicitDeny", None) => {}
        ("malformed", Some(want)) => {
            // IAM rejects the document, so no decision is made: reading it must fail as
            // `validate` fails it.
            return match build_policy_set(case, named) {
                Err(e) if e.contains(want.as_str()) => Ok(()),
                Err(e) => Err(format!("expected an error saying `{want}`, got: {e}")),
                Ok(_) => Err(format!("expected an error saying `{want}`, but it parses")),
            };
        }
        ("malformed", None) => return Err("`malformed` needs the `error` it expects".into()),
        (_, Some(_)) => return Err("`error` goes only with `expect: \"malformed\"`".into()),
        (other, None) => return Err(format!("unknown expectation `{other}`")),
    }
    let set = build_policy_set(case, named)?;
    let req = build_request(&case.request)?;
    let d = set.authorize(&req);
    let fast = set.decide(&req);
    let mut problems = Vec::new();
    if d.decision.as_str() != case.expect {
        problems.push(format!(
            "expected {}, got {} ({:?})",
            case.expect,
            d.decision.as_str(),
            d.reason
        ));
    }
    if fast != d.decision {
        problems.push(format!(
            "decide() gave {} but authorize() gave {}",
            fast.as_str(),
            d.decision.as_str()
        ));
    }
    if let Some(want) = &case.matched {
        let mut want = want.clone();
        want.sort();
        let got = matched_of(&d);
        if want != got {
            problems.push(format!("matched: expected {want:?}, got {got:?}"));
        }
    }
    if let Some(want) = &case.missing_context {
        let (w, g) = (lower_sorted(want), lower_sorted(&d.missing_context));
        if w != g {
            problems.push(format!(
                "missing_context: expected {want:?}, got {:?}",
                d.missing_context
            ));
        }
    }
    problems.extend(check_explanation(&set, &req, &d));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// What `explain` must say of every case: the same decision; for an allow no gap; for an
/// explicit deny the deciding statements; for an implicit deny at least one gap, the decisive
/// layer first, and fixes that are valid policies of their layer's type and that, added,
/// allow the request.
fn check_explanation(set: &PolicySet, req: &Request, d: &Decision) -> Vec<String> {
    let mut problems = Vec::new();
    let ex = set.explain(req);
    if ex.decision != *d {
        problems.push("explain() and authorize() differ".to_string());
    }
    match d.decision {
        EvalDecision::Allowed => {
            if !ex.gaps.is_empty() || !ex.fixes.is_empty() {
                problems.push("explain: gaps or fixes for an allow".into());
            }
        }
        EvalDecision::ExplicitDeny => {
            let mut got: Vec<(String, usize)> = ex
                .denied_by
                .iter()
                .map(|a| {
                    (
                        a.statement.source_policy_id.to_string(),
                        a.statement.statement_index,
                    )
                })
                .collect();
            got.sort();
            if got != matched_of(d) {
                problems.push(format!(
                    "explain: denied_by {got:?} is not the deciding statements {:?}",
                    matched_of(d)
                ));
            }
        }
        EvalDecision::ImplicitDeny => {
            if ex.gaps.is_empty() {
                problems.push(format!(
                    "explain: no gap for an implicit deny ({:?})",
                    d.reason
                ));
            }
            // The validator knows the `aws` partition only.
            let other_partition =
                req.resource.starts_with("arn:") && !req.resource.starts_with("arn:aws:");
            for fix in ex.fixes.iter().filter(|_| !other_partition) {
                let report = warden_core::policy::validate::validate(
                    &fix.policy_text(),
                    fix.layer.policy_type(),
                );
                if let Some(e) = report.first_error() {
                    problems.push(format!(
                        "explain: the fix for {} is not a valid {} policy: {e:?}\n{}",
                        fix.layer.describe(),
                        fix.layer.policy_type(),
                        fix.policy_text()
                    ));
                }
            }
            match set.with_fixes(&ex.fixes) {
                Ok(fixed) => {
                    let after = fixed.authorize(req);
                    if after.decision != EvalDecision::Allowed {
                        problems.push(format!(
                            "explain: with the fixes the request is still {} ({:?}); fixes: {}",
                            after.decision.as_str(),
                            after.reason,
                            ex.fixes
                                .iter()
                                .map(|f| format!("{} {}", f.layer.describe(), f.statement))
                                .collect::<Vec<_>>()
                                .join("; ")
                        ));
                    }
                }
                Err(e) => problems.push(format!("explain: a fix does not parse: {e}")),
            }
        }
    }
    problems
}

fn corpus_files() -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(CORPUS)
        .map_err(|e| format!("cannot read {CORPUS}: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

fn load(path: &Path) -> Result<CorpusFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn every_corpus_case_gives_the_documented_decision() -> Result<(), String> {
    let files = corpus_files()?;
    assert!(!files.is_empty(), "no corpus files in {CORPUS}");
    let mut total = 0;
    let mut failures = Vec::new();
    let mut summary = String::new();
    for path in &files {
        let name = file_name(path);
        let file = load(path)?;
        let mut failed = 0;
        for case in &file.cases {
            total += 1;
            if let Err(why) = run_case(case, &file.policies) {
                failed += 1;
                let verify = case
                    .verify
                    .as_deref()
                    .map(|v| format!("\n    (VERIFY: {v})"))
                    .unwrap_or_default();
                failures.push(format!(
                    "{name}: {}\n    {why}\n    doc: {}{verify}",
                    case.name, case.doc
                ));
            }
        }
        let _ = writeln!(
            summary,
            "  {name}: {} cases, {failed} failing",
            file.cases.len()
        );
    }
    println!("corpus: {total} cases\n{summary}");
    if failures.is_empty() {
        return Ok(());
    }
    eprintln!(
        "{} of {total} corpus cases fail:\n{}\n",
        failures.len(),
        failures.join("\n")
    );
    Err(format!(
        "{} of {total} corpus cases fail (listed on stderr above)",
        failures.len()
    ))
}

#[test]
fn corpus_files_are_well_formed() -> Result<(), String> {
    let mut problems = Vec::new();
    let mut names = BTreeMap::new();
    for path in corpus_files()? {
        let name = file_name(&path);
        let file = load(&path)?;
        if file.topic.is_empty() || file.doc.is_empty() {
            problems.push(format!("{name}: `topic` and `doc` must not be empty"));
        }
        if file.about.as_deref() == Some("") {
            problems.push(format!("{name}: `about` is empty"));
        }
        if file.cases.is_empty() {
            problems.push(format!("{name}: no cases"));
        }
        for case in &file.cases {
            if case.doc.is_empty() {
                problems.push(format!("{name}: {}: no `doc`", case.name));
            }
            if case.note.as_deref() == Some("") || case.verify.as_deref() == Some("") {
                problems.push(format!("{name}: {}: empty `note`/`verify`", case.name));
            }
            if let Some(other) = names.insert(case.name.clone(), name.clone()) {
                problems.push(format!(
                    "case name `{}` appears in {other} and {name}",
                    case.name
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// The ECS policies embedded in `ecs-seed.json` are AWS's published text: each must equal, as
/// JSON, the policy that follows its name in the seed document.
#[test]
fn ecs_seed_policies_match_the_seed_document() -> Result<(), String> {
    let seed = match std::fs::read_to_string(SEED) {
        Ok(text) => text,
        Err(err) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{SEED} is missing on CI: {err}"
            );
            skipped(
                SEED,
                "the check of the ECS corpus policies against the seed",
                &err,
            );
            return Ok(());
        }
    };
    let file = load(&Path::new(CORPUS).join("ecs-seed.json"))?;
    assert!(
        !file.policies.is_empty(),
        "ecs-seed.json embeds no policies"
    );
    let lines: Vec<&str> = seed.lines().collect();
    let mut problems = Vec::new();
    for (name, embedded) in &file.policies {
        let Some(at) = lines.iter().position(|l| l.trim() == name) else {
            problems.push(format!("`{name}` is not a heading of the seed document"));
            continue;
        };
        let Some(text) = lines.iter().skip(at + 1).find(|l| l.starts_with('{')) else {
            problems.push(format!("no policy follows `{name}` in the seed document"));
            continue;
        };
        match serde_json::from_str::<Value>(text) {
            Ok(published) if &published == embedded => {}
            Ok(_) => problems.push(format!("`{name}` differs from the seed document")),
            Err(e) => problems.push(format!("`{name}` in the seed is not JSON: {e}")),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Says, past the test harness's capture (which takes `eprintln!` only), that the cases were not
/// run and why; under `CI` the missing file is a failure instead.
fn skipped(path: &str, what: &str, err: &std::io::Error) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "\nSKIPPED {what}: `{path}` not found ({err}). ../shared is the project's shared \
         folder, checked out beside this repository (README, \"Running the tests\"); with CI set \
         this is a failure."
    );
}
