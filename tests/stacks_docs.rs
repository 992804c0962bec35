//! stacks/README.md shows the architecture as `stackr graph` draws it:
//! the diagram between its markers is the Mermaid output for prod, kept in
//! sync by this test (regenerate it with the command it prints).

use std::process::Command;

#[test]
fn the_readme_diagram_is_the_graph_of_prod() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(env!("CARGO_BIN_EXE_stackr"))
        .args(["graph", "stacks/prod.yaml", "--format", "mermaid"])
        .current_dir(root)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs stackr");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let graph = String::from_utf8(out.stdout).expect("utf-8");
    let readme = std::fs::read_to_string(format!("{root}/stacks/README.md")).expect("stacks/README.md");
    let block = readme
        .split("<!-- graph:begin -->")
        .nth(1)
        .and_then(|s| s.split("<!-- graph:end -->").next())
        .expect("the graph markers in stacks/README.md");
    let shown = block.trim().trim_start_matches("```mermaid").trim_end_matches("```").trim();
    assert!(
        shown == graph.trim(),
        "stacks/README.md's diagram is out of date: paste the output of\n  stackr graph stacks/prod.yaml --format mermaid\nbetween its graph markers"
    );
}

#[test]
fn both_environments_are_valid() {
    let root = env!("CARGO_MANIFEST_DIR");
    for env in ["prod", "dev"] {
        let out = Command::new(env!("CARGO_BIN_EXE_stackr"))
            .args(["validate", &format!("stacks/{env}.yaml")])
            .current_dir(root)
            .env("NO_COLOR", "1")
            .output()
            .expect("runs stackr");
        assert!(out.status.success(), "{env}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn the_readme_type_table_is_the_schema() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(env!("CARGO_BIN_EXE_stackr"))
        .args(["schema", "--list", "--markdown"])
        .current_dir(root)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs stackr");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8(out.stdout).expect("utf-8");
    let readme = std::fs::read_to_string(format!("{root}/stacks/README.md")).expect("stacks/README.md");
    let block = readme
        .split("<!-- types:begin -->")
        .nth(1)
        .and_then(|s| s.split("<!-- types:end -->").next())
        .expect("the type table markers in stacks/README.md");
    assert!(
        block.trim() == table.trim(),
        "stacks/README.md's type table is out of date: paste the output of\n  stackr schema --list --markdown\nbetween its types markers"
    );
    // Every type is there, with the calls it makes.
    for t in stackr_schema::ALL {
        assert!(table.contains(&format!("| `{}` |", t.kind)), "{} is not in the table", t.kind);
    }
}
