//! The texts of the validator's messages, in one place.
//!
//! Unless a comment says otherwise, each text is AWS's own, byte for byte, as IAM returns it from
//! `CreatePolicy` / `CreateRole` / `UpdateAssumeRolePolicy` (the error codes are AWS's too). The
//! ones marked "Warden's own" are written in AWS's style where AWS's wording is not known.

/// The error code of IAM's policy grammar errors.
pub(super) const MALFORMED: &str = "MalformedPolicyDocument";
/// The error code of AWS Organizations' policy grammar errors (SCPs and RCPs).
pub(super) const ORGS_MALFORMED: &str = "MalformedPolicyDocumentException";
/// The error code of the size quotas.
pub(super) const LIMIT_EXCEEDED: &str = "LimitExceeded";
/// The error code of the API's own parameter constraints (length, allowed characters).
pub(super) const VALIDATION_ERROR: &str = "ValidationError";

/// Any failure of the JSON shape: not JSON, unknown element, wrong value type, both `Action` and
/// `NotAction`, a malformed `Condition` block.
pub(super) const SYNTAX: &str = "Syntax errors in policy.";
/// A `Version` other than `2012-10-17` (or none) where IAM requires the current one.
pub(super) const VERSION: &str = "Policy document must be version 2012-10-17 or greater.";
/// IAM's second parser: `Effect` in the wrong case, an ARN with too few parts, an unreadable date.
pub(super) const LEGACY: &str = "The policy failed legacy parsing";
/// Two statements with the same non-empty `Sid`.
pub(super) const SID_UNIQUE: &str = "Statement IDs (SID) in a single policy must be unique.";
/// A statement with no `Action`/`NotAction`, or an empty list.
pub(super) const NO_ACTIONS: &str = "Policy statement must contain actions.";
/// An identity policy statement with no `Resource`/`NotResource`, or an empty list.
pub(super) const NO_RESOURCES: &str = "Policy statement must contain resources.";
/// An action with no `vendor:` prefix.
pub(super) const ACTION_VENDOR: &str =
    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
/// An action with more than one colon.
pub(super) const ACTION_ONE_COLON: &str = "Actions/Condition can contain only one colon.";
/// An ARN that stops after its partition (`arn:aws`).
pub(super) const RESOURCE_VENDOR: &str =
    "Resource vendor must be fully qualified and cannot contain regexes.";
/// An IAM ARN whose resource part is not one of IAM's resource types.
pub(super) const IAM_PATH: &str = "IAM resource path must either be \"*\" or start with user/, \
     federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, \
     sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.";
/// A principal in an identity policy (seen from `PutRolePolicy` / `CreatePolicy`).
pub(super) const IDENTITY_PRINCIPAL: &str = "Policy document should not specify a principal.";
/// A trust policy statement with no principal. AWS leaks a Java class name into this one; it is
/// kept as AWS returns it so that scripts matching on it keep working.
pub(super) const TRUST_NO_PRINCIPAL: &str = "Invalid principal in policy: \
     com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no \
     principals!";
/// A trust policy action that is not one of the role-assumption actions. This is the wording the
/// conformance vectors pin (moto's); live IAM is believed to say
/// `AssumeRole policy may only specify STS AssumeRole actions.`, unverified.
pub(super) const TRUST_ACTIONS: &str = "Trust Policy statement actions can only be \
     sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity";
/// AWS Organizations' single message for every SCP/RCP grammar error; Warden puts the reason in
/// the diagnostic's `detail`.
pub(super) const ORGS_POLICY: &str =
    "The provided policy document does not meet the requirements of the specified policy type.";

/// `Resource X must be in ARN format or "*".`
pub(super) fn not_arn(resource: &str) -> String {
    format!("Resource {resource} must be in ARN format or \"*\".")
}

/// `Partition "p" is not valid for resource "arn:p:service:region:account:resource".`
pub(super) fn partition(partition: &str, rebuilt_arn: &str) -> String {
    format!("Partition \"{partition}\" is not valid for resource \"{rebuilt_arn}\".")
}

/// `IAM resource X cannot contain region information.`
pub(super) fn iam_region(resource: &str) -> String {
    format!("IAM resource {resource} cannot contain region information.")
}

/// `Resource X can not contain region information.` (S3; AWS's spelling differs from IAM's.)
pub(super) fn s3_region(resource: &str) -> String {
    format!("Resource {resource} can not contain region information.")
}

/// `Vendor X is not valid`
pub(super) fn vendor(vendor: &str) -> String {
    format!("Vendor {vendor} is not valid")
}

/// `Has prohibited field X.` (the trust policy form is AWS's; for other fields Warden reuses it).
pub(super) fn prohibited(field: &str) -> String {
    format!("Has prohibited field {field}.")
}

/// `Missing required field X.` (S3's wording for a bucket policy without `Principal`; Warden
/// uses it for every resource-based policy.)
pub(super) fn missing(field: &str) -> String {
    format!("Missing required field {field}.")
}

/// `Invalid principal in policy: "AWS":"arn:..."` (IAM upper-cases the principal type).
pub(super) fn invalid_principal(kind: &str, value: &str) -> String {
    format!(
        "Invalid principal in policy: \"{}\":\"{value}\"",
        kind.to_ascii_uppercase()
    )
}

/// The API's allowed-characters constraint, as AWS's request validation words it.
pub(super) fn charset(parameter: &str) -> String {
    format!(
        "1 validation error detected: Value at '{parameter}' failed to satisfy constraint: \
         Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"
    )
}

/// The API's length constraints, as AWS's request validation words them.
pub(super) fn length(parameter: &str, relation: &str, bound: usize) -> String {
    format!(
        "1 validation error detected: Value at '{parameter}' failed to satisfy constraint: \
         Member must have length {relation} {bound}"
    )
}
