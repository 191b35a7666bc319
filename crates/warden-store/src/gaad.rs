//! The account as `aws iam get-account-authorization-details` prints it: importing that JSON
//! into the store (`warden account import FILE`) and exporting the store in the same format
//! (`warden account export`).
//!
//! The format is awscli's rendering of IAM's `GetAccountAuthorizationDetails`: the lists
//! `UserDetailList`, `GroupDetailList`, `RoleDetailList` and `Policies`, plus `IsTruncated` and
//! `Marker`. Policy documents are accepted as JSON objects (as awscli prints them), as JSON
//! text, or URL-encoded (as the raw API returns them); objects are stored compactly with their
//! keys in the order the file gives them.
//!
//! An import is one transaction: every entity is new (a name that exists, regardless of case,
//! fails the whole import with `EntityAlreadyExists`), and malformed input fails with
//! `InvalidInput` naming the list index and field (`RoleDetailList[3]: missing RoleName`).
//! AWS managed policies are not stored (they come from the built-in catalog); only attachments
//! to them are, and they must be in the catalog.
//!
//! The export writes every list sorted by name, documents as JSON objects, customer managed
//! policies with all their versions, and the AWS managed policies something is attached to (or
//! bounded by), with their default version. Two things IAM's format cannot hold are written as
//! extra fields, so that an export imports back without loss: roles carry `MaxSessionDuration`
//! (and `Description` when set), customer managed policies carry `Tags` when they have some,
//! and instance profiles that hold no role are listed under a top-level `InstanceProfileList`.
//! Access keys are not part of the format and are neither imported nor exported.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use percent_encoding::percent_decode_str;
use serde::Serialize;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::db::{Dialect, Tx};
use crate::error::{Result, StoreError};
use crate::ids::{self, IdKind};
use crate::model::{self, EntityKind, Tag};
use crate::store::Store;

/// What an import stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Users.
    pub users: usize,
    /// Groups.
    pub groups: usize,
    /// Roles (service-linked ones included).
    pub roles: usize,
    /// Customer managed policies (AWS managed ones are never stored).
    pub policies: usize,
    /// Instance profiles.
    pub instance_profiles: usize,
}

/// The most versions a managed policy can have.
const MAX_POLICY_VERSIONS: usize = 5;

/// The path prefix of service-linked roles: `/aws-service-role/SERVICE/`.
const SERVICE_ROLE_PATH: &str = "/aws-service-role/";

impl Store {
    /// Loads the JSON `aws iam get-account-authorization-details` prints, in one transaction:
    /// either everything is stored or nothing is.
    ///
    /// The account id comes from the ARNs (they must all agree). It becomes the store's account
    /// id, which is only allowed while the store holds no entities or already has that id. The
    /// change is written to the database; a [`Store`] opened before caches the old id until it
    /// is opened again.
    pub fn import_authorization_details(&self, json: &str) -> Result<ImportSummary> {
        let details = parse(json)?;
        let limit = self.attachment_limit();
        let summary = self.db().write(|tx| store_details(tx, &details, limit))?;
        // The import may have set the account id: ARNs built from now on must carry it.
        self.refresh_account_id()?;
        Ok(summary)
    }

    /// Writes the account in the format `aws iam get-account-authorization-details` prints.
    pub fn export_authorization_details(&self) -> Result<Value> {
        self.db().read(export)
    }
}

// ---- JSON, keeping the order of object keys ----

/// A JSON value that keeps object keys in the order the file gives them (policy documents are
/// stored as given, whatever `serde_json`'s features are).
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// What the value is, for messages.
    fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "a list",
            Json::Object(_) => "an object",
        }
    }

    /// Appends the value as compact JSON.
    fn write_compact(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(&n.to_string()),
            Json::String(s) => out.push_str(&Value::String(s.clone()).to_string()),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_compact(out);
                }
                out.push(']');
            }
            Json::Object(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push(':');
                    value.write_compact(out);
                }
                out.push('}');
            }
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        Json::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut fields = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Json>()? {
            fields.push((key, value));
        }
        Ok(Json::Object(fields))
    }
}

/// `InvalidInput`, prefixed with where in the file (`RoleDetailList[3]`).
fn invalid(path: &str, message: impl fmt::Display) -> StoreError {
    if path.is_empty() {
        StoreError::invalid_input(message.to_string())
    } else {
        StoreError::invalid_input(format!("{path}: {message}"))
    }
}

/// The same error, prefixed with where in the file it comes from.
fn within(path: &str, e: StoreError) -> StoreError {
    StoreError::new(e.code, format!("{path}: {}", e.message))
}

/// An object of the file, and where it is.
struct Obj<'a> {
    path: String,
    fields: &'a [(String, Json)],
}

impl<'a> Obj<'a> {
    /// The field `key` (the first, if repeated); `null` counts as absent.
    fn field(&self, key: &str) -> Option<&'a Json> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .filter(|v| !matches!(v, Json::Null))
    }

    /// The path of field `key`.
    fn at(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn error(&self, message: impl fmt::Display) -> StoreError {
        invalid(&self.path, message)
    }

    fn wrong(&self, key: &str, expected: &str, got: &Json) -> StoreError {
        invalid(
            &self.at(key),
            format!("expected {expected}, not {}", got.kind()),
        )
    }

    fn opt_str(&self, key: &str) -> Result<Option<&'a str>> {
        match self.field(key) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong(key, "a string", other)),
        }
    }

    fn str(&self, key: &str) -> Result<&'a str> {
        self.opt_str(key)?
            .ok_or_else(|| self.error(format!("missing {key}")))
    }

    fn opt_bool(&self, key: &str) -> Result<Option<bool>> {
        match self.field(key) {
            None => Ok(None),
            Some(Json::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.wrong(key, "true or false", other)),
        }
    }

    fn opt_int(&self, key: &str) -> Result<Option<i64>> {
        match self.field(key) {
            None => Ok(None),
            Some(Json::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| invalid(&self.at(key), "expected an integer")),
            Some(other) => Err(self.wrong(key, "an integer", other)),
        }
    }

    fn items(&self, key: &str) -> Result<Vec<(String, &'a Json)>> {
        match self.field(key) {
            None => Ok(Vec::new()),
            Some(Json::Array(items)) => {
                let at = self.at(key);
                Ok(items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| (format!("{at}[{i}]"), item))
                    .collect())
            }
            Some(other) => Err(self.wrong(key, "a list", other)),
        }
    }

    fn objects(&self, key: &str) -> Result<Vec<Obj<'a>>> {
        self.items(key)?
            .into_iter()
            .map(|(path, item)| match item {
                Json::Object(fields) => Ok(Obj { path, fields }),
                other => Err(invalid(
                    &path,
                    format!("expected an object, not {}", other.kind()),
                )),
            })
            .collect()
    }

    fn object(&self, key: &str) -> Result<Option<Obj<'a>>> {
        match self.field(key) {
            None => Ok(None),
            Some(Json::Object(fields)) => Ok(Some(Obj {
                path: self.at(key),
                fields,
            })),
            Some(other) => Err(self.wrong(key, "an object", other)),
        }
    }

    fn strings(&self, key: &str) -> Result<Vec<&'a str>> {
        self.items(key)?
            .into_iter()
            .map(|(path, item)| match item {
                Json::String(s) => Ok(s.as_str()),
                other => Err(invalid(
                    &path,
                    format!("expected a string, not {}", other.kind()),
                )),
            })
            .collect()
    }

    /// A policy document: an object, JSON text, or URL-encoded JSON text; stored as text.
    fn document(&self, key: &str) -> Result<Option<String>> {
        self.field(key)
            .map(|value| document_text(&self.at(key), value))
            .transpose()
    }

    fn required_document(&self, key: &str) -> Result<String> {
        self.document(key)?
            .ok_or_else(|| self.error(format!("missing {key}")))
    }
}

/// A policy document as stored: URL-encoded text decoded, an object written compactly.
fn document_text(path: &str, value: &Json) -> Result<String> {
    let text = match value {
        Json::String(s) => {
            if s.starts_with("%7B") || s.starts_with("%7b") || s.contains("%22") {
                percent_decode_str(s)
                    .decode_utf8()
                    .map_err(|e| {
                        invalid(path, format!("the URL-encoded document is not UTF-8: {e}"))
                    })?
                    .into_owned()
            } else {
                s.clone()
            }
        }
        Json::Object(_) => {
            let mut out = String::new();
            value.write_compact(&mut out);
            out
        }
        other => {
            return Err(invalid(
                path,
                format!(
                    "expected a policy document (an object or a string), not {}",
                    other.kind()
                ),
            ));
        }
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(_)) => Ok(text),
        _ => Err(invalid(path, "not a JSON policy document")),
    }
}

// ---- What the file holds ----

/// A managed policy attachment or a permissions boundary: the policy's ARN, and where.
struct PolicyRef {
    arn: String,
    at: String,
    /// An AWS managed policy (`arn:aws:iam::aws:policy/...`).
    aws: bool,
}

struct Inline {
    name: String,
    document: String,
}

/// What users, groups and roles share.
struct Entity {
    at: String,
    id: String,
    name: String,
    path: String,
    arn: Option<String>,
    create_date: String,
    inline: Vec<Inline>,
    attached: Vec<PolicyRef>,
    boundary: Option<PolicyRef>,
    tags: Vec<Tag>,
}

struct UserIn {
    entity: Entity,
    groups: Vec<(String, String)>,
}

struct RoleIn {
    entity: Entity,
    trust: String,
    description: Option<String>,
    max_session_duration: i64,
    service_name: Option<String>,
    /// `RoleLastUsed`: when and in which region, if the account reports it.
    last_used: Option<(String, String)>,
}

struct ProfileIn {
    at: String,
    id: String,
    name: String,
    path: String,
    arn: Option<String>,
    create_date: String,
    tags: Vec<Tag>,
    /// Index into the roles, or `None` for a profile without a role.
    role: Option<usize>,
}

struct VersionIn {
    id: String,
    number: i64,
    document: String,
    create_date: String,
}

struct PolicyIn {
    at: String,
    id: String,
    name: String,
    path: String,
    arn: String,
    description: Option<String>,
    create_date: String,
    update_date: String,
    default_version: String,
    versions: Vec<VersionIn>,
    tags: Vec<Tag>,
}

struct Details {
    /// The account the ARNs name; `None` when the file holds no ARN.
    account: Option<String>,
    users: Vec<UserIn>,
    groups: Vec<Entity>,
    roles: Vec<RoleIn>,
    profiles: Vec<ProfileIn>,
    policies: Vec<PolicyIn>,
}

/// How the three principal kinds differ in the file.
struct KindSpec {
    name_field: &'static str,
    id_field: &'static str,
    inline_field: &'static str,
    name_param: &'static str,
    max_name: usize,
    id_kind: IdKind,
}

const USER: KindSpec = KindSpec {
    name_field: "UserName",
    id_field: "UserId",
    inline_field: "UserPolicyList",
    name_param: "userName",
    max_name: 64,
    id_kind: IdKind::User,
};

const GROUP: KindSpec = KindSpec {
    name_field: "GroupName",
    id_field: "GroupId",
    inline_field: "GroupPolicyList",
    name_param: "groupName",
    max_name: 128,
    id_kind: IdKind::Group,
};

const ROLE: KindSpec = KindSpec {
    name_field: "RoleName",
    id_field: "RoleId",
    inline_field: "RolePolicyList",
    name_param: "roleName",
    max_name: 64,
    id_kind: IdKind::Role,
};

/// The account an IAM ARN names (`aws` for AWS managed policies), and the rest.
fn split_arn<'a>(arn: &'a str, at: &str) -> Result<(&'a str, &'a str)> {
    let parsed = arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(':'))
        .filter(|(account, _)| {
            *account == "aws"
                || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
        });
    parsed.ok_or_else(|| {
        invalid(
            at,
            format!("{arn} is not an IAM ARN (arn:aws:iam::ACCOUNT:...)"),
        )
    })
}

fn name(obj: &Obj<'_>, field: &str, param: &str, max: usize) -> Result<String> {
    let value = obj.str(field)?;
    model::check_name(value, param, max).map_err(|e| invalid(&obj.at(field), e.message))?;
    Ok(value.to_string())
}

fn path(obj: &Obj<'_>) -> Result<String> {
    model::check_path(obj.opt_str("Path")?).map_err(|e| invalid(&obj.at("Path"), e.message))
}

fn tags(obj: &Obj<'_>) -> Result<Vec<Tag>> {
    obj.objects("Tags")?
        .iter()
        .map(|tag| {
            Ok(Tag {
                key: tag.str("Key")?.to_string(),
                value: tag.opt_str("Value")?.unwrap_or_default().to_string(),
            })
        })
        .collect()
}

/// A policy ARN an entity refers to (attachment or boundary).
fn policy_ref(arn: &str, at: String) -> Result<PolicyRef> {
    let (account, resource) = split_arn(arn, &at)?;
    if !resource.starts_with("policy/") {
        return Err(invalid(&at, format!("{arn} is not a managed policy ARN")));
    }
    let aws = account == "aws";
    if aws {
        warden_catalog::managed().lookup(arn).map_err(|e| {
            StoreError::no_such_entity(format!(
                "{at}: Policy {arn} does not exist or is not attachable ({e})."
            ))
        })?;
    }
    Ok(PolicyRef {
        arn: arn.to_string(),
        at,
        aws,
    })
}

fn entity(obj: &Obj<'_>, spec: &KindSpec) -> Result<Entity> {
    let name = name(obj, spec.name_field, spec.name_param, spec.max_name)?;
    let path = path(obj)?;
    let id = obj
        .opt_str(spec.id_field)?
        .map_or_else(|| ids::new_id(spec.id_kind), str::to_string);
    let create_date = obj
        .opt_str("CreateDate")?
        .map_or_else(ids::now, str::to_string);
    let mut inline: Vec<Inline> = Vec::new();
    for policy in obj.objects(spec.inline_field)? {
        let policy_name = name_of_inline(&policy)?;
        let document = policy.required_document("PolicyDocument")?;
        if inline
            .iter()
            .any(|p| p.name.eq_ignore_ascii_case(&policy_name))
        {
            return Err(policy.error(format!("the inline policy {policy_name} appears twice")));
        }
        inline.push(Inline {
            name: policy_name,
            document,
        });
    }
    let mut attached: Vec<PolicyRef> = Vec::new();
    for attachment in obj.objects("AttachedManagedPolicies")? {
        let arn = attachment.str("PolicyArn")?;
        let reference = policy_ref(arn, attachment.at("PolicyArn"))?;
        if !attached.iter().any(|a| a.arn == reference.arn) {
            attached.push(reference);
        }
    }
    let boundary = match obj.object("PermissionsBoundary")? {
        Some(boundary) => {
            let arn = boundary.str("PermissionsBoundaryArn")?;
            Some(policy_ref(arn, boundary.at("PermissionsBoundaryArn"))?)
        }
        None => None,
    };
    Ok(Entity {
        at: obj.path.clone(),
        id,
        name,
        path,
        arn: obj.opt_str("Arn")?.map(str::to_string),
        create_date,
        inline,
        attached,
        boundary,
        tags: tags(obj)?,
    })
}

fn name_of_inline(policy: &Obj<'_>) -> Result<String> {
    name(policy, "PolicyName", "policyName", 128)
}

fn profile(obj: &Obj<'_>, role: Option<usize>) -> Result<ProfileIn> {
    Ok(ProfileIn {
        at: obj.path.clone(),
        name: name(obj, "InstanceProfileName", "instanceProfileName", 128)?,
        path: path(obj)?,
        id: obj
            .opt_str("InstanceProfileId")?
            .map_or_else(|| ids::new_id(IdKind::InstanceProfile), str::to_string),
        arn: obj.opt_str("Arn")?.map(str::to_string),
        create_date: obj
            .opt_str("CreateDate")?
            .map_or_else(ids::now, str::to_string),
        tags: tags(obj)?,
        role,
    })
}

fn version_number(id: &str) -> Option<i64> {
    id.strip_prefix('v')
        .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse::<i64>().ok())
        .filter(|n| *n >= 1)
}

/// A customer managed policy (`None` for an AWS managed one, which is not stored).
fn policy(obj: &Obj<'_>) -> Result<Option<PolicyIn>> {
    let arn = obj.str("Arn")?;
    let (account, _) = split_arn(arn, &obj.at("Arn"))?;
    if account == "aws" {
        return Ok(None);
    }
    let name = name(obj, "PolicyName", "policyName", 128)?;
    let path = path(obj)?;
    let create_date = obj
        .opt_str("CreateDate")?
        .map_or_else(ids::now, str::to_string);
    let mut versions: Vec<VersionIn> = Vec::new();
    let mut flagged: Option<String> = None;
    for version in obj.objects("PolicyVersionList")? {
        let id = version.str("VersionId")?;
        let number = version_number(id).ok_or_else(|| {
            invalid(
                &version.at("VersionId"),
                format!("{id} is not a policy version id (v1, v2, ...)"),
            )
        })?;
        if versions.iter().any(|v| v.number == number) {
            return Err(version.error(format!("version {id} appears twice")));
        }
        if version.opt_bool("IsDefaultVersion")? == Some(true) {
            if let Some(other) = &flagged {
                return Err(
                    version.error(format!("{other} and {id} are both marked IsDefaultVersion"))
                );
            }
            flagged = Some(id.to_string());
        }
        versions.push(VersionIn {
            id: id.to_string(),
            number,
            document: version.required_document("Document")?,
            create_date: version
                .opt_str("CreateDate")?
                .map_or_else(|| create_date.clone(), str::to_string),
        });
    }
    if versions.is_empty() {
        return Err(
            obj.error("missing PolicyVersionList: a customer managed policy needs its versions")
        );
    }
    if versions.len() > MAX_POLICY_VERSIONS {
        return Err(StoreError::limit_exceeded(format!(
            "{}: A managed policy can have up to {MAX_POLICY_VERSIONS} versions, not {}.",
            obj.at("PolicyVersionList"),
            versions.len()
        )));
    }
    let default_version = match (obj.opt_str("DefaultVersionId")?, flagged) {
        (Some(given), Some(flagged)) if given != flagged => {
            return Err(obj.error(format!(
                "DefaultVersionId is {given} but {flagged} is marked IsDefaultVersion"
            )));
        }
        (Some(given), _) => given.to_string(),
        (None, Some(flagged)) => flagged,
        (None, None) => return Err(obj.error("missing DefaultVersionId")),
    };
    if !versions.iter().any(|v| v.id == default_version) {
        return Err(invalid(
            &obj.at("DefaultVersionId"),
            format!("{default_version} is not in the PolicyVersionList"),
        ));
    }
    Ok(Some(PolicyIn {
        at: obj.path.clone(),
        id: obj
            .opt_str("PolicyId")?
            .map_or_else(|| ids::new_id(IdKind::Policy), str::to_string),
        arn: arn.to_string(),
        description: obj.opt_str("Description")?.map(str::to_string),
        update_date: obj
            .opt_str("UpdateDate")?
            .map_or_else(|| create_date.clone(), str::to_string),
        create_date,
        name,
        path,
        default_version,
        versions,
        tags: tags(obj)?,
    }))
}

/// Parses and checks the file, before touching the store.
fn parse(text: &str) -> Result<Details> {
    let root: Json = serde_json::from_str(text).map_err(|e| {
        StoreError::invalid_input(format!("the authorization details are not JSON: {e}"))
    })?;
    let Json::Object(fields) = &root else {
        return Err(StoreError::invalid_input(format!(
            "the authorization details must be a JSON object, not {}",
            root.kind()
        )));
    };
    let root = Obj {
        path: String::new(),
        fields,
    };
    if root.opt_bool("IsTruncated")? == Some(true) {
        return Err(invalid(
            "IsTruncated",
            "the file holds one page of the account's details: fetch them all (awscli does unless told --max-items)",
        ));
    }

    let mut policies = Vec::new();
    for obj in root.objects("Policies")? {
        if let Some(policy) = policy(&obj)? {
            policies.push(policy);
        }
    }
    let mut groups = Vec::new();
    for obj in root.objects("GroupDetailList")? {
        groups.push(entity(&obj, &GROUP)?);
    }
    let mut roles = Vec::new();
    let mut profiles = Vec::new();
    for (index, obj) in root.objects("RoleDetailList")?.into_iter().enumerate() {
        let entity = entity(&obj, &ROLE)?;
        let trust = obj.required_document("AssumeRolePolicyDocument")?;
        let max_session_duration = obj.opt_int("MaxSessionDuration")?.unwrap_or(3600);
        if !(3600..=43200).contains(&max_session_duration) {
            return Err(invalid(
                &obj.at("MaxSessionDuration"),
                format!("{max_session_duration} is not between 3600 and 43200 seconds"),
            ));
        }
        let service_name = match entity.path.strip_prefix(SERVICE_ROLE_PATH) {
            Some(rest) => {
                let service = rest.strip_suffix('/').unwrap_or(rest);
                if service.is_empty() || service.contains('/') {
                    return Err(invalid(
                        &obj.at("Path"),
                        format!(
                            "a service-linked role's path is {SERVICE_ROLE_PATH}SERVICE/, not {}",
                            entity.path
                        ),
                    ));
                }
                Some(service.to_string())
            }
            None => None,
        };
        for profile_obj in obj.objects("InstanceProfileList")? {
            let profile = profile(&profile_obj, Some(index))?;
            let name_key = profile.name.to_lowercase();
            match profiles
                .iter()
                .find(|p: &&ProfileIn| p.name.to_lowercase() == name_key)
            {
                Some(seen) if seen.role == Some(index) => {}
                Some(seen) => {
                    return Err(invalid(
                        &profile.at,
                        format!(
                            "the instance profile {} already holds another role ({}): a profile holds one role",
                            profile.name, seen.at
                        ),
                    ));
                }
                None => profiles.push(profile),
            }
        }
        let last_used = match obj.object("RoleLastUsed")? {
            Some(used) => match (used.opt_str("LastUsedDate")?, used.opt_str("Region")?) {
                (Some(date), Some(region)) => Some((date.to_string(), region.to_string())),
                _ => None,
            },
            None => None,
        };
        roles.push(RoleIn {
            entity,
            trust,
            description: obj.opt_str("Description")?.map(str::to_string),
            max_session_duration,
            service_name,
            last_used,
        });
    }
    // Warden's extension: instance profiles without a role.
    for obj in root.objects("InstanceProfileList")? {
        profiles.push(profile(&obj, None)?);
    }
    let mut users = Vec::new();
    for obj in root.objects("UserDetailList")? {
        let entity = entity(&obj, &USER)?;
        let mut groups: Vec<(String, String)> = Vec::new();
        for (i, group) in obj.strings("GroupList")?.into_iter().enumerate() {
            if !groups.iter().any(|(g, _)| g.eq_ignore_ascii_case(group)) {
                groups.push((group.to_string(), format!("{}[{i}]", obj.at("GroupList"))));
            }
        }
        users.push(UserIn { entity, groups });
    }

    let mut details = Details {
        account: None,
        users,
        groups,
        roles,
        profiles,
        policies,
    };
    check_duplicates(&details)?;
    details.account = account(&details)?;
    Ok(details)
}

/// Two entities of one kind with the same name (regardless of case) or id.
fn check_duplicates(details: &Details) -> Result<()> {
    fn unique<'a>(
        what: &str,
        items: impl Iterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> Result<()> {
        let mut names: HashMap<String, &str> = HashMap::new();
        let mut ids: HashMap<&str, &str> = HashMap::new();
        for (at, name, id) in items {
            if let Some(first) = names.insert(name.to_lowercase(), at) {
                return Err(invalid(
                    at,
                    format!("the {what} {name} appears twice (also {first})"),
                ));
            }
            if let Some(first) = ids.insert(id, at) {
                return Err(invalid(
                    at,
                    format!("the id {id} appears twice (also {first})"),
                ));
            }
        }
        Ok(())
    }
    fn triple(e: &Entity) -> (&str, &str, &str) {
        (e.at.as_str(), e.name.as_str(), e.id.as_str())
    }
    unique("user", details.users.iter().map(|u| triple(&u.entity)))?;
    unique("group", details.groups.iter().map(triple))?;
    unique("role", details.roles.iter().map(|r| triple(&r.entity)))?;
    unique(
        "instance profile",
        details
            .profiles
            .iter()
            .map(|p| (p.at.as_str(), p.name.as_str(), p.id.as_str())),
    )?;
    unique(
        "policy",
        details
            .policies
            .iter()
            .map(|p| (p.at.as_str(), p.name.as_str(), p.id.as_str())),
    )
}

/// The account every ARN names, and a check that each entity's ARN is its path and name.
fn account(details: &Details) -> Result<Option<String>> {
    let mut arns: Vec<(&str, String)> = Vec::new();
    let entities = details
        .users
        .iter()
        .map(|u| (&u.entity, "user"))
        .chain(details.groups.iter().map(|g| (g, "group")))
        .chain(details.roles.iter().map(|r| (&r.entity, "role")));
    for (entity, _) in entities.clone() {
        if let Some(arn) = &entity.arn {
            arns.push((arn, format!("{}.Arn", entity.at)));
        }
        for reference in entity.attached.iter().chain(entity.boundary.iter()) {
            if !reference.aws {
                arns.push((&reference.arn, reference.at.clone()));
            }
        }
    }
    for profile in &details.profiles {
        if let Some(arn) = &profile.arn {
            arns.push((arn, format!("{}.Arn", profile.at)));
        }
    }
    for policy in &details.policies {
        arns.push((&policy.arn, format!("{}.Arn", policy.at)));
    }

    let mut account: Option<(String, String)> = None;
    for (arn, at) in &arns {
        let (this, _) = split_arn(arn, at)?;
        if this == "aws" {
            return Err(invalid(
                at,
                format!("{arn} is an AWS managed policy's ARN, not the account's"),
            ));
        }
        match &account {
            None => account = Some((this.to_string(), at.clone())),
            Some((first, first_at)) if first != this => {
                return Err(invalid(
                    at,
                    format!("{arn} is in account {this}, but {first_at} is in account {first}"),
                ));
            }
            Some(_) => {}
        }
    }
    let Some((account, _)) = account else {
        return Ok(None);
    };

    let expect = |given: &Option<String>, at: &str, kind: &str, path: &str, name: &str| {
        let expected = model::arn(&account, kind, path, name);
        match given {
            Some(arn) if *arn != expected => Err(invalid(
                &format!("{at}.Arn"),
                format!("{arn} does not match the path and name ({expected})"),
            )),
            _ => Ok(()),
        }
    };
    for (entity, kind) in entities {
        expect(&entity.arn, &entity.at, kind, &entity.path, &entity.name)?;
    }
    for profile in &details.profiles {
        expect(
            &profile.arn,
            &profile.at,
            "instance-profile",
            &profile.path,
            &profile.name,
        )?;
    }
    for policy in &details.policies {
        expect(
            &Some(policy.arn.clone()),
            &policy.at,
            "policy",
            &policy.path,
            &policy.name,
        )?;
    }
    Ok(Some(account))
}

// ---- Storing ----

/// Fails if an entity with this name (regardless of case) or id exists in `table`.
fn check_new(
    tx: &mut dyn Tx,
    table: &str,
    at: &str,
    name: &str,
    id: &str,
    exists_message: &str,
) -> Result<()> {
    let sql = format!("SELECT name, id FROM {table} WHERE name_key = $1 OR id = $2");
    if let Some(row) = tx.query_one(&sql, &[name.to_lowercase().into(), id.into()])? {
        let message = if row.str(0).to_lowercase() == name.to_lowercase() {
            exists_message.to_string()
        } else {
            format!("the id {id} already belongs to {}", row.str(0))
        };
        return Err(StoreError::already_exists(format!("{at}: {message}")));
    }
    Ok(())
}

fn store_inline_and_attached(
    tx: &mut dyn Tx,
    kind: EntityKind,
    entity: &Entity,
    limit: i64,
) -> Result<()> {
    for policy in &entity.inline {
        tx.execute(
            "INSERT INTO iam_inline_policies (entity_kind, entity_id, name, name_key, document) VALUES ($1, $2, $3, $4, $5)",
            &[
                kind.as_str().into(),
                entity.id.as_str().into(),
                policy.name.as_str().into(),
                policy.name.to_lowercase().into(),
                policy.document.as_str().into(),
            ],
        )?;
    }
    if entity.attached.len() as i64 > limit {
        let quota = match kind {
            EntityKind::User => "PoliciesPerUser",
            EntityKind::Group => "PoliciesPerGroup",
            EntityKind::Role => "PoliciesPerRole",
        };
        return Err(StoreError::limit_exceeded(format!(
            "{}.AttachedManagedPolicies: Cannot exceed quota for {quota}: {limit} (the account's \
             attachment limit can be raised to 20)",
            entity.at
        )));
    }
    for reference in &entity.attached {
        tx.execute(
            "INSERT INTO iam_attachments (entity_kind, entity_id, policy_arn) VALUES ($1, $2, $3)",
            &[
                kind.as_str().into(),
                entity.id.as_str().into(),
                reference.arn.as_str().into(),
            ],
        )?;
    }
    Ok(())
}

fn store_tags(tx: &mut dyn Tx, kind: &str, id: &str, at: &str, tags: &[Tag]) -> Result<()> {
    if tags.is_empty() {
        return Ok(());
    }
    crate::tags::put(tx, kind, id, tags).map_err(|e| within(&format!("{at}.Tags"), e))
}

fn store_details(tx: &mut dyn Tx, details: &Details, limit: i64) -> Result<ImportSummary> {
    let current = crate::store::setting(tx, "account_id")?;
    let account = details.account.clone().unwrap_or_else(|| current.clone());
    if account != current {
        let entities = tx.count(
            "SELECT (SELECT COUNT(*) FROM iam_users) + (SELECT COUNT(*) FROM iam_roles) + (SELECT COUNT(*) FROM iam_groups) + (SELECT COUNT(*) FROM iam_policies) + (SELECT COUNT(*) FROM iam_instance_profiles)",
            &[],
        )?;
        if entities > 0 {
            return Err(StoreError::invalid_input(format!(
                "the file holds account {account}'s entities, but the store holds account \
                 {current}'s: import into an empty store (a new path: `warden account import \
                 FILE --database {account}.db` creates it)"
            )));
        }
        tx.execute(
            "UPDATE warden_account SET value = $1 WHERE key = 'account_id'",
            &[account.as_str().into()],
        )?;
    }

    // Nothing may exist already.
    for policy in &details.policies {
        check_new(
            tx,
            "iam_policies",
            &policy.at,
            &policy.name,
            &policy.id,
            &format!(
                "A policy called {} already exists. Duplicate names are not allowed.",
                policy.name
            ),
        )?;
        if tx.count(
            "SELECT COUNT(*) FROM iam_policies WHERE arn = $1",
            &[policy.arn.as_str().into()],
        )? > 0
        {
            return Err(StoreError::already_exists(format!(
                "{}: A policy with the ARN {} already exists.",
                policy.at, policy.arn
            )));
        }
    }
    for group in &details.groups {
        check_new(
            tx,
            "iam_groups",
            &group.at,
            &group.name,
            &group.id,
            &format!("Group with name {} already exists.", group.name),
        )?;
    }
    for role in &details.roles {
        let e = &role.entity;
        check_new(
            tx,
            "iam_roles",
            &e.at,
            &e.name,
            &e.id,
            &format!("Role with name {} already exists.", e.name),
        )?;
    }
    for profile in &details.profiles {
        check_new(
            tx,
            "iam_instance_profiles",
            &profile.at,
            &profile.name,
            &profile.id,
            &format!("Instance Profile {} already exists.", profile.name),
        )?;
    }
    for user in &details.users {
        let e = &user.entity;
        check_new(
            tx,
            "iam_users",
            &e.at,
            &e.name,
            &e.id,
            &format!("User with name {} already exists.", e.name),
        )?;
    }

    for policy in &details.policies {
        let next_version = policy.versions.iter().map(|v| v.number).max().unwrap_or(0) + 1;
        tx.execute(
            "INSERT INTO iam_policies (id, name, name_key, path, arn, description, create_date, update_date, default_version, next_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                policy.id.as_str().into(),
                policy.name.as_str().into(),
                policy.name.to_lowercase().into(),
                policy.path.as_str().into(),
                policy.arn.as_str().into(),
                policy.description.as_deref().into(),
                policy.create_date.as_str().into(),
                policy.update_date.as_str().into(),
                policy.default_version.as_str().into(),
                next_version.into(),
            ],
        )?;
        for version in &policy.versions {
            tx.execute(
                "INSERT INTO iam_policy_versions (policy_id, version_id, document, create_date) VALUES ($1, $2, $3, $4)",
                &[
                    policy.id.as_str().into(),
                    version.id.as_str().into(),
                    version.document.as_str().into(),
                    version.create_date.as_str().into(),
                ],
            )?;
        }
        store_tags(tx, "policy", &policy.id, &policy.at, &policy.tags)?;
    }

    for group in &details.groups {
        tx.execute(
            "INSERT INTO iam_groups (id, name, name_key, path, create_date) VALUES ($1, $2, $3, $4, $5)",
            &[
                group.id.as_str().into(),
                group.name.as_str().into(),
                group.name.to_lowercase().into(),
                group.path.as_str().into(),
                group.create_date.as_str().into(),
            ],
        )?;
        store_inline_and_attached(tx, EntityKind::Group, group, limit)?;
    }

    for role in &details.roles {
        let e = &role.entity;
        tx.execute(
            "INSERT INTO iam_roles (id, name, name_key, path, create_date, trust_policy, description, max_session_duration, boundary, service_name, last_used_date, last_used_region) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &[
                e.id.as_str().into(),
                e.name.as_str().into(),
                e.name.to_lowercase().into(),
                e.path.as_str().into(),
                e.create_date.as_str().into(),
                role.trust.as_str().into(),
                role.description.as_deref().into(),
                role.max_session_duration.into(),
                e.boundary.as_ref().map(|b| b.arn.as_str()).into(),
                role.service_name.as_deref().into(),
                role.last_used.as_ref().map(|(date, _)| date.as_str()).into(),
                role.last_used.as_ref().map(|(_, region)| region.as_str()).into(),
            ],
        )?;
        store_inline_and_attached(tx, EntityKind::Role, e, limit)?;
        store_tags(tx, "role", &e.id, &e.at, &e.tags)?;
    }

    for profile in &details.profiles {
        let role_id = profile
            .role
            .and_then(|i| details.roles.get(i))
            .map(|r| r.entity.id.as_str());
        tx.execute(
            "INSERT INTO iam_instance_profiles (id, name, name_key, path, create_date, role_id) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                profile.id.as_str().into(),
                profile.name.as_str().into(),
                profile.name.to_lowercase().into(),
                profile.path.as_str().into(),
                profile.create_date.as_str().into(),
                role_id.into(),
            ],
        )?;
        store_tags(
            tx,
            "instance-profile",
            &profile.id,
            &profile.at,
            &profile.tags,
        )?;
    }

    for user in &details.users {
        let e = &user.entity;
        tx.execute(
            "INSERT INTO iam_users (id, name, name_key, path, create_date, boundary) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                e.id.as_str().into(),
                e.name.as_str().into(),
                e.name.to_lowercase().into(),
                e.path.as_str().into(),
                e.create_date.as_str().into(),
                e.boundary.as_ref().map(|b| b.arn.as_str()).into(),
            ],
        )?;
        store_inline_and_attached(tx, EntityKind::User, e, limit)?;
        store_tags(tx, "user", &e.id, &e.at, &e.tags)?;
        for (group, at) in &user.groups {
            let group_id = crate::lookup::entity_id(tx, EntityKind::Group, group)
                .map_err(|e| within(at, e))?;
            tx.execute(
                "INSERT INTO iam_group_members (group_id, user_id) VALUES ($1, $2)",
                &[group_id.into(), e.id.as_str().into()],
            )?;
        }
    }

    // Every customer managed policy referred to exists (in the file or already in the store).
    let references = details
        .users
        .iter()
        .map(|u| &u.entity)
        .chain(details.groups.iter())
        .chain(details.roles.iter().map(|r| &r.entity))
        .flat_map(|e| e.attached.iter().chain(e.boundary.iter()))
        .filter(|r| !r.aws);
    for reference in references {
        let found = tx.count(
            "SELECT COUNT(*) FROM iam_policies WHERE arn = $1",
            &[reference.arn.as_str().into()],
        )?;
        if found == 0 {
            return Err(StoreError::no_such_entity(format!(
                "{}: Policy {} does not exist or is not attachable.",
                reference.at, reference.arn
            )));
        }
    }

    Ok(ImportSummary {
        users: details.users.len(),
        groups: details.groups.len(),
        roles: details.roles.len(),
        policies: details.policies.len(),
        instance_profiles: details.profiles.len(),
    })
}

// ---- Exporting ----

/// An object with its fields in the order given (kept where `serde_json` preserves order).
fn object(fields: Vec<(&str, Value)>) -> Value {
    let mut map = Map::new();
    for (key, value) in fields {
        map.insert(key.to_string(), value);
    }
    Value::Object(map)
}

/// A stored document as awscli prints it: a JSON object.
fn document_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// A managed policy's name: the last segment of its ARN.
fn policy_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Sort key for names: regardless of case, then as given.
fn name_order(name: &str) -> (String, String) {
    (name.to_lowercase(), name.to_string())
}

type ByEntity<T> = HashMap<(String, String), Vec<T>>;

struct Stored {
    account: String,
    inline: ByEntity<(String, String)>,
    attached: ByEntity<String>,
    tags: ByEntity<Tag>,
}

impl Stored {
    fn key(kind: &str, id: &str) -> (String, String) {
        (kind.to_string(), id.to_string())
    }

    fn inline_list(&self, kind: &str, id: &str) -> Value {
        let mut policies = self
            .inline
            .get(&Stored::key(kind, id))
            .cloned()
            .unwrap_or_default();
        policies.sort_by_key(|(name, _)| name_order(name));
        Value::Array(
            policies
                .iter()
                .map(|(name, document)| {
                    object(vec![
                        ("PolicyName", name.as_str().into()),
                        ("PolicyDocument", document_value(document)),
                    ])
                })
                .collect(),
        )
    }

    fn attached_list(&self, kind: &str, id: &str) -> Value {
        let mut arns = self
            .attached
            .get(&Stored::key(kind, id))
            .cloned()
            .unwrap_or_default();
        arns.sort_by(|a, b| {
            name_order(policy_name(a))
                .cmp(&name_order(policy_name(b)))
                .then_with(|| a.cmp(b))
        });
        Value::Array(
            arns.iter()
                .map(|arn| {
                    object(vec![
                        ("PolicyName", policy_name(arn).into()),
                        ("PolicyArn", arn.as_str().into()),
                    ])
                })
                .collect(),
        )
    }

    fn tag_list(&self, kind: &str, id: &str) -> Vec<Value> {
        let mut tags = self
            .tags
            .get(&Stored::key(kind, id))
            .cloned()
            .unwrap_or_default();
        tags.sort_by_key(|tag| name_order(&tag.key));
        tags.iter()
            .map(|tag| {
                object(vec![
                    ("Key", tag.key.as_str().into()),
                    ("Value", tag.value.as_str().into()),
                ])
            })
            .collect()
    }
}

fn boundary_value(arn: &str) -> Value {
    object(vec![
        (
            "PermissionsBoundaryType",
            "PermissionsBoundaryPolicy".into(),
        ),
        ("PermissionsBoundaryArn", arn.into()),
    ])
}

fn export(tx: &mut dyn Tx) -> Result<Value> {
    if tx.dialect() == Dialect::Postgres {
        // One snapshot for every query below.
        tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", &[])?;
    }
    let account = crate::store::setting(tx, "account_id")?;
    let mut stored = Stored {
        account,
        inline: HashMap::new(),
        attached: HashMap::new(),
        tags: HashMap::new(),
    };
    for row in tx.query(
        "SELECT entity_kind, entity_id, name, document FROM iam_inline_policies",
        &[],
    )? {
        stored
            .inline
            .entry((row.str(0), row.str(1)))
            .or_default()
            .push((row.str(2), row.str(3)));
    }
    let mut attachment_count: HashMap<String, i64> = HashMap::new();
    for row in tx.query(
        "SELECT entity_kind, entity_id, policy_arn FROM iam_attachments",
        &[],
    )? {
        *attachment_count.entry(row.str(2)).or_default() += 1;
        stored
            .attached
            .entry((row.str(0), row.str(1)))
            .or_default()
            .push(row.str(2));
    }
    for row in tx.query(
        "SELECT entity_kind, entity_id, key, value FROM iam_tags",
        &[],
    )? {
        stored
            .tags
            .entry((row.str(0), row.str(1)))
            .or_default()
            .push(Tag {
                key: row.str(2),
                value: row.str(3),
            });
    }
    let mut boundary_count: HashMap<String, i64> = HashMap::new();

    // Groups.
    let mut group_rows = tx.query("SELECT id, name, path, create_date FROM iam_groups", &[])?;
    group_rows.sort_by_key(|row| name_order(&row.str(1)));
    let mut group_names: HashMap<String, String> = HashMap::new();
    let mut groups = Vec::new();
    for row in &group_rows {
        let (id, name, path) = (row.str(0), row.str(1), row.str(2));
        group_names.insert(id.clone(), name.clone());
        groups.push(object(vec![
            ("Path", path.as_str().into()),
            ("GroupName", name.as_str().into()),
            ("GroupId", id.as_str().into()),
            (
                "Arn",
                model::arn(&stored.account, "group", &path, &name).into(),
            ),
            ("CreateDate", row.str(3).into()),
            ("GroupPolicyList", stored.inline_list("group", &id)),
            (
                "AttachedManagedPolicies",
                stored.attached_list("group", &id),
            ),
        ]));
    }

    // Users.
    let mut memberships: HashMap<String, Vec<String>> = HashMap::new();
    for row in tx.query("SELECT group_id, user_id FROM iam_group_members", &[])? {
        if let Some(name) = group_names.get(&row.str(0)) {
            memberships
                .entry(row.str(1))
                .or_default()
                .push(name.clone());
        }
    }
    let mut user_rows = tx.query(
        "SELECT id, name, path, create_date, boundary FROM iam_users",
        &[],
    )?;
    user_rows.sort_by_key(|row| name_order(&row.str(1)));
    let mut users = Vec::new();
    for row in &user_rows {
        let (id, name, path) = (row.str(0), row.str(1), row.str(2));
        let mut group_list = memberships.remove(&id).unwrap_or_default();
        group_list.sort_by_key(|g| name_order(g));
        let mut fields = vec![
            ("Path", path.as_str().into()),
            ("UserName", name.as_str().into()),
            ("UserId", id.as_str().into()),
            (
                "Arn",
                model::arn(&stored.account, "user", &path, &name).into(),
            ),
            ("CreateDate", row.str(3).into()),
            ("UserPolicyList", stored.inline_list("user", &id)),
            (
                "GroupList",
                Value::Array(group_list.into_iter().map(Value::String).collect()),
            ),
            ("AttachedManagedPolicies", stored.attached_list("user", &id)),
        ];
        if let Some(boundary) = row.opt(4) {
            *boundary_count.entry(boundary.clone()).or_default() += 1;
            fields.push(("PermissionsBoundary", boundary_value(&boundary)));
        }
        fields.push(("Tags", Value::Array(stored.tag_list("user", &id))));
        users.push(object(fields));
    }

    // Instance profiles, by role.
    let mut profiles_by_role: HashMap<String, Vec<(String, String, String, String)>> =
        HashMap::new();
    let mut loose_profiles = Vec::new();
    for row in tx.query(
        "SELECT id, name, path, create_date, role_id FROM iam_instance_profiles",
        &[],
    )? {
        let profile = (row.str(0), row.str(1), row.str(2), row.str(3));
        match row.opt(4) {
            Some(role_id) => profiles_by_role.entry(role_id).or_default().push(profile),
            None => loose_profiles.push(profile),
        }
    }
    let profile_value = |profile: &(String, String, String, String), roles: Vec<Value>| {
        let (id, name, path, create_date) = profile;
        let mut fields = vec![
            ("Path", path.as_str().into()),
            ("InstanceProfileName", name.as_str().into()),
            ("InstanceProfileId", id.as_str().into()),
            (
                "Arn",
                model::arn(&stored.account, "instance-profile", path, name).into(),
            ),
            ("CreateDate", create_date.as_str().into()),
            ("Roles", Value::Array(roles)),
        ];
        let tags = stored.tag_list("instance-profile", id);
        if !tags.is_empty() {
            fields.push(("Tags", Value::Array(tags)));
        }
        object(fields)
    };

    // Roles.
    let mut role_rows = tx.query(
        "SELECT id, name, path, create_date, trust_policy, description, max_session_duration, boundary, last_used_date, last_used_region FROM iam_roles",
        &[],
    )?;
    role_rows.sort_by_key(|row| name_order(&row.str(1)));
    let mut roles = Vec::new();
    for row in &role_rows {
        let (id, name, path, create_date) = (row.str(0), row.str(1), row.str(2), row.str(3));
        let arn = model::arn(&stored.account, "role", &path, &name);
        let trust = document_value(&row.str(4));
        let summary = object(vec![
            ("Path", path.as_str().into()),
            ("RoleName", name.as_str().into()),
            ("RoleId", id.as_str().into()),
            ("Arn", arn.as_str().into()),
            ("CreateDate", create_date.as_str().into()),
            ("AssumeRolePolicyDocument", trust.clone()),
        ]);
        let mut profiles = profiles_by_role.remove(&id).unwrap_or_default();
        profiles.sort_by_key(|p| name_order(&p.1));
        let mut fields = vec![
            ("Path", path.as_str().into()),
            ("RoleName", name.as_str().into()),
            ("RoleId", id.as_str().into()),
            ("Arn", arn.as_str().into()),
            ("CreateDate", create_date.as_str().into()),
            ("AssumeRolePolicyDocument", trust),
            (
                "InstanceProfileList",
                Value::Array(
                    profiles
                        .iter()
                        .map(|p| profile_value(p, vec![summary.clone()]))
                        .collect(),
                ),
            ),
            ("RolePolicyList", stored.inline_list("role", &id)),
            ("AttachedManagedPolicies", stored.attached_list("role", &id)),
        ];
        if let Some(boundary) = row.opt(7) {
            *boundary_count.entry(boundary.clone()).or_default() += 1;
            fields.push(("PermissionsBoundary", boundary_value(&boundary)));
        }
        fields.push(("Tags", Value::Array(stored.tag_list("role", &id))));
        let mut last_used = Map::new();
        if let (Some(date), Some(region)) = (row.opt(8), row.opt(9)) {
            last_used.insert("LastUsedDate".into(), date.into());
            last_used.insert("Region".into(), region.into());
        }
        fields.push(("RoleLastUsed", Value::Object(last_used)));
        if let Some(description) = row.opt(5) {
            fields.push(("Description", description.into()));
        }
        fields.push(("MaxSessionDuration", row.int(6).into()));
        roles.push(object(fields));
    }
    // A profile whose role is gone (cannot happen through the store) is listed without one.
    loose_profiles.extend(profiles_by_role.into_values().flatten());
    loose_profiles.sort_by_key(|p| name_order(&p.1));

    // Customer managed policies, with every version.
    let mut versions: HashMap<String, Vec<(i64, Value)>> = HashMap::new();
    for row in tx.query(
        "SELECT policy_id, version_id, document, create_date FROM iam_policy_versions",
        &[],
    )? {
        let number = version_number(&row.str(1)).unwrap_or(0);
        versions.entry(row.str(0)).or_default().push((
            number,
            object(vec![
                ("Document", document_value(&row.str(2))),
                ("VersionId", row.str(1).into()),
                ("IsDefaultVersion", false.into()),
                ("CreateDate", row.str(3).into()),
            ]),
        ));
    }
    let mut policies: Vec<((String, String), String, Value)> = Vec::new();
    for row in tx.query(
        "SELECT id, name, path, arn, description, create_date, update_date, default_version FROM iam_policies",
        &[],
    )? {
        let (id, name, arn, default_version) = (row.str(0), row.str(1), row.str(3), row.str(7));
        let mut list = versions.remove(&id).unwrap_or_default();
        list.sort_by_key(|v| std::cmp::Reverse(v.0));
        let list: Vec<Value> = list
            .into_iter()
            .map(|(_, mut version)| {
                if let Value::Object(map) = &mut version {
                    let default = map.get("VersionId").and_then(Value::as_str)
                        == Some(default_version.as_str());
                    map.insert("IsDefaultVersion".to_string(), default.into());
                }
                version
            })
            .collect();
        let mut fields = vec![
            ("PolicyName", name.as_str().into()),
            ("PolicyId", id.as_str().into()),
            ("Arn", arn.as_str().into()),
            ("Path", row.str(2).into()),
            ("DefaultVersionId", default_version.as_str().into()),
            (
                "AttachmentCount",
                attachment_count.get(&arn).copied().unwrap_or(0).into(),
            ),
            (
                "PermissionsBoundaryUsageCount",
                boundary_count.get(&arn).copied().unwrap_or(0).into(),
            ),
            ("IsAttachable", true.into()),
        ];
        if let Some(description) = row.opt(4) {
            fields.push(("Description", description.into()));
        }
        fields.push(("CreateDate", row.str(5).into()));
        fields.push(("UpdateDate", row.str(6).into()));
        fields.push(("PolicyVersionList", Value::Array(list)));
        let tags = stored.tag_list("policy", &id);
        if !tags.is_empty() {
            fields.push(("Tags", Value::Array(tags)));
        }
        policies.push((name_order(&name), arn.clone(), object(fields)));
    }

    // AWS managed policies that something is attached to or bounded by.
    let aws_arns: BTreeSet<&String> = attachment_count
        .keys()
        .chain(boundary_count.keys())
        .filter(|arn| arn.starts_with(warden_catalog::AWS_MANAGED_PREFIX))
        .collect();
    for arn in aws_arns {
        let Ok(policy) = warden_catalog::managed().lookup(arn) else {
            continue;
        };
        let mut version = vec![
            ("Document", document_value(policy.document())),
            ("VersionId", policy.default_version.as_str().into()),
            ("IsDefaultVersion", true.into()),
        ];
        if let Some(date) = policy.update_date.as_ref().or(policy.create_date.as_ref()) {
            version.push(("CreateDate", date.as_str().into()));
        }
        let mut fields = vec![
            ("PolicyName", policy.name.as_str().into()),
            ("Arn", arn.as_str().into()),
            ("Path", policy.path.as_str().into()),
            ("DefaultVersionId", policy.default_version.as_str().into()),
            (
                "AttachmentCount",
                attachment_count.get(arn).copied().unwrap_or(0).into(),
            ),
            (
                "PermissionsBoundaryUsageCount",
                boundary_count.get(arn).copied().unwrap_or(0).into(),
            ),
            ("IsAttachable", policy.deprecated.is_none().into()),
        ];
        if let Some(description) = &policy.description {
            fields.push(("Description", description.as_str().into()));
        }
        if let Some(date) = &policy.create_date {
            fields.push(("CreateDate", date.as_str().into()));
        }
        if let Some(date) = &policy.update_date {
            fields.push(("UpdateDate", date.as_str().into()));
        }
        fields.push(("PolicyVersionList", Value::Array(vec![object(version)])));
        policies.push((name_order(&policy.name), arn.clone(), object(fields)));
    }
    policies.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));

    let mut top = vec![
        ("UserDetailList", Value::Array(users)),
        ("GroupDetailList", Value::Array(groups)),
        ("RoleDetailList", Value::Array(roles)),
        (
            "Policies",
            Value::Array(policies.into_iter().map(|(_, _, v)| v).collect()),
        ),
    ];
    if !loose_profiles.is_empty() {
        top.push((
            "InstanceProfileList",
            Value::Array(
                loose_profiles
                    .iter()
                    .map(|p| profile_value(p, Vec::new()))
                    .collect(),
            ),
        ));
    }
    top.push(("IsTruncated", false.into()));
    Ok(object(top))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn parse_json(text: &str) -> Json {
        serde_json::from_str(text).unwrap_or(Json::Null)
    }

    #[test]
    fn documents_keep_their_key_order_and_urls_are_decoded() {
        let doc = parse_json(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Action":"s3:*","Resource":"*","N":1.5}]}"#,
        );
        assert_eq!(
            document_text("x", &doc).ok().as_deref(),
            Some(
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Action":"s3:*","Resource":"*","N":1.5}]}"#
            )
        );
        let encoded = Json::String(
            "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D".to_string(),
        );
        assert_eq!(
            document_text("x", &encoded).ok().as_deref(),
            Some(r#"{"Version":"2012-10-17","Statement":[]}"#)
        );
        let plain = Json::String("{ \"Statement\": [] }".to_string());
        assert_eq!(
            document_text("x", &plain).ok().as_deref(),
            Some("{ \"Statement\": [] }")
        );
        assert!(document_text("x", &Json::String("nope".into())).is_err());
        assert!(document_text("x", &Json::Bool(true)).is_err());
    }

    #[test]
    fn versions_and_arns_parse() {
        assert_eq!(version_number("v12"), Some(12));
        assert_eq!(version_number("v0"), None);
        assert_eq!(version_number("v"), None);
        assert_eq!(version_number("V1"), None);
        assert!(split_arn("arn:aws:iam::111122223333:role/x", "a").is_ok());
        assert!(split_arn("arn:aws:iam::aws:policy/x", "a").is_ok());
        assert!(split_arn("arn:aws:s3:::bucket", "a").is_err());
        assert!(split_arn("arn:aws:iam::12:role/x", "a").is_err());
    }

    #[test]
    fn errors_name_the_field_and_index() {
        let err = parse(r#"{"RoleDetailList":[{}]}"#).err();
        assert_eq!(
            err.map(|e| e.message),
            Some("RoleDetailList[0]: missing RoleName".to_string())
        );
        let err = parse(r#"{"UserDetailList":[{"UserName":5}]}"#).err();
        assert_eq!(
            err.map(|e| e.message),
            Some("UserDetailList[0].UserName: expected a string, not a number".to_string())
        );
        let err = parse(r#"{"UserDetailList":{}}"#).err();
        assert_eq!(err.map(|e| e.code), Some(ErrorCode::InvalidInput));
    }
}
