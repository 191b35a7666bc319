//! The account both store benches build: 10,000 roles and 5,000 customer managed policies.
//! Each role has three attached customer policies, one AWS managed policy and an inline policy.
#![allow(dead_code)]

use warden_store::principal::SimulatePrincipalPolicyRequest;
use warden_store::{Store, Value};

pub const ROLES: usize = 10_000;
pub const POLICIES: usize = 5_000;
pub const ACCOUNT: &str = "123456789012";

pub fn populate(store: &Store) {
    let now = "2026-11-29T00:00:00Z";
    store
        .db()
        .write(|tx| {
            for p in 0..POLICIES {
                let name = format!("policy-{p:05}");
                let id = format!("ANPA{p:017}");
                let arn = format!("arn:aws:iam::{ACCOUNT}:policy/bench/{name}");
                tx.execute(
                    "INSERT INTO iam_policies (id, name, name_key, path, arn, description, create_date, update_date, default_version, next_version) VALUES ($1, $2, $3, '/bench/', $4, NULL, $5, $5, 'v1', 2)",
                    &[id.as_str().into(), name.as_str().into(), name.as_str().into(), arn.into(), now.into()],
                )?;
                let document = format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::bucket-{p}","arn:aws:s3:::bucket-{p}/*"]}},{{"Effect":"Allow","Action":"ecs:Describe*","Resource":"*","Condition":{{"StringEquals":{{"aws:RequestedRegion":"eu-west-1"}}}}}}]}}"#
                );
                tx.execute(
                    "INSERT INTO iam_policy_versions (policy_id, version_id, document, create_date) VALUES ($1, 'v1', $2, $3)",
                    &[id.into(), document.into(), now.into()],
                )?;
            }
            let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
            for r in 0..ROLES {
                let name = format!("role-{r:05}");
                let id = format!("AROA{r:017}");
                tx.execute(
                    "INSERT INTO iam_roles (id, name, name_key, path, create_date, trust_policy, description, max_session_duration, boundary, service_name) VALUES ($1, $2, $3, '/', $4, $5, NULL, 3600, NULL, NULL)",
                    &[id.as_str().into(), name.as_str().into(), name.as_str().into(), now.into(), trust.into()],
                )?;
                for k in 0..3 {
                    let p = (r * 7 + k * 1013) % POLICIES;
                    tx.execute(
                        "INSERT INTO iam_attachments (entity_kind, entity_id, policy_arn) VALUES ('role', $1, $2)",
                        &[id.as_str().into(), format!("arn:aws:iam::{ACCOUNT}:policy/bench/policy-{p:05}").into()],
                    )?;
                }
                tx.execute(
                    "INSERT INTO iam_attachments (entity_kind, entity_id, policy_arn) VALUES ('role', $1, 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy')",
                    &[id.as_str().into()],
                )?;
                tx.execute(
                    "INSERT INTO iam_inline_policies (entity_kind, entity_id, name, name_key, document) VALUES ('role', $1, 'logs', 'logs', $2)",
                    &[
                        Value::Text(id),
                        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}"#.into(),
                    ],
                )?;
            }
            Ok(())
        })
        .expect("populate");
}

pub fn request(role: usize) -> SimulatePrincipalPolicyRequest {
    let p = (role * 7) % POLICIES;
    SimulatePrincipalPolicyRequest {
        policy_source_arn: format!("arn:aws:iam::{ACCOUNT}:role/role-{role:05}"),
        action_names: vec!["s3:GetObject".into(), "ecr:GetAuthorizationToken".into()],
        resource_arns: vec![format!("arn:aws:s3:::bucket-{p}/key")],
        ..SimulatePrincipalPolicyRequest::default()
    }
}
