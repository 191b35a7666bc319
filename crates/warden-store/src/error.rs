//! Failures, as IAM reports them: AWS's error code and message.

use std::fmt;

/// IAM's error codes that the account model can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ErrorCode {
    /// The entity does not exist (HTTP 404).
    NoSuchEntity,
    /// An entity with that name (regardless of case) already exists (409).
    EntityAlreadyExists,
    /// The entity is still in use: attached policies, members, versions (409).
    DeleteConflict,
    /// A quota would be exceeded: versions, attachments, access keys (409).
    LimitExceeded,
    /// The policy document is invalid (400).
    MalformedPolicyDocument,
    /// AWS-owned entities cannot be changed: AWS managed policies, service-linked roles (400).
    UnmodifiableEntity,
    /// A parameter is invalid (400).
    InvalidInput,
    /// The policy cannot be attached there: a service role policy to anything but its
    /// service-linked role (400).
    PolicyNotAttachable,
    /// A request parameter fails its constraint (400).
    ValidationError,
    /// The store failed: an I/O or database error (500).
    ServiceFailure,
}

impl ErrorCode {
    /// The code as AWS writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NoSuchEntity => "NoSuchEntity",
            ErrorCode::EntityAlreadyExists => "EntityAlreadyExists",
            ErrorCode::DeleteConflict => "DeleteConflict",
            ErrorCode::LimitExceeded => "LimitExceeded",
            ErrorCode::MalformedPolicyDocument => "MalformedPolicyDocument",
            ErrorCode::UnmodifiableEntity => "UnmodifiableEntity",
            ErrorCode::InvalidInput => "InvalidInput",
            ErrorCode::PolicyNotAttachable => "PolicyNotAttachable",
            ErrorCode::ValidationError => "ValidationError",
            ErrorCode::ServiceFailure => "ServiceFailure",
        }
    }

    /// The HTTP status IAM answers with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::NoSuchEntity => 404,
            ErrorCode::EntityAlreadyExists
            | ErrorCode::DeleteConflict
            | ErrorCode::LimitExceeded => 409,
            ErrorCode::ServiceFailure => 500,
            _ => 400,
        }
    }
}

/// A failed operation: IAM's code and message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoreError {
    /// IAM's error code.
    pub code: ErrorCode,
    /// IAM's message.
    pub message: String,
}

impl StoreError {
    /// An error with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> StoreError {
        StoreError {
            code,
            message: message.into(),
        }
    }

    /// `NoSuchEntity`.
    pub fn no_such_entity(message: impl Into<String>) -> StoreError {
        StoreError::new(ErrorCode::NoSuchEntity, message)
    }

    /// `EntityAlreadyExists`.
    pub fn already_exists(message: impl Into<String>) -> StoreError {
        StoreError::new(ErrorCode::EntityAlreadyExists, message)
    }

    /// `DeleteConflict`.
    pub fn delete_conflict(message: impl Into<String>) -> StoreError {
        StoreError::new(ErrorCode::DeleteConflict, message)
    }

    /// `LimitExceeded`.
    pub fn limit_exceeded(message: impl Into<String>) -> StoreError {
        StoreError::new(ErrorCode::LimitExceeded, message)
    }

    /// `InvalidInput`.
    pub fn invalid_input(message: impl Into<String>) -> StoreError {
        StoreError::new(ErrorCode::InvalidInput, message)
    }

    /// `UnmodifiableEntity`.
    pub fn unmodifiable(message: impl Into<String>) -> StoreError {
        StoreError::new(ErrorCode::UnmodifiableEntity, message)
    }

    /// `MalformedPolicyDocument`.
    pub fn malformed(message: impl Into<String>) -> StoreError {
        StoreError::new(ErrorCode::MalformedPolicyDocument, message)
    }

    /// `ServiceFailure`: the database failed.
    pub fn service(message: impl Into<String>) -> StoreError {
        StoreError::new(ErrorCode::ServiceFailure, message)
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for StoreError {}

/// What every store operation returns.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
