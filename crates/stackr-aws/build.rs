//! Finds the AWS operations each resource type and look-up calls, from
//! its source: every call passes its operation name to the error mapping
//! (`provider("CreateQueue", e)`, `tolerate("DeleteQueue", ...)`,
//! `collect!(..., "ListQueues")`), so the names in a type's file, and in
//! the shared functions it calls (its service's helpers, the crate's
//! clients), are the calls it makes.
//! Written to `$OUT_DIR/calls.rs` for `stackr_aws::calls` (what
//! `stackr schema` prints), so the list can never drift from the code.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

const VERBS: &[&str] = &[
    "Abort",
    "Add",
    "Allocate",
    "Associate",
    "Attach",
    "Authorize",
    "Batch",
    "Cancel",
    "Change",
    "Create",
    "Decrease",
    "Delete",
    "Deregister",
    "Describe",
    "Detach",
    "Disable",
    "Disassociate",
    "Enable",
    "Get",
    "Head",
    "Import",
    "Increase",
    "Invoke",
    "List",
    "Modify",
    "Publish",
    "Put",
    "Register",
    "Release",
    "Remove",
    "Replace",
    "Request",
    "Reset",
    "Resend",
    "Restore",
    "Revoke",
    "Rotate",
    "Schedule",
    "Send",
    "Set",
    "Start",
    "Stop",
    "Subscribe",
    "Tag",
    "Unsubscribe",
    "Untag",
    "Update",
];
/// Operations that are a verb alone.
const WHOLE: &[&str] = &["Subscribe", "Unsubscribe", "Publish"];
/// Names that look like operations but are error codes or metric names.
const NOT_CALLS: &[&str] = &["Exception", "Exceeded", "NotFound", "Count", "Fault", "InUse", "Exists"];

/// `text` without the AWS member names of mapping table rows
/// (`Row::new("name", "EnableDnsHostnames", ...)`): a member is not a call.
fn without_row_members(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("Row::new(") {
        let (head, tail) = rest.split_at(at + "Row::new(".len());
        out.push_str(head);
        // The row's first two string literals: its property, its member.
        let mut quotes = tail.match_indices('"').map(|(i, _)| i);
        match (quotes.next(), quotes.next(), quotes.next(), quotes.next()) {
            (Some(_), Some(_), Some(m0), Some(m1)) => {
                out.push_str(&tail[..=m0]);
                rest = &tail[m1..];
            }
            _ => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

fn operations(text: &str) -> BTreeSet<String> {
    let text = without_row_members(text);
    let mut out = BTreeSet::new();
    for piece in text.split('"').skip(1).step_by(2) {
        let ok = piece.len() > 4
            && piece.chars().all(|c| c.is_ascii_alphanumeric())
            && (WHOLE.contains(&piece)
                || VERBS
                    .iter()
                    .any(|v| piece.starts_with(v) && piece[v.len()..].starts_with(|c: char| c.is_ascii_uppercase())))
            && !NOT_CALLS.iter().any(|s| piece.ends_with(s));
        if ok {
            out.insert(piece.to_string());
        }
    }
    out
}

/// The kind a file implements, from the declaration its `schema()` names,
/// and whether it is a look-up.
fn kind(text: &str) -> Option<(String, bool)> {
    let lookup = text.contains("impl Lookup for");
    if !(text.contains("impl Reconciler for") || lookup) {
        return None;
    }
    let at = text.find("stackr_schema::")?;
    let path: String = text[at + "stackr_schema::".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    let (service, name) = path.split_once("::")?;
    // A kind both a resource and a look-up declares them as `NAME_RESOURCE`
    // (`HOSTED_ZONE_RESOURCE`) or `NAME_DATA` (`VPC_DATA`).
    let name = name.to_lowercase();
    let name = name.strip_suffix("_resource").or_else(|| name.strip_suffix("_data")).unwrap_or(&name);
    let kind = if service == "region" { "aws.region".into() } else { format!("aws.{service}.{name}") };
    Some((kind, lookup))
}

/// A shared file cut into its functions: (name, text up to the next one).
fn functions(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let head = line.trim_start();
        let head = head.strip_prefix("pub(crate) ").or_else(|| head.strip_prefix("pub ")).unwrap_or(head);
        let head = head.strip_prefix("async ").unwrap_or(head);
        if let Some(rest) = head.strip_prefix("fn ") {
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            out.push((name, String::new()));
        }
        if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

/// The operations of the shared functions `text` calls, and of those they
/// call in turn (a tagging API's `tag`/`untag` count for a type that
/// syncs tags).
fn used(text: &str, shared: &[(String, String)]) -> BTreeSet<String> {
    let calls = |from: &str, name: &str| {
        from.contains(&format!("{name}(")) || (matches!(name, "tag" | "untag") && from.contains("sync_tags("))
    };
    let mut reached: BTreeSet<usize> = BTreeSet::new();
    let mut frontier: Vec<&str> = vec![text];
    while let Some(from) = frontier.pop() {
        for (i, (name, body)) in shared.iter().enumerate() {
            if !reached.contains(&i) && calls(from, name) {
                reached.insert(i);
                frontier.push(body);
            }
        }
    }
    reached.into_iter().flat_map(|i| operations(&shared[i].1)).collect()
}

fn rs_files(dir: &Path) -> Vec<String> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "rs")).collect())
        .unwrap_or_else(|_| Vec::new());
    files.sort();
    // Test modules call nothing in AWS.
    files
        .iter()
        .map(|p| {
            let text = fs::read_to_string(p).unwrap_or_default();
            text.split("#[cfg(test)]").next().unwrap_or_default().to_string()
        })
        .collect()
}

fn main() {
    let src = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it")).join("src");
    println!("cargo:rerun-if-changed=src");
    // Functions every type may call: the crate's top-level helpers
    // (clients.rs: GetCallerIdentity; bulktags.rs: GetResources).
    let crate_wide: Vec<(String, String)> = rs_files(&src).iter().flat_map(|t| functions(t)).collect();
    let mut calls: BTreeMap<(String, bool), BTreeSet<String>> = BTreeMap::new();
    let mut dirs: Vec<_> =
        fs::read_dir(&src).expect("src").flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    for dir in dirs {
        let files = rs_files(&dir);
        // The service's shared code: every file that implements no type.
        let shared: Vec<(String, String)> =
            files.iter().filter(|t| kind(t).is_none()).flat_map(|t| functions(t)).collect();
        for text in &files {
            let Some(key) = kind(text) else { continue };
            let mut ops = operations(text);
            ops.extend(used(text, &shared));
            ops.extend(used(text, &crate_wide));
            calls.entry(key).or_default().extend(ops);
        }
    }
    let mut out = String::from(
        "/// Each type's AWS operations (kind, look-up or not, operations), found in its source by build.rs.\n\
         pub static CALLS: &[(&str, bool, &[&str])] = &[\n",
    );
    for ((kind, lookup), ops) in calls {
        let list: Vec<String> = ops.iter().map(|o| format!("{o:?}")).collect();
        out.push_str(&format!("    ({kind:?}, {lookup}, &[{}]),\n", list.join(", ")));
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("cargo sets it")).join("calls.rs");
    fs::write(dest, out).expect("write calls.rs");
}
