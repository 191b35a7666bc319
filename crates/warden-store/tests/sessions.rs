//! STS sessions in the store, on both backends: stored whole, seen by other processes, purged
//! an hour after they expire, and never moving the generation.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

mod common;

use time::{Duration, OffsetDateTime};
use warden_store::ids::{self, IdKind};
use warden_store::{ErrorCode, Session, Tag};

/// Now, to the second (what the store keeps).
fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("zero nanoseconds")
}

/// An AssumeRole session with every field set, expiring at `expiration`.
fn assumed_role(expiration: OffsetDateTime) -> Session {
    Session {
        access_key_id: ids::new_id(IdKind::TemporaryAccessKey),
        secret: ids::new_secret(),
        token: format!("FwoGZXIvYXdzE{}", ids::new_secret()),
        arn: "arn:aws:sts::123456789012:assumed-role/ecs/deployer/ci-run-42".into(),
        role_arn: Some("arn:aws:iam::123456789012:role/ecs/deployer".into()),
        user_name: None,
        principal_id: Some("AROAEXAMPLEDEPLOYER01".into()),
        policy: Some(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}]}"#
                .into(),
        ),
        tags: vec![
            Tag {
                key: "Project".into(),
                value: "Unicorn \"quoted\" ünïcode".into(),
            },
            Tag {
                key: "CostCenter".into(),
                value: String::new(),
            },
        ],
        transitive_tag_keys: vec!["Project".into()],
        source_identity: Some("alice@example.com".into()),
        issued: expiration - Duration::hours(1),
        expiration,
    }
}

/// A GetSessionToken session: no role, no tags, no policy.
fn user_session(expiration: OffsetDateTime) -> Session {
    Session {
        access_key_id: ids::new_id(IdKind::TemporaryAccessKey),
        secret: ids::new_secret(),
        token: ids::new_secret(),
        arn: "arn:aws:iam::123456789012:user/ci/ci-deployer".into(),
        role_arn: None,
        user_name: Some("ci-deployer".into()),
        principal_id: Some("AIDAEXAMPLECIDEPLOYER".into()),
        policy: None,
        tags: Vec::new(),
        transitive_tag_keys: Vec::new(),
        source_identity: None,
        issued: expiration - Duration::hours(12),
        expiration,
    }
}

#[test]
fn every_field_round_trips() {
    for t in common::stores() {
        let store = t.store();
        let role = assumed_role(now() + Duration::hours(1));
        let user = user_session(now() + Duration::hours(12));
        store.create_session(&role).expect("create role session");
        store.create_session(&user).expect("create user session");
        let read = store
            .session(&role.access_key_id)
            .expect("read")
            .expect("stored");
        assert_eq!(read, role, "{}", t.backend);
        assert_eq!(read.issued.unix_timestamp(), role.issued.unix_timestamp());
        assert_eq!(
            read.expiration.unix_timestamp(),
            role.expiration.unix_timestamp()
        );
        let read = store
            .session(&user.access_key_id)
            .expect("read")
            .expect("stored");
        assert_eq!(read, user, "{}", t.backend);
        assert!(read.tags.is_empty() && read.transitive_tag_keys.is_empty());
        assert_eq!(read.role_arn, None, "{}", t.backend);
        assert_eq!(read.policy, None, "{}", t.backend);
        assert_eq!(read.source_identity, None, "{}", t.backend);
    }
}

#[test]
fn timestamps_are_kept_to_the_second() {
    for t in common::stores() {
        let mut session = user_session(now() + Duration::hours(1));
        session.expiration += Duration::milliseconds(750);
        session.issued += Duration::milliseconds(250);
        t.store().create_session(&session).expect("create");
        let read = t
            .store()
            .session(&session.access_key_id)
            .expect("read")
            .expect("stored");
        assert_eq!(
            read.expiration.unix_timestamp(),
            session.expiration.unix_timestamp()
        );
        assert_eq!(
            read.issued.unix_timestamp(),
            session.issued.unix_timestamp()
        );
        assert_eq!(read.expiration.nanosecond(), 0, "{}", t.backend);
    }
}

#[test]
fn another_process_sees_the_session() {
    for t in common::stores() {
        let session = assumed_role(now() + Duration::hours(1));
        t.store().create_session(&session).expect("create");
        let other = t.reopen();
        let read = other
            .session(&session.access_key_id)
            .expect("read")
            .expect("seen by another connection");
        assert_eq!(read, session, "{}", t.backend);
        // And the other way round.
        let back = user_session(now() + Duration::hours(1));
        other
            .create_session(&back)
            .expect("create through the other");
        assert_eq!(
            t.store().session(&back.access_key_id).expect("read"),
            Some(back),
            "{}",
            t.backend
        );
    }
}

#[test]
fn an_unknown_key_is_none() {
    for t in common::stores() {
        t.store()
            .create_session(&user_session(now() + Duration::hours(1)))
            .expect("create");
        assert_eq!(
            t.store().session("ASIAUNKNOWNUNKNOWN00").expect("read"),
            None,
            "{}",
            t.backend
        );
        assert_eq!(t.store().session("").expect("read"), None, "{}", t.backend);
    }
}

#[test]
fn creating_a_session_does_not_move_the_generation() {
    for t in common::stores() {
        let before = t.store().generation().expect("generation");
        for _ in 0..3 {
            t.store()
                .create_session(&assumed_role(now() + Duration::hours(1)))
                .expect("create");
        }
        assert_eq!(
            t.store().generation().expect("generation"),
            before,
            "{}",
            t.backend
        );
        // A failed creation does not either, and a pinned generation holds across creations.
        let session = user_session(now() + Duration::hours(1));
        let pin = t.store().db().pin_generation().expect("pin");
        t.store().create_session(&session).expect("create");
        assert!(t.store().create_session(&session).is_err());
        assert_eq!(t.store().generation().expect("pinned"), before);
        drop(pin);
        assert_eq!(
            t.store().generation().expect("generation"),
            before,
            "{}",
            t.backend
        );
        // An ordinary write still moves it.
        t.store()
            .create_user("someone", None, None, &[])
            .expect("create user");
        assert!(t.store().generation().expect("generation") > before);
    }
}

#[test]
fn sessions_expired_over_an_hour_ago_are_purged_by_the_next_creation() {
    for t in common::stores() {
        let store = t.store();
        let long_gone = assumed_role(now() - Duration::minutes(61));
        let just_expired = user_session(now() - Duration::minutes(1));
        let valid = assumed_role(now() + Duration::hours(1));
        store.create_session(&long_gone).expect("create long gone");
        // Expired sessions are still returned until purged: the caller answers ExpiredToken.
        assert_eq!(
            store.session(&long_gone.access_key_id).expect("read"),
            Some(long_gone.clone()),
            "{}",
            t.backend
        );
        store.create_session(&just_expired).expect("create expired");
        assert_eq!(
            store.session(&long_gone.access_key_id).expect("read"),
            None,
            "{}: purged",
            t.backend
        );
        store.create_session(&valid).expect("create valid");
        assert_eq!(
            store.session(&just_expired.access_key_id).expect("read"),
            Some(just_expired.clone()),
            "{}: expired less than an hour ago, kept",
            t.backend
        );
        assert_eq!(
            store.session(&valid.access_key_id).expect("read"),
            Some(valid),
            "{}",
            t.backend
        );
        // The purge is the store's: a creation through another connection purges too.
        let old = user_session(now() - Duration::hours(3));
        store.create_session(&old).expect("create old");
        t.reopen()
            .create_session(&user_session(now() + Duration::hours(1)))
            .expect("create through another connection");
        assert_eq!(
            store.session(&old.access_key_id).expect("read"),
            None,
            "{}",
            t.backend
        );
    }
}

#[test]
fn a_duplicate_access_key_id_is_refused_and_the_first_kept() {
    for t in common::stores() {
        let first = assumed_role(now() + Duration::hours(1));
        t.store().create_session(&first).expect("create");
        let mut second = user_session(now() + Duration::hours(2));
        second.access_key_id = first.access_key_id.clone();
        let err = t.store().create_session(&second).expect_err("duplicate");
        assert_eq!(err.code, ErrorCode::EntityAlreadyExists, "{}", t.backend);
        // Through another connection too.
        let err = t.reopen().create_session(&second).expect_err("duplicate");
        assert_eq!(err.code, ErrorCode::EntityAlreadyExists, "{}", t.backend);
        assert_eq!(
            t.store().session(&first.access_key_id).expect("read"),
            Some(first),
            "{}",
            t.backend
        );
    }
}

#[test]
fn concurrent_creations_from_many_connections_all_land() {
    for t in common::stores() {
        let sessions: Vec<Session> = (0..40)
            .map(|i| {
                if i % 2 == 0 {
                    assumed_role(now() + Duration::hours(1))
                } else {
                    // Expired long ago: every creation purges, so the purges race each other.
                    user_session(now() - Duration::hours(2))
                }
            })
            .collect();
        let before = t.store().generation().expect("generation");
        std::thread::scope(|scope| {
            for chunk in sessions.chunks(4) {
                let url = t.url.clone();
                scope.spawn(move || {
                    let store = warden_store::Store::open(&url).expect("open");
                    for session in chunk {
                        store.create_session(session).expect("create");
                    }
                });
            }
        });
        for session in sessions.iter().step_by(2) {
            assert_eq!(
                t.store().session(&session.access_key_id).expect("read"),
                Some(session.clone()),
                "{}",
                t.backend
            );
        }
        // Opening a store writes its settings (a versioned write); the sessions added nothing.
        let other = t.reopen();
        let after = other.generation().expect("generation");
        assert_eq!(after, before + 10 + 1, "{}", t.backend);
    }
}

/// A session stored without the principal it is bound to (as every session was before the
/// column existed) reads back without one, which the server refuses.
#[test]
fn a_session_without_its_principal_reads_back_without_one() {
    for t in common::stores() {
        let store = t.store();
        let mut legacy = assumed_role(now() + Duration::hours(1));
        legacy.principal_id = None;
        store.create_session(&legacy).expect("create");
        let read = store
            .session(&legacy.access_key_id)
            .expect("read")
            .expect("stored");
        assert_eq!(read.principal_id, None, "{}", t.backend);
    }
}
