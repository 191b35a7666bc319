//! Any query string and form body: decoding never panics, every decoded parameter reads back,
//! the decoded parameters survive a re-encoding unchanged, and the `Action` finds its operation
//! by its exact name only.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_server::operation::{Operation, Service};
use warden_server::protocol::Params;
use warden_server::sigv4;

fuzz_target!(|data: &[u8]| {
    // The query string, then a NUL, then the body.
    let (query, body) = match data.iter().position(|b| *b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let Ok(query) = std::str::from_utf8(query) else {
        return;
    };
    let params = Params::parse(query, body);
    let _ = sigv4::is_presigned(query);

    let keys: Vec<String> = params.iter().map(|(k, _)| k.to_string()).collect();
    for key in &keys {
        assert!(params.get(key).is_some(), "decoded key {key:?} does not read back");
        assert!(params.required(key).is_ok());
        let _ = params.int(key);
        let _ = params.bool(key);
        // Lists and structures are read by the part before `.member.`.
        if let Some((base, _)) = key.split_once(".member.") {
            let list = params.list(base);
            let structs = params.structs(base);
            assert!(list.len() + structs.len() <= keys.len());
        }
    }

    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter())
        .finish();
    assert_eq!(Params::parse(&encoded, b""), params, "re-encoding changed the parameters");
    assert_eq!(Params::parse("", encoded.as_bytes()), params);

    if let Some(action) = params.get("Action") {
        for service in [Service::Iam, Service::Sts] {
            if let Some(operation) = Operation::find(service, action) {
                assert_eq!(operation.name(), action);
                assert_eq!(operation.spec().service, service);
            }
        }
    }
});
