//! Users and API tokens through the CLI: no default account, argon2id hashes, tokens shown once
//! and stored as digests, scopes bounded by the role.

use std::io::Write;
use std::process::{Output, Stdio};

use serde_json::Value;

use crate::harness::TestRegie;

fn with_stdin(regie: &TestRegie, arguments: &[&str], input: &str) -> Output {
    let mut child = regie
        .command()
        .args(arguments)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn json_of(output: &Output) -> Value {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn no_account_exists_until_an_admin_is_added_and_passwords_are_argon2id_hashes() {
    let regie = TestRegie::new();
    assert_eq!(regie.json(&["users", "list", "--json"]), serde_json::json!([]));
    let admin = json_of(&with_stdin(
        &regie,
        &["users", "add", "anne", "--role", "admin", "--password-stdin", "--json"],
        "correct horse battery staple\n",
    ));
    assert_eq!((admin["role"].as_str(), admin["has_password"].as_bool()), (Some("admin"), Some(true)));
    let stored = &regie.query("SELECT password_hash FROM users WHERE name = 'anne'")[0][0];
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(!stored.contains("correct horse"));

    let again = with_stdin(
        &regie,
        &["users", "add", "anne", "--role", "viewer", "--password-stdin"],
        "another long password\n",
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let short = with_stdin(&regie, &["users", "add", "bob", "--role", "viewer", "--password-stdin"], "short\n");
    assert_eq!(short.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12 characters"));
    let hostile = regie.run(&["users", "add", "x'; DROP TABLE users; --", "--role", "viewer"]);
    assert_eq!(hostile.status.code(), Some(2));
    let unknown_role = regie.run(&["users", "add", "carl", "--role", "root"]);
    assert_eq!(unknown_role.status.code(), Some(2));
    assert_eq!(regie.query("SELECT COUNT(*) FROM users"), [["1"]]);

    let disabled = regie.json(&["users", "disable", "anne", "--json"]);
    assert_eq!(disabled["disabled"], true);
    let missing = regie.run(&["users", "disable", "nobody"]);
    assert_eq!(missing.status.code(), Some(3));
}

#[test]
fn tokens_are_shown_once_stored_as_digests_and_bounded_by_the_role() {
    let regie = TestRegie::new();
    regie.json(&["users", "add", "vera", "--role", "viewer", "--json"]);
    let created = regie.json(&["tokens", "create", "--user", "vera", "--scope", "read", "--expires", "90d", "--json"]);
    let token = created["token"].as_str().unwrap();
    assert!(token.starts_with("regie_") && token.len() == 70, "{token}");
    assert_eq!(created["scopes"], serde_json::json!(["read"]));
    assert!(created["expires_at"].as_str().is_some());
    let stored = regie.query("SELECT token_sha256 FROM api_tokens");
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0][0], token);
    assert!(regie.query("SELECT * FROM api_tokens").iter().flatten().all(|value| !value.contains(&token[6..])));

    let beyond = regie.run(&["tokens", "create", "--user", "vera", "--scope", "read,download"]);
    assert_eq!(beyond.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&beyond.stderr).contains("viewer"), "{}", String::from_utf8_lossy(&beyond.stderr));
    let bad_expiry = regie.run(&["tokens", "create", "--user", "vera", "--scope", "read", "--expires", "soon"]);
    assert_eq!(bad_expiry.status.code(), Some(2));

    let id = created["id"].as_str().unwrap();
    regie.json(&["tokens", "revoke", id, "--json"]);
    let listed = regie.json(&["tokens", "list", "--json"]);
    assert!(listed[0]["revoked_at"].as_str().is_some());
    assert!(listed[0].get("token").is_none(), "the token is never shown again");
}
