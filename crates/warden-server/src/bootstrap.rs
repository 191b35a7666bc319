//! The endpoint's first start: an administrator to sign requests with.

use warden_store::{ErrorCode, Result, Store};

/// The administrator's user name.
pub const ADMIN_USER: &str = "admin";
/// The policy the administrator holds.
pub const ADMIN_POLICY: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// The administrator's credentials, as far as they can be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admin {
    /// The administrator's ARN.
    pub arn: String,
    /// The access key id, when one was created or given now.
    pub access_key_id: Option<String>,
    /// The secret, only when Warden created the key now (it is shown once).
    pub new_secret: Option<String>,
}

/// Makes sure the administrator exists with AdministratorAccess. With `given` credentials it
/// holds exactly that key; without, a key is created only when the administrator is new (its
/// secret is returned once, to print).
pub fn ensure_admin(store: &Store, given: Option<(&str, &str)>) -> Result<Admin> {
    let created = match store.create_user(ADMIN_USER, None, None, &[]) {
        Ok(_) => true,
        Err(e) if e.code == ErrorCode::EntityAlreadyExists => false,
        Err(e) => return Err(e),
    };
    store.attach_user_policy(ADMIN_USER, ADMIN_POLICY)?;
    let arn = store.get_user(ADMIN_USER)?.arn;
    match given {
        Some((id, secret)) => {
            let key = store.import_access_key(ADMIN_USER, id, secret)?;
            Ok(Admin {
                arn,
                access_key_id: Some(key.access_key_id),
                new_secret: None,
            })
        }
        None if created => {
            let key = store.create_access_key(ADMIN_USER)?;
            Ok(Admin {
                arn,
                access_key_id: Some(key.access_key_id),
                new_secret: Some(key.secret_access_key),
            })
        }
        None => Ok(Admin {
            arn,
            access_key_id: None,
            new_secret: None,
        }),
    }
}
