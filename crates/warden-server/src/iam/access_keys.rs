//! Access keys: the user is `UserName`, or the caller when it is absent.

use super::shapes::{access_key_xml, date, paged};
use super::{none, output};
use crate::Call;
use crate::operation::Reply;
use crate::protocol::Xml;
use crate::resolve::user_name;

/// `CreateAccessKey`: the secret is in this answer only.
pub fn create(c: &Call<'_>) -> Reply {
    let key = c
        .store()
        .create_access_key(&user_name(c.params, c.caller)?)?;
    let mut x = Xml::new();
    x.node("AccessKey", |x| {
        x.text("UserName", &key.user_name)
            .text("AccessKeyId", &key.access_key_id)
            .text("Status", &key.status)
            .text("SecretAccessKey", &key.secret_access_key)
            .text("CreateDate", &date(&key.create_date));
    });
    output(x)
}

/// `ListAccessKeys`.
pub fn list(c: &Call<'_>) -> Reply {
    let keys = c
        .store()
        .list_access_keys(&user_name(c.params, c.caller)?)?;
    let mut x = Xml::new();
    paged(&mut x, "AccessKeyMetadata", &keys, c.params, access_key_xml)?;
    output(x)
}

/// `UpdateAccessKey`.
pub fn update(c: &Call<'_>) -> Reply {
    let p = c.params;
    none(c.store().update_access_key(
        &user_name(p, c.caller)?,
        p.required("AccessKeyId")?,
        p.required("Status")?,
    ))
}

/// `DeleteAccessKey`.
pub fn delete(c: &Call<'_>) -> Reply {
    let p = c.params;
    none(
        c.store()
            .delete_access_key(&user_name(p, c.caller)?, p.required("AccessKeyId")?),
    )
}
