//! What each published crate's package holds: its README and both licences, as crates.io and
//! docs.rs show them. `cargo package --list` names the files without building anything; the
//! packages themselves are built and verified by `cargo package --workspace` in CI.

use std::path::Path;
use std::process::Command;

/// The crates published to crates.io.
const PUBLISHED: [&str; 3] = [
    "plugin-factory",
    "plugin-factory-macros",
    "plugin-factory-build",
];

/// The files `cargo package` would put in `krate`'s `.crate`.
fn packaged(krate: &str) -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .args([
            "package",
            "--list",
            "--allow-dirty",
            "--offline",
            "-p",
            krate,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "cargo package --list -p {krate}: {err}"
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_published_crate_carries_its_readme_and_both_licences() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let licence = |name: &str| std::fs::read_to_string(root.join(name)).unwrap();
    let (mit, apache) = (licence("LICENSE-MIT"), licence("LICENSE-APACHE"));
    assert!(mit.starts_with("MIT License") && apache.contains("Apache License"));
    for krate in PUBLISHED {
        let files = packaged(krate);
        for file in ["Cargo.toml", "README.md", "LICENSE-MIT", "LICENSE-APACHE"] {
            assert!(
                files.iter().any(|f| f == file),
                "{krate} packages no {file}: {files:?}"
            );
        }
        // The licences packaged are the workspace's (the crates link to them).
        let dir = root.join(krate);
        assert_eq!(
            std::fs::read_to_string(dir.join("LICENSE-MIT")).unwrap(),
            mit,
            "{krate}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("LICENSE-APACHE")).unwrap(),
            apache,
            "{krate}"
        );
    }
}
