//! `regie check-names` against the default and a configured house pattern.

use std::fs;

use crate::harness::TestRegie;

#[test]
fn check_names_says_per_file_what_is_wrong() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    for name in
        ["EveningNews_20261122_v01.mxf", "evening news.mov", "EveningNews_20261341_v1.avi", "Promo_20260101_final.mp4"]
    {
        fs::write(inbox.join(name), b"x").unwrap();
    }
    let output = regie.command().args(["check-names", "--json"]).arg(&inbox).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "some names are wrong");
    let checks: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let verdict = |name: &str| checks.as_array().unwrap().iter().find(|check| check["name"] == name).unwrap().clone();
    assert_eq!(verdict("EveningNews_20261122_v01.mxf")["ok"], true);
    let spaced = verdict("evening news.mov");
    assert!(spaced["problems"].to_string().contains("spaces"));
    let bad = verdict("EveningNews_20261341_v1.avi");
    let fields: Vec<&str> =
        bad["problems"].as_array().unwrap().iter().map(|problem| problem["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["date", "ext"]);
    assert!(verdict("Promo_20260101_final.mp4")["problems"][0]["message"].as_str().unwrap().contains("version"));
}

#[test]
fn check_names_follows_a_configured_pattern() {
    let regie = TestRegie::new();
    let inbox = regie.scratch("inbox");
    fs::write(inbox.join("ABC_0012.mxf"), b"x").unwrap();
    fs::create_dir_all(regie.data()).unwrap();
    fs::write(
        regie.data().join("regie.toml"),
        "[naming]\npattern = \"{show:upper}_{episode:digits4}.{ext}\"\nextensions = [\"mxf\"]\n",
    )
    .unwrap();
    let output = regie.command().arg("check-names").arg(inbox.join("ABC_0012.mxf")).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    let wrong = regie
        .command()
        .arg("check-names")
        .arg(inbox.join("ABC_0012.mxf"))
        .env("REGIE_NAMING_PATTERN", "{show:lower}_{episode:digits4}.{ext}")
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stdout).contains("show: \"ABC\" must be lowercase"));
}
