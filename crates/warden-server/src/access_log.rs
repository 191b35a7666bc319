//! The decision log: one line per request, so that a live `AccessDenied` can be understood
//! without a debugger — who asked, for what, what the engine decided and why.
//!
//! A line holds the request id, the caller's ARN, the operation, and for each authorization the
//! IAM action, the resource, the decision and its reason (the deciding statements; for a
//! denial, why nothing allowed and the context keys the policies wanted). It never holds a
//! parameter's value: secrets (`SecretAccessKey`, session tokens, passwords) travel only in
//! parameters and responses, and neither is logged.

use std::io::Write;
use std::sync::Mutex;

use serde::Serialize;
use warden_core::authorize::MatchedStatement;
use warden_core::policy::Effect;
use warden_core::{Decision, Explanation, Reason};

/// How requests are logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One `key=value` line per request.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
    /// Nothing.
    Off,
}

/// One authorization the engine decided for a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The IAM action, e.g. `iam:CreateRole`.
    pub action: String,
    /// The resource ARN (`*` for actions on no resource).
    pub resource: String,
    /// `allowed`, `explicitDeny` or `implicitDeny`.
    pub decision: &'static str,
    /// Why, in words: the deciding statements, or what was missing, the nearest miss and the
    /// fix.
    pub reason: String,
    /// For a denial, the engine's explanation (near misses, applying denies, fixes), in the
    /// JSON log only (docs/semantics.md, "Explanations").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
}

impl Verdict {
    /// The verdict for `decision` of `action` on `resource`, with the explanation of a denial.
    pub fn new(
        action: &str,
        resource: &str,
        decision: &Decision,
        explanation: Option<Explanation>,
    ) -> Verdict {
        Verdict {
            action: action.to_string(),
            resource: resource.to_string(),
            decision: decision.decision.as_str(),
            reason: reason(decision, explanation.as_ref()),
            explanation,
        }
    }
}

/// What one request did, for its log line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The request id returned to the client (`x-amzn-RequestId`).
    pub request_id: String,
    /// The caller's ARN, once the signature was verified.
    pub caller: Option<String>,
    /// The operation (the query's `Action`), when the request named one.
    pub operation: Option<String>,
    /// The authorizations decided, in order (the first denied one ends the request).
    pub verdicts: Vec<Verdict>,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The error code of the answer, if it is an error.
    pub error: Option<String>,
}

/// Where and how request lines are written.
pub struct AccessLog {
    format: LogFormat,
    sink: Mutex<Box<dyn Write + Send>>,
}

impl AccessLog {
    /// No log.
    pub fn off() -> AccessLog {
        AccessLog::to_writer(LogFormat::Off, Box::new(std::io::sink()))
    }

    /// Lines to standard error.
    pub fn stderr(format: LogFormat) -> AccessLog {
        AccessLog::to_writer(format, Box::new(std::io::stderr()))
    }

    /// Lines to `sink` (tests read them back).
    pub fn to_writer(format: LogFormat, sink: Box<dyn Write + Send>) -> AccessLog {
        AccessLog {
            format,
            sink: Mutex::new(sink),
        }
    }

    /// Whether anything is logged (the entry need not be built otherwise).
    pub fn enabled(&self) -> bool {
        self.format != LogFormat::Off
    }

    /// Writes the line for `entry`. A log that cannot be written does not fail the request.
    pub fn record(&self, entry: &Entry) {
        let line = match self.format {
            LogFormat::Off => return,
            LogFormat::Text => text_line(entry),
            LogFormat::Json => match serde_json::to_string(entry) {
                Ok(line) => line,
                Err(_) => return,
            },
        };
        if let Ok(mut sink) = self.sink.lock() {
            let _ = writeln!(sink, "{line}");
            let _ = sink.flush();
        }
    }
}

/// `request=ID caller=ARN operation=OP action=A resource=R decision=D reason="..."`; a request
/// with several authorizations lists each, `;`-separated.
fn text_line(entry: &Entry) -> String {
    let mut line = format!(
        "request={} caller={} operation={} status={}",
        entry.request_id,
        entry.caller.as_deref().unwrap_or("-"),
        entry.operation.as_deref().unwrap_or("-"),
        entry.status
    );
    if let Some(code) = &entry.error {
        line.push_str(&format!(" error={code}"));
    }
    for (i, v) in entry.verdicts.iter().enumerate() {
        line.push_str(if i == 0 { " " } else { "; " });
        line.push_str(&format!(
            "action={} resource={} decision={} reason={:?}",
            v.action, v.resource, v.decision, v.reason
        ));
    }
    line
}

/// The decision in words: the statements that decided, or why none did: for an implicit deny
/// the nearest miss of the decisive layer with every part that failed, and the fix.
pub fn reason(decision: &Decision, explanation: Option<&Explanation>) -> String {
    let why = match &decision.reason {
        Reason::AlwaysAllowed => "needs no permission".to_string(),
        Reason::ExplicitDeny => "denied by a Deny statement".to_string(),
        Reason::RcpLevelDenies(level) => {
            format!(
                "no resource control policy allows it at level {}",
                level + 1
            )
        }
        Reason::ScpLevelDenies(level) => {
            format!("no service control policy allows it at level {}", level + 1)
        }
        Reason::TrustDoesNotAllow => "the role's trust policy does not allow it".to_string(),
        Reason::ResourcePolicyDoesNotAllow => {
            "the resource-based policy does not allow this principal".to_string()
        }
        Reason::KeyPolicyDoesNotAllow => {
            "the KMS key policy neither allows the principal nor lets IAM policies allow it"
                .to_string()
        }
        Reason::NoIdentityAllow => "no identity-based policy allows it".to_string(),
        Reason::BoundaryDoesNotAllow => "the permissions boundary does not allow it".to_string(),
        Reason::SessionPolicyDoesNotAllow => "the session policy does not allow it".to_string(),
        Reason::ServiceNotAllowed => {
            "no resource-based policy allows the service principal".to_string()
        }
        Reason::AllowedByIdentity => "allowed by an identity-based policy".to_string(),
        Reason::AllowedByResource => "allowed by the resource-based policy".to_string(),
        Reason::AllowedByBoth => {
            "allowed by both the identity and the resource-based policy".to_string()
        }
    };
    let mut parts = vec![why];
    if !decision.matched.is_empty() {
        let statements: Vec<String> = decision.matched.iter().map(statement).collect();
        parts.push(format!("statements {}", statements.join(", ")));
    } else if decision.decision != warden_core::EvalDecision::Allowed {
        parts.push("no statement matched".to_string());
        if let Some(gap) = explanation.and_then(|e| e.gaps.first()) {
            match gap.near_misses.first() {
                Some(miss) => {
                    let failures: Vec<String> =
                        miss.failures.iter().map(|f| f.to_string()).collect();
                    parts.push(format!(
                        "nearest miss {} in {} at {}:{}: {}",
                        statement(&miss.statement),
                        gap.layer.describe(),
                        miss.statement.start.line,
                        miss.statement.start.column,
                        failures.join(", ")
                    ));
                }
                None => parts.push(format!(
                    "no Allow statement in {} names the action",
                    gap.layer.describe()
                )),
            }
        }
        for fix in explanation.map(|e| e.fix()).unwrap_or_default() {
            parts.push(format!(
                "fix: add to {} the statement {}",
                fix.layer.describe(),
                fix.statement
            ));
        }
    }
    if !decision.missing_context.is_empty() {
        parts.push(format!(
            "missing context keys {}",
            decision.missing_context.join(", ")
        ));
    }
    parts.join("; ")
}

/// `AdministratorAccess#1 (Allow)`, with the `Sid` when there is one.
fn statement(m: &MatchedStatement) -> String {
    let effect = match m.effect {
        Effect::Allow => "Allow",
        Effect::Deny => "Deny",
    };
    let sid = m
        .sid
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| {
            let s: String = s.chars().take(64).collect();
            format!(" `{s}`")
        })
        .unwrap_or_default();
    format!(
        "{}#{}{sid} ({effect})",
        m.source_policy_id,
        m.statement_index + 1
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A writer the test keeps a handle on.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut b) = self.0.lock() {
                b.extend_from_slice(buf);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn entry() -> Entry {
        Entry {
            request_id: "r-1".into(),
            caller: Some("arn:aws:iam::123456789012:user/ci".into()),
            operation: Some("CreateRole".into()),
            verdicts: vec![Verdict {
                action: "iam:CreateRole".into(),
                resource: "arn:aws:iam::123456789012:role/x".into(),
                decision: "implicitDeny",
                reason: "no identity-based policy allows it".into(),
                explanation: None,
            }],
            status: 403,
            error: Some("AccessDenied".into()),
        }
    }

    #[test]
    fn text_and_json_lines() {
        let shared = Shared::default();
        AccessLog::to_writer(LogFormat::Text, Box::new(shared.clone())).record(&entry());
        let text = String::from_utf8(shared.0.lock().map(|b| b.clone()).unwrap_or_default())
            .unwrap_or_default();
        assert_eq!(
            text,
            "request=r-1 caller=arn:aws:iam::123456789012:user/ci operation=CreateRole \
             status=403 error=AccessDenied action=iam:CreateRole \
             resource=arn:aws:iam::123456789012:role/x decision=implicitDeny \
             reason=\"no identity-based policy allows it\"\n"
        );
        let shared = Shared::default();
        AccessLog::to_writer(LogFormat::Json, Box::new(shared.clone())).record(&entry());
        let json: serde_json::Value =
            serde_json::from_slice(&shared.0.lock().map(|b| b.clone()).unwrap_or_default())
                .unwrap_or_default();
        assert_eq!(json["verdicts"][0]["decision"], "implicitDeny");
        assert_eq!(json["caller"], "arn:aws:iam::123456789012:user/ci");

        let shared = Shared::default();
        AccessLog::to_writer(LogFormat::Off, Box::new(shared.clone())).record(&entry());
        assert!(shared.0.lock().map(|b| b.is_empty()).unwrap_or(false));
    }
}
