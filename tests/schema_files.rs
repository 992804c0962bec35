//! The JSON Schema that `stackr schema` writes (what editors check stack
//! files with) accepts every stack and component file of the project, and
//! refuses what stackr refuses. Checked with Python's `jsonschema`, which
//! the test bed's venv holds (a dependency of moto's server).

use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
}

/// The files the schema refuses, with why.
fn refused(files: &[PathBuf]) -> String {
    let schema = Command::new(env!("CARGO_BIN_EXE_stackr")).arg("schema").output().expect("stackr schema");
    assert!(schema.status.success());
    // One file per call: the tests of this file run at once.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let schema_path = std::env::temp_dir().join(format!("stackr-schema-{}-{n}.json", std::process::id()));
    std::fs::write(&schema_path, &schema.stdout).unwrap();
    let check = r#"
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft7Validator(schema)
for path in sys.argv[2:]:
    for e in validator.iter_errors(yaml.safe_load(open(path))):
        print(f"{path}: {'/'.join(map(str, e.absolute_path))}: {e.message[:200]}")
"#;
    let out = Command::new(stackr_testkit::python())
        .arg("-c")
        .arg(check)
        .arg(&schema_path)
        .args(files)
        .output()
        .expect("the test bed's python (scripts/setup.sh)");
    let _ = std::fs::remove_file(&schema_path);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_schema_accepts_every_stack_and_component_of_the_project() {
    let mut files = Vec::new();
    yaml_files(&Path::new(ROOT).join("stacks"), &mut files);
    yaml_files(&Path::new(ROOT).join("examples"), &mut files);
    files.retain(|f| !f.ends_with("broken.yaml"));
    assert!(files.len() > 10, "{files:?}");
    let refused = refused(&files);
    assert!(refused.is_empty(), "the JSON Schema refuses valid stack files:\n{refused}");
}

#[test]
fn the_schema_refuses_a_misspelt_key_of_the_new_forms() {
    let dir = std::env::temp_dir().join(format!("stackr-schema-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "components:\n  a: { uses: ./x.yaml }\nmoved:\n  - { from: a }\n").unwrap();
    let refused = refused(&[bad]);
    assert!(refused.contains("components/a") && refused.contains("moved/0"), "{refused}");
    let _ = std::fs::remove_dir_all(&dir);
}
