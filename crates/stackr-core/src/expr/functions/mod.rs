//! The built-in functions of the expression language.
//!
//! Where Terraform has a function of the same name, the behaviour matches
//! it (including its argument conversions: a number or bool is accepted
//! where a string is expected, a numeric string where a number is).
//!
//! "Known after apply" propagates: if any argument is or contains
//! [`Value::Unknown`], the result is unknown. A few functions can do better
//! and still give an exact answer: `length` and `keys` of a collection
//! whose elements are unknown, `concat` of known lists with unknown
//! elements, and `coalesce` when a usable value comes before the first
//! unknown one.
//!
//! `try` and `can` are listed here but evaluated by `eval`, as they take
//! expressions rather than values (an error in an argument is their input).
//!
//! Nothing here panics, whatever the arguments: results are bounded
//! ([`MAX_RANGE`] elements for `range`, [`MAX_STRING_BYTES`] for strings)
//! and every number is checked before it becomes an index or a bit count.

mod lists;
mod text;

use crate::value::{Value, format_number};
use ipnet::IpNet;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Documentation of one function, for `stackr schema`, errors and --help.
pub struct FunctionDoc {
    pub name: &'static str,
    pub signature: &'static str,
    pub doc: &'static str,
}

const fn doc(name: &'static str, signature: &'static str, doc: &'static str) -> FunctionDoc {
    FunctionDoc { name, signature, doc }
}

/// Every built-in function, sorted by name.
pub const FUNCTIONS: &[FunctionDoc] = &[
    doc("abs", "abs(number)", "The absolute value of a number."),
    doc(
        "base64decode",
        "base64decode(string)",
        "Decodes standard (padded) Base64 text; the decoded bytes must be UTF-8.",
    ),
    doc("base64encode", "base64encode(string)", "Encodes a string's UTF-8 bytes as standard Base64."),
    doc(
        "can",
        "can(expression)",
        "Whether the expression evaluates without an error: can(regex(\"^[a-z]+$\", var.name)).",
    ),
    doc("ceil", "ceil(number)", "The smallest whole number greater than or equal to the number."),
    doc(
        "cidrhost",
        "cidrhost(prefix, hostnum)",
        "The address of host number `hostnum` in an IPv4 or IPv6 prefix: cidrhost(\"10.0.1.0/24\", 5) = \"10.0.1.5\". A negative hostnum counts back from the last address.",
    ),
    doc(
        "cidrnetmask",
        "cidrnetmask(prefix)",
        "The dotted netmask of an IPv4 prefix: cidrnetmask(\"10.0.0.0/16\") = \"255.255.0.0\".",
    ),
    doc(
        "cidrsubnet",
        "cidrsubnet(prefix, newbits, netnum)",
        "Subnet number `netnum` of a prefix extended by `newbits` bits, IPv4 or IPv6: cidrsubnet(\"10.0.0.0/16\", 8, 1) = \"10.0.1.0/24\", cidrsubnet(\"2600:1f18:abcd:1200::/56\", 8, 3) = \"2600:1f18:abcd:1203::/64\".",
    ),
    doc("coalesce", "coalesce(values...)", "The first argument that is neither null nor an empty string."),
    doc("concat", "concat(lists...)", "The lists joined into one list."),
    doc("contains", "contains(list, value)", "Whether the list has an element equal to the value."),
    doc("distinct", "distinct(list)", "The list without duplicates, keeping first occurrences in order."),
    doc(
        "element",
        "element(list, index)",
        "The element at `index`, wrapping around past the end: element([\"a\", \"b\"], 3) = \"b\".",
    ),
    doc("endswith", "endswith(string, suffix)", "Whether the string ends with the suffix."),
    doc(
        "file",
        "file(path)",
        "The text of a UTF-8 file; a relative path is taken from the folder of the stack file the expression is in.",
    ),
    doc("flatten", "flatten(list)", "Replaces nested lists by their elements, recursively."),
    doc("floor", "floor(number)", "The largest whole number less than or equal to the number."),
    doc(
        "format",
        "format(format, values...)",
        "Formats values: %s (string), %d (whole number), %v (any value; lists and maps as JSON), %q (quoted string), %t (bool), %% (a literal %).",
    ),
    doc("index", "index(list, value)", "The position of the first element equal to the value."),
    doc("join", "join(separator, list)", "The list's strings joined with the separator."),
    doc("jsondecode", "jsondecode(string)", "Parses a JSON document into a value."),
    doc(
        "jsonencode",
        "jsonencode(value)",
        "Compact JSON of a value, map keys sorted: jsonencode({Version = \"2012-10-17\"}).",
    ),
    doc("keys", "keys(map)", "The map's keys, sorted."),
    doc("length", "length(value)", "The number of elements of a list or map, or characters of a string."),
    doc("lookup", "lookup(map, key[, default])", "The map's value for `key`, or `default` when the key is absent."),
    doc("lower", "lower(string)", "The string in lower case."),
    doc("max", "max(numbers...)", "The greatest of the numbers."),
    doc(
        "merge",
        "merge(maps...)",
        "The maps merged into one; later maps win on equal keys. Null arguments are skipped.",
    ),
    doc("min", "min(numbers...)", "The smallest of the numbers."),
    doc(
        "range",
        "range([start, ]limit[, step])",
        "Numbers from `start` (default 0) up to but excluding `limit`, by `step` (default 1, or -1 counting down). At most 10000 elements.",
    ),
    doc(
        "regex",
        "regex(pattern, string)",
        "The first match of a regular expression (Rust `regex` syntax) in the string: the matched text when the pattern has no groups, a list of the groups' texts when they are unnamed, a map when they are named. No match is an error (test with can(regex(...))).",
    ),
    doc(
        "replace",
        "replace(string, substring, replacement)",
        "The string with every occurrence of `substring` replaced.",
    ),
    doc("reverse", "reverse(list)", "The list in reverse order."),
    doc(
        "setsubtract",
        "setsubtract(set, other)",
        "The distinct elements of the first list that are not in the second, in the first list's order.",
    ),
    doc("setunion", "setunion(sets...)", "The distinct elements of all the lists, each where it first appears."),
    doc("sha256", "sha256(string)", "The SHA-256 digest of the string's UTF-8 bytes, in lower-case hexadecimal."),
    doc(
        "slice",
        "slice(list, start, end)",
        "The elements from index `start` up to but excluding `end`: slice([\"a\", \"b\", \"c\"], 1, 3) = [\"b\", \"c\"].",
    ),
    doc("sort", "sort(list)", "The list's strings (numbers and bools as text) in lexicographic order."),
    doc("split", "split(separator, string)", "The string cut at every occurrence of the separator."),
    doc("startswith", "startswith(string, prefix)", "Whether the string starts with the prefix."),
    doc(
        "substr",
        "substr(string, offset, length)",
        "`length` characters from `offset` (negative: from the end); a negative length takes the rest.",
    ),
    doc(
        "templatefile",
        "templatefile(path, vars)",
        "A file rendered as a stack string: its ${...} parts are expressions over the names of the `vars` map; the path as for file().",
    ),
    doc("tobool", "tobool(value)", "A bool, or the string \"true\" or \"false\", as a bool; null stays null."),
    doc("tonumber", "tonumber(value)", "A number, or a string holding one, as a number; null stays null."),
    doc("tostring", "tostring(value)", "A string, number or bool as a string; null stays null."),
    doc("trimspace", "trimspace(string)", "The string without leading and trailing whitespace."),
    doc(
        "try",
        "try(expressions...)",
        "The value of the first argument that evaluates without an error: try(var.settings.port, 80). An error in every argument is reported with the last one's message.",
    ),
    doc("upper", "upper(string)", "The string in upper case."),
    doc("values", "values(map)", "The map's values, in key order."),
    doc("yamldecode", "yamldecode(string)", "Parses one YAML document (YAML 1.2 core schema) into a value."),
    doc(
        "zipmap",
        "zipmap(keys, values)",
        "A map from a list of keys and a list of values of the same length: zipmap([\"a\", \"b\"], [1, 2]) = {a = 1, b = 2}.",
    ),
];

/// Functions evaluated by `eval` rather than here: `try` and `can` take
/// expressions, not values; `file` and `templatefile` read beside the
/// stack file (`super::files`).
pub const SPECIAL_FORMS: &[&str] = &["can", "file", "templatefile", "try"];

/// Most elements `range` produces.
pub const MAX_RANGE: usize = 10_000;

/// Longest string a function may produce (4 MiB): keeps nested
/// `replace`, `jsonencode` or `base64encode` from exhausting memory.
pub const MAX_STRING_BYTES: usize = 4 << 20;

/// Calls a built-in. `Err(message)` says what is wrong with the arguments
/// and what would be valid.
pub fn call(name: &str, args: &[Value]) -> Result<Value, String> {
    if SPECIAL_FORMS.contains(&name) {
        return Err(format!("{name} takes expressions and is evaluated where it is written"));
    }
    let (Some(doc), Some(spec)) = (FUNCTIONS.iter().find(|f| f.name == name), spec(name)) else {
        return Err(format!("unknown function `{name}`"));
    };
    if args.len() < spec.min || args.len() > spec.max {
        return Err(format!(
            "{name}: expected {}, got {}; usage: {}",
            arity_text(spec.min, spec.max),
            args.len(),
            doc.signature
        ));
    }
    if !spec.sees_unknowns && args.iter().any(Value::contains_unknown) {
        return Ok(Value::Unknown);
    }
    let result = (spec.run)(&Args { name, vals: args })?;
    if let Value::String(s) = &result {
        check_len(name, s.len())?;
    }
    Ok(result)
}

// ---------------------------------------------------------------------------
// Dispatch

type Run = fn(&Args) -> Result<Value, String>;

struct Spec {
    min: usize,
    max: usize,
    /// The function handles unknown arguments itself instead of the
    /// blanket "any unknown in, unknown out".
    sees_unknowns: bool,
    run: Run,
}

const MANY: usize = usize::MAX;

fn f(min: usize, max: usize, run: Run) -> Spec {
    Spec { min, max, sees_unknowns: false, run }
}

/// Like [`f`], for functions that handle unknown arguments themselves.
fn fu(min: usize, max: usize, run: Run) -> Spec {
    Spec { min, max, sees_unknowns: true, run }
}

fn spec(name: &str) -> Option<Spec> {
    Some(match name {
        "abs" => f(1, 1, |a| math(a, f64::abs)),
        "base64decode" => f(1, 1, base64decode),
        "base64encode" => f(1, 1, |a| Ok(b64_encode(a.str(0, "string")?.as_bytes()).into())),
        "ceil" => f(1, 1, |a| math(a, f64::ceil)),
        "cidrhost" => f(2, 2, cidrhost),
        "cidrnetmask" => f(1, 1, cidrnetmask),
        "cidrsubnet" => f(3, 3, cidrsubnet),
        "coalesce" => fu(1, MANY, coalesce),
        "concat" => fu(1, MANY, concat),
        "contains" => f(2, 2, |a| Ok(Value::Bool(a.list(0, "list")?.contains(&a.vals[1])))),
        "distinct" => f(1, 1, distinct),
        "element" => f(2, 2, element),
        "flatten" => f(1, 1, |a| {
            let mut out = Vec::new();
            flatten_into(&mut out, a.list(0, "list")?);
            Ok(Value::List(out))
        }),
        "floor" => f(1, 1, |a| math(a, f64::floor)),
        "format" => f(1, MANY, format),
        "index" => f(2, 2, index),
        "join" => f(2, 2, join),
        "jsondecode" => f(1, 1, jsondecode),
        "jsonencode" => f(1, 1, jsonencode),
        "keys" => fu(1, 1, keys),
        "length" => fu(1, 1, length),
        "lookup" => f(2, 3, lookup),
        "lower" => f(1, 1, |a| text(a, str::to_lowercase)),
        "max" => f(1, MANY, |a| fold_numbers(a, f64::max)),
        "merge" => f(0, MANY, merge),
        "min" => f(1, MANY, |a| fold_numbers(a, f64::min)),
        "range" => f(1, 3, range),
        "replace" => f(3, 3, replace),
        "split" => f(2, 2, split),
        "substr" => f(3, 3, substr),
        "tobool" => f(1, 1, |a| convert(a, "a bool or \"true\"/\"false\"", |v| bool_of(v).map(Value::Bool))),
        "tonumber" => f(1, 1, |a| convert(a, "a number or numeric string", |v| number_of(v).map(Value::Number))),
        "tostring" => f(1, 1, |a| {
            convert(a, "a string, number or bool (use jsonencode for lists and maps)", |v| {
                scalar_text(v).map(|s| Value::String(s.into_owned()))
            })
        }),
        "trimspace" => f(1, 1, |a| text(a, |s| s.trim().to_string())),
        "upper" => f(1, 1, |a| text(a, str::to_uppercase)),
        "values" => f(1, 1, |a| Ok(Value::List(a.map(0, "map")?.values().cloned().collect()))),
        "endswith" => f(2, 2, |a| Ok(Value::Bool(a.str(0, "string")?.ends_with(a.str(1, "suffix")?.as_ref())))),
        "regex" => f(2, 2, text::regex),
        "reverse" => f(1, 1, |a| Ok(Value::List(a.list(0, "list")?.iter().rev().cloned().collect()))),
        "setsubtract" => f(2, 2, lists::setsubtract),
        "setunion" => f(1, MANY, lists::setunion),
        "sha256" => f(1, 1, text::sha256),
        "slice" => f(3, 3, lists::slice),
        "sort" => f(1, 1, lists::sort),
        "startswith" => f(2, 2, |a| Ok(Value::Bool(a.str(0, "string")?.starts_with(a.str(1, "prefix")?.as_ref())))),
        "yamldecode" => f(1, 1, text::yamldecode),
        "zipmap" => f(2, 2, lists::zipmap),
        _ => return None,
    })
}

fn arity_text(min: usize, max: usize) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    match (min, max) {
        (n, m) if n == m => format!("{n} argument{}", plural(n)),
        (n, MANY) => format!("at least {n} argument{}", plural(n)),
        (n, m) if m == n + 1 => format!("{n} or {m} arguments"),
        (n, m) => format!("{n} to {m} arguments"),
    }
}

fn check_len(name: &str, len: usize) -> Result<(), String> {
    if len > MAX_STRING_BYTES {
        return Err(format!(
            "{name}: the result would be {len} bytes, over the limit of {} MiB",
            MAX_STRING_BYTES >> 20
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Arguments and conversions

/// The arguments of one call; `vals.len()` has been checked against the
/// function's arity, so indexing below the minimum is safe.
struct Args<'a> {
    name: &'a str,
    vals: &'a [Value],
}

impl<'a> Args<'a> {
    fn err(&self, msg: impl fmt::Display) -> String {
        format!("{}: {msg}", self.name)
    }

    /// "join: `list` (argument 2) must be a list, got the string "a""
    fn bad(&self, i: usize, param: &str, expected: &str) -> String {
        self.err(format_args!("`{param}` (argument {}) must be {expected}, got {}", i + 1, describe(&self.vals[i])))
    }

    fn str(&self, i: usize, param: &str) -> Result<Cow<'a, str>, String> {
        scalar_text(&self.vals[i]).ok_or_else(|| self.bad(i, param, "a string"))
    }

    fn num(&self, i: usize, param: &str) -> Result<f64, String> {
        number_of(&self.vals[i]).ok_or_else(|| self.bad(i, param, "a number"))
    }

    /// A whole number small enough to be exact (|n| <= 2^53).
    fn int(&self, i: usize, param: &str) -> Result<i64, String> {
        let n = self.num(i, param)?;
        if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_992.0 {
            Ok(n as i64)
        } else {
            Err(self.bad(i, param, "a whole number"))
        }
    }

    fn list(&self, i: usize, param: &str) -> Result<&'a [Value], String> {
        self.vals[i].as_list().ok_or_else(|| self.bad(i, param, "a list"))
    }

    fn map(&self, i: usize, param: &str) -> Result<&'a BTreeMap<String, Value>, String> {
        self.vals[i].as_map().ok_or_else(|| self.bad(i, param, "a map"))
    }
}

/// The text of a string, number or bool (Terraform's automatic conversion).
pub(crate) fn scalar_text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(format_number(*n))),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

/// A number, or a string holding a finite decimal number.
fn number_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => Some(*n),
        Value::String(s) => s.parse::<f64>().ok().filter(|n| n.is_finite()),
        _ => None,
    }
}

fn bool_of(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

/// Describes a value for an error message: "the string "abc"", "a list of 3 elements".
fn describe(v: &Value) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    match v {
        Value::Null => "null".to_string(),
        Value::Unknown => "a value known only after apply".to_string(),
        Value::Bool(b) => format!("the bool {b}"),
        Value::Number(n) => format!("the number {}", format_number(*n)),
        Value::String(s) if s.chars().count() > 40 => {
            let head: String = s.chars().take(37).collect();
            format!("the string {head:?}…")
        }
        Value::String(s) => format!("the string {s:?}"),
        Value::List(l) => format!("a list of {} element{}", l.len(), plural(l.len())),
        Value::Map(m) => format!("a map with {} key{}", m.len(), plural(m.len())),
    }
}

// ---------------------------------------------------------------------------
// Numbers

fn math(a: &Args, op: fn(f64) -> f64) -> Result<Value, String> {
    Ok(Value::Number(op(a.num(0, "number")?)))
}

fn fold_numbers(a: &Args, op: fn(f64, f64) -> f64) -> Result<Value, String> {
    let mut acc = a.num(0, "number")?;
    for i in 1..a.vals.len() {
        acc = op(acc, a.num(i, "number")?);
    }
    Ok(Value::Number(acc))
}

fn range(a: &Args) -> Result<Value, String> {
    let (start, limit) = match a.vals.len() {
        1 => (0.0, a.num(0, "limit")?),
        _ => (a.num(0, "start")?, a.num(1, "limit")?),
    };
    let step = match a.vals.get(2) {
        Some(_) => a.num(2, "step")?,
        None if start <= limit => 1.0,
        None => -1.0,
    };
    if !(start.is_finite() && limit.is_finite() && step.is_finite()) {
        return Err(a.err("start, limit and step must be finite numbers"));
    }
    if step == 0.0 {
        return Err(a.err("step must not be zero"));
    }
    if step > 0.0 && start > limit {
        return Err(a.err("with a positive step, limit must not be less than start"));
    }
    if step < 0.0 && start < limit {
        return Err(a.err("with a negative step, limit must not be greater than start"));
    }
    let count = ((limit - start) / step).ceil();
    if count.is_nan() || count > MAX_RANGE as f64 {
        let count = if count.is_finite() { format_number(count) } else { "too many".to_string() };
        return Err(a.err(format_args!(
            "the result would have {count} elements, more than the limit of {MAX_RANGE}; use a larger step or a smaller span"
        )));
    }
    Ok(Value::List((0..count as usize).map(|i| Value::Number(start + i as f64 * step)).collect()))
}

// ---------------------------------------------------------------------------
// Strings

fn text(a: &Args, op: fn(&str) -> String) -> Result<Value, String> {
    Ok(Value::String(op(&a.str(0, "string")?)))
}

fn join(a: &Args) -> Result<Value, String> {
    let sep = a.str(0, "separator")?;
    let list = a.list(1, "list")?;
    let mut parts = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        parts.push(
            scalar_text(v)
                .ok_or_else(|| a.err(format_args!("element {i} of the list must be a string, got {}", describe(v))))?,
        );
    }
    let total = parts
        .iter()
        .fold(0usize, |n, p| n.saturating_add(p.len()))
        .saturating_add(sep.len().saturating_mul(parts.len().saturating_sub(1)));
    check_len(a.name, total)?;
    Ok(Value::String(parts.join(&*sep)))
}

fn split(a: &Args) -> Result<Value, String> {
    let sep = a.str(0, "separator")?;
    let s = a.str(1, "string")?;
    let parts = if sep.is_empty() {
        s.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        s.split(&*sep).map(Value::from).collect()
    };
    Ok(Value::List(parts))
}

fn replace(a: &Args) -> Result<Value, String> {
    let s = a.str(0, "string")?;
    let from = a.str(1, "substring")?;
    let to = a.str(2, "replacement")?;
    // An empty substring matches before every character and at the end.
    let hits = if from.is_empty() { s.chars().count() + 1 } else { s.matches(&*from).count() };
    let len = s.len().saturating_sub(hits.saturating_mul(from.len())).saturating_add(hits.saturating_mul(to.len()));
    check_len(a.name, len)?;
    Ok(Value::String(s.replace(&*from, &to)))
}

fn substr(a: &Args) -> Result<Value, String> {
    let s = a.str(0, "string")?;
    let offset = a.int(1, "offset")?;
    let length = a.int(2, "length")?;
    let total = s.chars().count() as i64;
    let start = if offset < 0 { (total + offset).max(0) } else { offset };
    if start >= total {
        return Ok(Value::String(String::new()));
    }
    let rest = s.chars().skip(start as usize);
    Ok(Value::String(if length < 0 { rest.collect() } else { rest.take(length.min(total) as usize).collect() }))
}

fn format(a: &Args) -> Result<Value, String> {
    let fmt = a.str(0, "format")?;
    let mut out = String::with_capacity(fmt.len());
    let mut next = 1;
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(verb @ ('s' | 'd' | 'v' | 'q' | 't')) => {
                let Some(v) = a.vals.get(next) else {
                    return Err(a.err(format_args!(
                        "`%{verb}` is verb {next} of the format string, but only {} value{} given",
                        next - 1,
                        if next == 2 { " was" } else { "s were" }
                    )));
                };
                let text = format_verb(verb, v).map_err(|expected| {
                    a.err(format_args!(
                        "value {next} does not suit `%{verb}`: expected {expected}, got {}",
                        describe(v)
                    ))
                })?;
                out.push_str(&text);
                next += 1;
            }
            Some(other) => {
                return Err(a.err(format_args!(
                    "`%{other}` is not a supported verb; use %s, %d, %v, %q, %t, or %% for a literal percent sign"
                )));
            }
            None => {
                return Err(a.err("the format string ends in a lone `%`; write `%%` for a literal percent sign"));
            }
        }
    }
    if next < a.vals.len() {
        return Err(a.err(format_args!(
            "{} values were given, but the format string uses only {}",
            a.vals.len() - 1,
            next - 1
        )));
    }
    Ok(Value::String(out))
}

/// Formats one value for a verb, or says what the verb expects.
fn format_verb(verb: char, v: &Value) -> Result<String, &'static str> {
    match verb {
        's' => scalar_text(v).map(Cow::into_owned).ok_or("a string, number or bool"),
        'd' => number_of(v).filter(|n| n.fract() == 0.0).map(format_number).ok_or("a whole number"),
        't' => bool_of(v).map(|b| b.to_string()).ok_or("a bool"),
        'q' => scalar_text(v)
            .map(|s| serde_json::Value::String(s.into_owned()).to_string())
            .ok_or("a string, number or bool"),
        _ => match v {
            Value::Null => Ok("null".to_string()),
            Value::List(_) | Value::Map(_) => json_text(v).map_err(|_| "a value without NaN or infinity"),
            _ => scalar_text(v).map(Cow::into_owned).ok_or("a value"),
        },
    }
}

// ---------------------------------------------------------------------------
// Collections

fn length(a: &Args) -> Result<Value, String> {
    let n = match &a.vals[0] {
        Value::Unknown => return Ok(Value::Unknown),
        Value::List(l) => l.len(),
        Value::Map(m) => m.len(),
        Value::String(s) => s.chars().count(),
        _ => return Err(a.bad(0, "value", "a list, map or string")),
    };
    Ok(Value::Number(n as f64))
}

fn keys(a: &Args) -> Result<Value, String> {
    match &a.vals[0] {
        Value::Unknown => Ok(Value::Unknown),
        _ => Ok(Value::List(a.map(0, "map")?.keys().map(|k| Value::from(k.as_str())).collect())),
    }
}

fn concat(a: &Args) -> Result<Value, String> {
    let mut out = Vec::new();
    let mut unknown = false;
    for (i, v) in a.vals.iter().enumerate() {
        match v {
            Value::Unknown => unknown = true,
            Value::List(l) => out.extend_from_slice(l),
            _ => return Err(a.bad(i, "list", "a list")),
        }
    }
    Ok(if unknown { Value::Unknown } else { Value::List(out) })
}

fn coalesce(a: &Args) -> Result<Value, String> {
    for v in a.vals {
        match v {
            Value::Null => {}
            Value::String(s) if s.is_empty() => {}
            // Might be null or empty once known, so the answer is unknown too.
            Value::Unknown => return Ok(Value::Unknown),
            _ => return Ok(v.clone()),
        }
    }
    Err(a.err("all arguments are null or empty strings; add a non-empty fallback as the last argument"))
}

fn distinct(a: &Args) -> Result<Value, String> {
    let mut out: Vec<Value> = Vec::new();
    for v in a.list(0, "list")? {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    Ok(Value::List(out))
}

fn flatten_into(out: &mut Vec<Value>, items: &[Value]) {
    for v in items {
        match v {
            Value::List(inner) => flatten_into(out, inner),
            other => out.push(other.clone()),
        }
    }
}

fn element(a: &Args) -> Result<Value, String> {
    let list = a.list(0, "list")?;
    let i = a.int(1, "index")?;
    if list.is_empty() {
        return Err(a.err("the list is empty, so it has no element to take"));
    }
    if i < 0 {
        return Err(
            a.err(format_args!("the index must not be negative, got {i} (use length(list) - 1 for the last element)"))
        );
    }
    Ok(list[(i as u64 % list.len() as u64) as usize].clone())
}

fn index(a: &Args) -> Result<Value, String> {
    let list = a.list(0, "list")?;
    match list.iter().position(|v| *v == a.vals[1]) {
        Some(i) => Ok(Value::Number(i as f64)),
        None => Err(a.err(format_args!("the list does not contain {}", a.vals[1]))),
    }
}

fn lookup(a: &Args) -> Result<Value, String> {
    let map = a.map(0, "map")?;
    let key = a.str(1, "key")?;
    if let Some(v) = map.get(&*key).or(a.vals.get(2)) {
        return Ok(v.clone());
    }
    const SHOWN: usize = 10;
    let mut known: Vec<&str> = map.keys().take(SHOWN).map(String::as_str).collect();
    if map.len() > SHOWN {
        known.push("…");
    }
    Err(a.err(format_args!(
        "the map has no key {key:?} (keys: {}); pass a default as the third argument",
        if known.is_empty() { "none".to_string() } else { known.join(", ") }
    )))
}

fn merge(a: &Args) -> Result<Value, String> {
    let mut out = BTreeMap::new();
    for (i, v) in a.vals.iter().enumerate() {
        match v {
            Value::Null => {}
            Value::Map(m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
            _ => return Err(a.bad(i, "map", "a map or null")),
        }
    }
    Ok(Value::Map(out))
}

/// Converts the single argument; null stays null.
fn convert(a: &Args, expected: &str, conv: fn(&Value) -> Option<Value>) -> Result<Value, String> {
    match &a.vals[0] {
        Value::Null => Ok(Value::Null),
        v => conv(v).ok_or_else(|| a.bad(0, "value", expected)),
    }
}

// ---------------------------------------------------------------------------
// Networks

/// Parses a CIDR prefix; host bits are dropped ("10.0.0.1/16" is 10.0.0.0/16).
fn prefix_arg(a: &Args, i: usize) -> Result<IpNet, String> {
    let s = a.str(i, "prefix")?;
    s.parse::<IpNet>().map(|n| n.trunc()).map_err(|_| {
        a.err(format_args!("{s:?} is not a CIDR prefix such as \"10.0.0.0/16\" or \"2600:1f18:abcd:1200::/56\""))
    })
}

/// The network address as an integer, and the address width (32 or 128).
fn net_bits(net: &IpNet) -> (u128, u32) {
    match net {
        IpNet::V4(n) => (u128::from(u32::from(n.network())), 32),
        IpNet::V6(n) => (u128::from(n.network()), 128),
    }
}

fn addr_of(net: &IpNet, bits: u128) -> IpAddr {
    match net {
        // Only the low 32 bits are ever set for an IPv4 network.
        IpNet::V4(_) => IpAddr::V4(Ipv4Addr::from(bits as u32)),
        IpNet::V6(_) => IpAddr::V6(Ipv6Addr::from(bits)),
    }
}

/// 2^bits as text: exact while short, "2^bits" beyond.
fn pow2_text(bits: u32) -> String {
    if bits <= 64 { (1u128 << bits).to_string() } else { format!("2^{bits}") }
}

/// 2^bits - 1 as text.
fn max_text(bits: u32) -> String {
    if bits <= 64 { ((1u128 << bits) - 1).to_string() } else { format!("2^{bits}-1") }
}

fn cidrsubnet(a: &Args) -> Result<Value, String> {
    let net = prefix_arg(a, 0)?;
    let newbits = a.int(1, "newbits")?;
    let netnum = a.num(2, "netnum")?;
    let (base, width) = net_bits(&net);
    let len = u32::from(net.prefix_len());
    let room = width - len;
    if newbits < 0 {
        return Err(a.err(format_args!("newbits must not be negative, got {newbits}")));
    }
    if newbits > i64::from(room) {
        return Err(a.err(format_args!(
            "the prefix {net} has only {room} bit{} left, cannot add {newbits}",
            if room == 1 { "" } else { "s" }
        )));
    }
    let newbits = newbits as u32;
    // 2^newbits is exact in f64 up to 2^128; below it a whole f64 is exact in u128.
    if !(netnum.fract() == 0.0 && netnum >= 0.0 && netnum < 2f64.powi(newbits as i32)) {
        return Err(a.err(format_args!(
            "netnum {} does not fit in {newbits} new bit{} (valid: 0 to {})",
            format_number(netnum),
            if newbits == 1 { "" } else { "s" },
            max_text(newbits)
        )));
    }
    // No shift by the full width: newbits = 0 forces netnum = 0.
    let subnet = (netnum as u128).checked_shl(room - newbits).unwrap_or(0);
    let prefix = IpNet::new(addr_of(&net, base | subnet), (len + newbits) as u8).map_err(|e| a.err(e))?;
    Ok(Value::String(prefix.to_string()))
}

fn cidrhost(a: &Args) -> Result<Value, String> {
    let net = prefix_arg(a, 0)?;
    let hostnum = a.num(1, "hostnum")?;
    let (base, width) = net_bits(&net);
    let host_bits = width - u32::from(net.prefix_len());
    let size = 2f64.powi(host_bits as i32);
    if !(hostnum.fract() == 0.0 && hostnum >= -size && hostnum < size) {
        return Err(a.err(format_args!(
            "hostnum {} is outside {net}, which has {} addresses (valid: 0 to {}, or -{} to -1 counting back from the last)",
            format_number(hostnum),
            pow2_text(host_bits),
            max_text(host_bits),
            pow2_text(host_bits)
        )));
    }
    // All ones in the host bits (none for a /32 or /128).
    let last = u128::MAX.checked_shr(128 - host_bits).unwrap_or(0);
    let offset = if hostnum >= 0.0 {
        hostnum as u128
    } else if -hostnum == size {
        0
    } else {
        // 1 <= -hostnum < size, so -hostnum - 1 <= last.
        last - (-hostnum as u128 - 1)
    };
    Ok(Value::String(addr_of(&net, base | offset).to_string()))
}

fn cidrnetmask(a: &Args) -> Result<Value, String> {
    match prefix_arg(a, 0)? {
        IpNet::V4(n) => Ok(Value::String(n.netmask().to_string())),
        IpNet::V6(n) => Err(a.err(format_args!(
            "{n} is an IPv6 prefix; only IPv4 prefixes have a dotted netmask (IPv6 uses the prefix length, /{})",
            n.prefix_len()
        ))),
    }
}

// ---------------------------------------------------------------------------
// Encodings

fn json_text(v: &Value) -> Result<String, ()> {
    fn finite(v: &Value) -> bool {
        match v {
            Value::Number(n) => n.is_finite(),
            Value::List(l) => l.iter().all(finite),
            Value::Map(m) => m.values().all(finite),
            _ => true,
        }
    }
    if finite(v) { Ok(v.to_json().to_string()) } else { Err(()) }
}

fn jsonencode(a: &Args) -> Result<Value, String> {
    json_text(&a.vals[0])
        .map(Value::String)
        .map_err(|()| a.err("JSON has no NaN or infinity, and the value contains one"))
}

fn jsondecode(a: &Args) -> Result<Value, String> {
    let s = a.str(0, "string")?;
    serde_json::from_str::<serde_json::Value>(&s)
        .map(|j| Value::from_json(&j))
        .map_err(|e| a.err(format_args!("the string is not valid JSON: {e}")))
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3).saturating_mul(4));
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() { char::from(B64[(n >> (18 - 6 * i)) as usize & 63]) } else { '=' });
        }
    }
    out
}

/// Decodes padded standard Base64, ignoring line breaks.
fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let sextet = |c: u8| B64.iter().position(|&b| b == c).map(|p| p as u32);
    let clean: Vec<u8> = s.bytes().filter(|b| !matches!(b, b'\r' | b'\n')).collect();
    if !clean.len().is_multiple_of(4) {
        return None;
    }
    let chunks = clean.len() / 4;
    let mut out = Vec::with_capacity(chunks * 3);
    for (ci, chunk) in clean.chunks(4).enumerate() {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && ci + 1 != chunks) {
            return None;
        }
        let mut n = 0u32;
        for &c in &chunk[..4 - pad] {
            n = n << 6 | sextet(c)?;
        }
        n <<= 6 * pad;
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8][..3 - pad]);
    }
    Some(out)
}

fn base64decode(a: &Args) -> Result<Value, String> {
    let s = a.str(0, "string")?;
    let bytes = b64_decode(&s).ok_or_else(|| {
        a.err("the string is not valid Base64 (A-Z a-z 0-9 + /, padded with = to a multiple of 4 characters)")
    })?;
    String::from_utf8(bytes).map(Value::String).map_err(|_| a.err("the decoded bytes are not UTF-8 text"))
}

// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    const U: Value = Value::Unknown;

    fn s(x: &str) -> Value {
        Value::from(x)
    }
    fn n(x: f64) -> Value {
        Value::Number(x)
    }
    fn list(items: &[Value]) -> Value {
        Value::List(items.to_vec())
    }
    fn map(pairs: &[(&str, Value)]) -> Value {
        Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }
    fn ok(name: &str, args: &[Value]) -> Value {
        call(name, args).unwrap_or_else(|e| panic!("{name}{args:?} failed: {e}"))
    }
    fn err(name: &str, args: &[Value]) -> String {
        match call(name, args) {
            Ok(v) => panic!("{name}{args:?} should fail, gave {v}"),
            Err(e) => e,
        }
    }

    #[test]
    fn table_is_sorted_and_dispatchable() {
        for w in FUNCTIONS.windows(2) {
            assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
        }
        for d in FUNCTIONS {
            assert!(spec(d.name).is_some() || SPECIAL_FORMS.contains(&d.name), "{} has no implementation", d.name);
            assert!(d.signature.starts_with(&format!("{}(", d.name)), "{}", d.signature);
            assert!(!d.doc.is_empty());
        }
        assert!(err("nosuch", &[]).contains("unknown function `nosuch`"));
    }

    #[test]
    fn arity_errors_name_function_and_signature() {
        let e = err("join", &[s(",")]);
        assert_eq!(e, "join: expected 2 arguments, got 1; usage: join(separator, list)");
        assert!(err("lookup", &[]).contains("2 or 3 arguments"));
        assert!(err("min", &[]).contains("at least 1 argument,"));
        assert!(err("range", &[n(1.0), n(2.0), n(3.0), n(4.0)]).contains("1 to 3 arguments"));
        // Arity is checked before unknowns short-circuit.
        assert!(call("upper", &[Value::Unknown, Value::Unknown]).is_err());
    }

    #[test]
    fn type_errors_say_what_was_expected() {
        let e = err("join", &[s(","), s("a")]);
        assert_eq!(e, "join: `list` (argument 2) must be a list, got the string \"a\"");
        assert!(err("join", &[s(","), list(&[s("a"), list(&[])])]).contains("element 1"));
        assert!(err("upper", &[Value::Null]).contains("must be a string, got null"));
        assert!(err("element", &[list(&[n(1.0)]), n(0.5)]).contains("a whole number"));
    }

    #[test]
    fn cidrsubnet_ipv4() {
        let c = |p: &str, nb: f64, num: f64| ok("cidrsubnet", &[s(p), n(nb), n(num)]);
        assert_eq!(c("10.0.0.0/16", 8.0, 0.0), s("10.0.0.0/24"));
        assert_eq!(c("10.0.0.0/16", 8.0, 100.0), s("10.0.100.0/24"));
        assert_eq!(c("10.0.0.0/16", 4.0, 15.0), s("10.0.240.0/20"));
        assert_eq!(c("172.16.0.0/12", 4.0, 2.0), s("172.18.0.0/16"));
        assert_eq!(c("10.0.0.0/30", 2.0, 3.0), s("10.0.0.3/32"));
        assert_eq!(c("10.0.0.0/16", 0.0, 0.0), s("10.0.0.0/16"));
        assert_eq!(c("0.0.0.0/0", 32.0, 4294967295.0), s("255.255.255.255/32"));
        // Host bits in the prefix are dropped, as Terraform does.
        assert_eq!(c("10.0.7.9/16", 8.0, 1.0), s("10.0.1.0/24"));
        // Numeric strings convert.
        assert_eq!(ok("cidrsubnet", &[s("10.0.0.0/16"), s("8"), s("2")]), s("10.0.2.0/24"));
    }

    #[test]
    fn cidrsubnet_ipv6() {
        let c = |p: &str, nb: f64, num: f64| ok("cidrsubnet", &[s(p), n(nb), n(num)]);
        assert_eq!(c("2600:1f18:abcd:1200::/56", 8.0, 3.0), s("2600:1f18:abcd:1203::/64"));
        assert_eq!(c("2600:1f18:abcd:1200::/56", 8.0, 0.0), s("2600:1f18:abcd:1200::/64"));
        assert_eq!(c("2600:1f18:abcd:1200::/56", 8.0, 255.0), s("2600:1f18:abcd:12ff::/64"));
        assert_eq!(c("fd00::/8", 120.0, 1.0), s("fd00::1/128"));
        assert_eq!(c("::/0", 0.0, 0.0), s("::/0"));
        assert_eq!(c("::/0", 128.0, 0.0), s("::/128"));
        assert_eq!(c("::/0", 1.0, 1.0), s("8000::/1"));
    }

    #[test]
    fn cidrsubnet_errors() {
        let c = |p: &str, nb: f64, num: f64| err("cidrsubnet", &[s(p), n(nb), n(num)]);
        assert_eq!(c("10.0.0.0/30", 8.0, 0.0), "cidrsubnet: the prefix 10.0.0.0/30 has only 2 bits left, cannot add 8");
        assert!(c("2600:1f18:abcd:1200::/56", 73.0, 0.0).contains("only 72 bits left"));
        assert_eq!(c("10.0.0.0/16", 8.0, 256.0), "cidrsubnet: netnum 256 does not fit in 8 new bits (valid: 0 to 255)");
        assert!(c("10.0.0.0/16", 8.0, -1.0).contains("does not fit"));
        assert!(c("10.0.0.0/16", 8.0, 1.5).contains("does not fit"));
        assert!(c("10.0.0.0/16", -1.0, 0.0).contains("must not be negative"));
        assert!(c("10.0.0.0/16", 1e300, 0.0).contains("whole number"));
        assert!(c("10.0.0.0/16", 4e15, 0.0).contains("cannot add"));
        assert!(c("10.0.0.0/16", f64::NAN, 0.0).contains("whole number"));
        assert!(c("10.0.0.0/16", 8.0, f64::NAN).contains("does not fit"));
        assert!(c("10.0.0.0/16", 8.0, f64::INFINITY).contains("does not fit"));
        assert!(c("10.0.0.0", 8.0, 0.0).contains("not a CIDR prefix"));
        assert!(c("10.0.0.0/33", 8.0, 0.0).contains("not a CIDR prefix"));
        assert!(c("banana", 8.0, 0.0).contains("not a CIDR prefix"));
    }

    #[test]
    fn cidrhost_and_netmask() {
        let h = |p: &str, num: f64| call("cidrhost", &[s(p), n(num)]);
        assert_eq!(h("10.0.1.0/24", 5.0), Ok(s("10.0.1.5")));
        assert_eq!(h("10.0.1.0/24", -1.0), Ok(s("10.0.1.255")));
        assert_eq!(h("10.0.1.0/24", -256.0), Ok(s("10.0.1.0")));
        assert_eq!(h("10.0.0.0/16", 300.0), Ok(s("10.0.1.44")));
        assert_eq!(h("10.0.0.7/32", 0.0), Ok(s("10.0.0.7")));
        assert_eq!(h("10.0.0.7/32", -1.0), Ok(s("10.0.0.7")));
        assert_eq!(h("2600:1f18:abcd:1203::/64", 10.0), Ok(s("2600:1f18:abcd:1203::a")));
        assert_eq!(h("2600:1f18:abcd:1203::/64", -1.0), Ok(s("2600:1f18:abcd:1203:ffff:ffff:ffff:ffff")));
        assert_eq!(h("::/0", -1.0), Ok(s("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
        assert_eq!(h("::/0", -(2f64.powi(128))), Ok(s("::")));
        let e = h("10.0.1.0/24", 256.0).unwrap_err();
        assert!(e.contains("has 256 addresses (valid: 0 to 255, or -256 to -1"), "{e}");
        assert!(h("10.0.1.0/24", -257.0).is_err());
        assert!(h("10.0.1.0/24", f64::NAN).is_err());
        assert!(h("::/0", 2f64.powi(128)).unwrap_err().contains("2^128"));

        assert_eq!(ok("cidrnetmask", &[s("10.0.0.0/16")]), s("255.255.0.0"));
        assert_eq!(ok("cidrnetmask", &[s("10.0.0.0/0")]), s("0.0.0.0"));
        assert_eq!(ok("cidrnetmask", &[s("10.1.2.3/32")]), s("255.255.255.255"));
        assert!(err("cidrnetmask", &[s("2600::/56")]).contains("IPv6"));
    }

    #[test]
    fn unknowns_propagate() {
        assert_eq!(ok("upper", &[U]), U);
        assert_eq!(ok("join", &[s(","), list(&[s("a"), U])]), U);
        assert_eq!(ok("jsonencode", &[map(&[("Arn", U)])]), U);
        assert_eq!(ok("cidrsubnet", &[U, n(8.0), n(1.0)]), U);
        assert_eq!(ok("format", &[s("%s-%s"), s("a"), U]), U);
        assert_eq!(ok("merge", &[map(&[]), U]), U);
        // Exact answers despite unknown parts.
        assert_eq!(ok("length", &[list(&[U, U])]), n(2.0));
        assert_eq!(ok("length", &[map(&[("a", U)])]), n(1.0));
        assert_eq!(ok("length", &[U]), U);
        assert_eq!(ok("keys", &[map(&[("b", U), ("a", n(1.0))])]), list(&[s("a"), s("b")]));
        assert_eq!(ok("keys", &[U]), U);
        assert_eq!(ok("concat", &[list(&[s("a")]), list(&[U])]), list(&[s("a"), U]));
        assert_eq!(ok("concat", &[list(&[s("a")]), U]), U);
        assert_eq!(ok("coalesce", &[Value::Null, s("x"), U]), s("x"));
        assert_eq!(ok("coalesce", &[s(""), U, s("x")]), U);
        assert_eq!(ok("coalesce", &[list(&[U])]), list(&[U]));
        // Type errors are still reported by the functions that see unknowns.
        assert!(call("concat", &[U, s("x")]).is_err());
        assert!(call("length", &[n(1.0)]).is_err());
    }

    #[test]
    fn format_verbs() {
        let fmt = |args: &[Value]| call("format", args);
        assert_eq!(fmt(&[s("%s-%d"), s("web"), n(3.0)]), Ok(s("web-3")));
        assert_eq!(fmt(&[s("%v|%v|%v|%v"), s("a"), n(1.5), Value::Bool(true), Value::Null]), Ok(s("a|1.5|true|null")));
        assert_eq!(fmt(&[s("%v"), list(&[n(1.0), s("x")])]), Ok(s("[1,\"x\"]")));
        assert_eq!(fmt(&[s("%q"), s("say \"hi\"\n")]), Ok(s("\"say \\\"hi\\\"\\n\"")));
        assert_eq!(fmt(&[s("%q"), n(5.0)]), Ok(s("\"5\"")));
        assert_eq!(fmt(&[s("100%% %t"), Value::Bool(false)]), Ok(s("100% false")));
        assert_eq!(fmt(&[s("%d"), s("42")]), Ok(s("42")));
        assert_eq!(fmt(&[s("%s"), n(10.0)]), Ok(s("10")));
        assert_eq!(fmt(&[s("no verbs, ünïcode")]), Ok(s("no verbs, ünïcode")));

        assert!(fmt(&[s("%d"), n(1.5)]).unwrap_err().contains("expected a whole number, got the number 1.5"));
        assert!(fmt(&[s("%d"), s("x")]).is_err());
        assert!(fmt(&[s("%s"), list(&[])]).is_err());
        assert!(fmt(&[s("%s"), Value::Null]).is_err());
        assert!(fmt(&[s("%t"), n(1.0)]).is_err());
        assert!(fmt(&[s("%z"), n(1.0)]).unwrap_err().contains("`%z` is not a supported verb"));
        assert!(fmt(&[s("%5d"), n(1.0)]).is_err());
        assert!(fmt(&[s("%"), n(1.0)]).unwrap_err().contains("lone `%`"));
        assert_eq!(
            fmt(&[s("%s %s"), s("a")]).unwrap_err(),
            "format: `%s` is verb 2 of the format string, but only 1 value was given"
        );
        assert!(fmt(&[s("%s"), s("a"), s("b")]).unwrap_err().contains("uses only 1"));
        assert!(fmt(&[s("%v"), list(&[n(f64::NAN)])]).is_err());
    }

    #[test]
    fn strings() {
        assert_eq!(ok("join", &[s(", "), list(&[s("a"), n(2.0), Value::Bool(true)])]), s("a, 2, true"));
        assert_eq!(ok("join", &[s(","), list(&[])]), s(""));
        assert_eq!(ok("split", &[s(","), s("a,b,,c")]), list(&[s("a"), s("b"), s(""), s("c")]));
        assert_eq!(ok("split", &[s(","), s("")]), list(&[s("")]));
        assert_eq!(ok("split", &[s(""), s("ab")]), list(&[s("a"), s("b")]));
        assert_eq!(ok("lower", &[s("HeLLo")]), s("hello"));
        assert_eq!(ok("upper", &[s("straße")]), s("STRASSE"));
        assert_eq!(ok("trimspace", &[s(" \t x y\n")]), s("x y"));
        assert_eq!(ok("replace", &[s("a-b-c"), s("-"), s("--")]), s("a--b--c"));
        assert_eq!(ok("replace", &[s("ab"), s(""), s(".")]), s(".a.b."));
        assert_eq!(ok("substr", &[s("hello world"), n(1.0), n(4.0)]), s("ello"));
        assert_eq!(ok("substr", &[s("hello world"), n(-5.0), n(-1.0)]), s("world"));
        assert_eq!(ok("substr", &[s("héllo"), n(1.0), n(2.0)]), s("él"));
        assert_eq!(ok("substr", &[s("abc"), n(10.0), n(2.0)]), s(""));
        assert_eq!(ok("substr", &[s("abc"), n(-10.0), n(2.0)]), s("ab"));
        assert_eq!(ok("substr", &[s("abc"), n(1.0), n(1e15)]), s("bc"));
        assert_eq!(ok("length", &[s("héllo")]), n(5.0));
        assert_eq!(ok("base64encode", &[s("")]), s(""));
        assert_eq!(ok("base64encode", &[s("f")]), s("Zg=="));
        assert_eq!(ok("base64encode", &[s("fo")]), s("Zm8="));
        assert_eq!(ok("base64encode", &[s("foobar")]), s("Zm9vYmFy"));
        assert_eq!(ok("base64encode", &[s("#!/bin/bash\necho hi")]), s("IyEvYmluL2Jhc2gKZWNobyBoaQ=="));
        for text in ["", "f", "fo", "foo", "foob", "fooba", "foobar", "ünïcødé ✓"] {
            let enc = ok("base64encode", &[s(text)]);
            assert_eq!(ok("base64decode", &[enc]), s(text));
        }
        assert_eq!(ok("base64decode", &[s("Zm9v\r\nYmFy")]), s("foobar"));
        for bad in ["Zg=", "Z===", "Zg==Zg==", "Z!==", "====", "Zm9", "/w=="] {
            assert!(call("base64decode", &[s(bad)]).is_err(), "{bad}");
        }
    }

    #[test]
    fn conversions_and_numbers() {
        assert_eq!(ok("tostring", &[n(443.0)]), s("443"));
        assert_eq!(ok("tostring", &[Value::Bool(true)]), s("true"));
        assert_eq!(ok("tostring", &[Value::Null]), Value::Null);
        assert!(err("tostring", &[list(&[])]).contains("jsonencode"));
        assert_eq!(ok("tonumber", &[s("1.5")]), n(1.5));
        assert_eq!(ok("tonumber", &[n(2.0)]), n(2.0));
        assert!(call("tonumber", &[s("NaN")]).is_err());
        assert!(call("tonumber", &[s("inf")]).is_err());
        assert!(call("tonumber", &[s("x")]).is_err());
        assert!(call("tonumber", &[Value::Bool(true)]).is_err());
        assert_eq!(ok("tobool", &[s("false")]), Value::Bool(false));
        assert!(call("tobool", &[s("yes")]).is_err());
        assert_eq!(ok("min", &[n(3.0), n(-1.0), s("2")]), n(-1.0));
        assert_eq!(ok("max", &[n(3.0), n(-1.0), n(7.5)]), n(7.5));
        assert_eq!(ok("abs", &[n(-4.0)]), n(4.0));
        assert_eq!(ok("floor", &[n(-4.5)]), n(-5.0));
        assert_eq!(ok("ceil", &[n(4.1)]), n(5.0));
    }

    #[test]
    fn element_wraps_and_collections() {
        let l = list(&[s("a"), s("b"), s("c")]);
        assert_eq!(ok("element", &[l.clone(), n(0.0)]), s("a"));
        assert_eq!(ok("element", &[l.clone(), n(4.0)]), s("b"));
        assert_eq!(ok("element", &[l.clone(), n(9e15)]), s("a"));
        assert!(err("element", &[l.clone(), n(-1.0)]).contains("negative"));
        assert!(err("element", &[list(&[]), n(0.0)]).contains("empty"));
        assert_eq!(ok("index", &[l.clone(), s("c")]), n(2.0));
        assert!(err("index", &[l.clone(), s("z")]).contains("does not contain \"z\""));
        assert_eq!(ok("contains", &[l.clone(), s("b")]), Value::Bool(true));
        assert_eq!(ok("contains", &[l.clone(), n(1.0)]), Value::Bool(false));
        assert_eq!(ok("length", std::slice::from_ref(&l)), n(3.0));
        assert_eq!(
            ok("concat", &[list(&[n(1.0)]), list(&[]), list(&[n(2.0), n(3.0)])]),
            list(&[n(1.0), n(2.0), n(3.0)])
        );
        assert_eq!(ok("distinct", &[list(&[s("a"), s("b"), s("a"), n(1.0), n(1.0)])]), list(&[s("a"), s("b"), n(1.0)]));
        assert_eq!(
            ok("flatten", &[list(&[s("a"), list(&[s("b"), list(&[s("c")])]), list(&[])])]),
            list(&[s("a"), s("b"), s("c")])
        );
        let m = map(&[("b", n(2.0)), ("a", n(1.0))]);
        assert_eq!(ok("keys", std::slice::from_ref(&m)), list(&[s("a"), s("b")]));
        assert_eq!(ok("values", std::slice::from_ref(&m)), list(&[n(1.0), n(2.0)]));
        assert_eq!(ok("lookup", &[m.clone(), s("a")]), n(1.0));
        assert_eq!(ok("lookup", &[m.clone(), s("z"), s("dflt")]), s("dflt"));
        assert_eq!(
            err("lookup", &[m.clone(), s("z")]),
            "lookup: the map has no key \"z\" (keys: a, b); pass a default as the third argument"
        );
        assert_eq!(ok("coalesce", &[Value::Null, s(""), s("x"), s("y")]), s("x"));
        assert_eq!(ok("coalesce", &[Value::Null, n(0.0)]), n(0.0));
        assert!(call("coalesce", &[Value::Null, s("")]).is_err());
    }

    #[test]
    fn merge_later_maps_win() {
        let base = map(&[("Name", s("web")), ("Env", s("dev"))]);
        let over = map(&[("Env", s("prod")), ("Team", s("infra"))]);
        assert_eq!(
            ok("merge", &[base.clone(), Value::Null, over]),
            map(&[("Env", s("prod")), ("Name", s("web")), ("Team", s("infra"))])
        );
        assert_eq!(ok("merge", &[]), map(&[]));
        assert!(err("merge", &[base, s("x")]).contains("argument 2"));
    }

    #[test]
    fn range_bounds() {
        assert_eq!(ok("range", &[n(3.0)]), list(&[n(0.0), n(1.0), n(2.0)]));
        assert_eq!(ok("range", &[n(-2.0)]), list(&[n(0.0), n(-1.0)]));
        assert_eq!(ok("range", &[n(1.0), n(4.0)]), list(&[n(1.0), n(2.0), n(3.0)]));
        assert_eq!(ok("range", &[n(0.0), n(1.0), n(0.25)]), list(&[n(0.0), n(0.25), n(0.5), n(0.75)]));
        assert_eq!(ok("range", &[n(5.0), n(0.0), n(-2.0)]), list(&[n(5.0), n(3.0), n(1.0)]));
        assert_eq!(ok("range", &[n(0.0)]), list(&[]));
        assert_eq!(ok("range", &[n(MAX_RANGE as f64)]).as_list().map(<[Value]>::len), Some(MAX_RANGE));
        assert!(err("range", &[n(MAX_RANGE as f64 + 1.0)]).contains("limit of 10000"));
        assert!(err("range", &[n(1e300)]).contains("limit of 10000"));
        assert!(err("range", &[n(-1e308), n(1e308)]).contains("too many"));
        assert!(err("range", &[n(0.0), n(1.0), n(1e-300)]).contains("limit"));
        assert!(err("range", &[n(0.0), n(1.0), n(0.0)]).contains("zero"));
        assert!(err("range", &[n(0.0), n(5.0), n(-1.0)]).contains("negative step"));
        assert!(err("range", &[n(f64::NAN)]).contains("finite"));
    }

    #[test]
    fn json() {
        let policy = map(&[
            ("Version", s("2012-10-17")),
            ("Statement", list(&[map(&[("Effect", s("Allow")), ("Action", s("sts:AssumeRole"))])])),
        ]);
        let text = ok("jsonencode", std::slice::from_ref(&policy));
        assert_eq!(text, s(r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow"}],"Version":"2012-10-17"}"#));
        assert_eq!(ok("jsondecode", &[text]), policy);
        assert_eq!(ok("jsonencode", &[n(443.0)]), s("443"));
        assert_eq!(ok("jsonencode", &[n(0.5)]), s("0.5"));
        assert_eq!(ok("jsonencode", &[Value::Null]), s("null"));
        assert_eq!(ok("jsonencode", &[s("a\"b")]), s(r#""a\"b""#));
        assert!(err("jsonencode", &[list(&[n(f64::INFINITY)])]).contains("NaN or infinity"));
        assert_eq!(
            ok("jsondecode", &[s("[1, true, null, {\"b\": \"x\"}]")]),
            list(&[n(1.0), Value::Bool(true), Value::Null, map(&[("b", s("x"))])])
        );
        assert!(err("jsondecode", &[s("{")]).contains("not valid JSON"));
        assert!(call("jsondecode", &[s("1e400")]).is_err());
        let deep = "[".repeat(100_000);
        assert!(call("jsondecode", &[s(&deep)]).is_err());
    }

    #[test]
    fn string_growth_is_bounded() {
        let mut v = s("aaaaaaaa");
        let mut failed = false;
        for _ in 0..40 {
            match call("replace", &[v.clone(), s("a"), s("aaaa")]) {
                Ok(next) => v = next,
                Err(e) => {
                    assert!(e.contains("over the limit"), "{e}");
                    failed = true;
                    break;
                }
            }
        }
        assert!(failed);
        let big = s(&"x".repeat(MAX_STRING_BYTES));
        assert!(call("replace", &[s("abc"), s(""), big.clone()]).is_err());
        assert!(call("join", &[big.clone(), list(&[s("a"), s("b")])]).is_err());
        assert!(call("base64encode", std::slice::from_ref(&big)).is_err());
        assert!(call("format", &[s("%s%s"), big.clone(), big.clone()]).is_err());
        let mut j = s("\"");
        for _ in 0..64 {
            match call("jsonencode", &[j.clone()]) {
                Ok(next) => j = next,
                Err(_) => return,
            }
        }
        panic!("nested jsonencode never hit the limit");
    }

    /// Every function with every combination of awkward arguments, up to
    /// three: must return, never panic.
    #[test]
    fn no_panics_on_hostile_input() {
        let hostile = vec![
            Value::Null,
            Value::Unknown,
            Value::Bool(true),
            n(0.0),
            n(-1.0),
            n(1.5),
            n(129.0),
            n(f64::NAN),
            n(f64::INFINITY),
            n(f64::NEG_INFINITY),
            n(1e300),
            n(-1e300),
            n(2f64.powi(64)),
            s(""),
            s("%"),
            s("%[1]d%5s"),
            s("10.0.0.0/16"),
            s("::/0"),
            s("ff::/127"),
            s("1.2.3.4/32"),
            s("::1/128"),
            s("{\"a\":[1,"),
            s("===="),
            list(&[]),
            list(&[Value::Unknown, Value::Null]),
            list(&[list(&[n(1.0)]), s("x")]),
            map(&[]),
            map(&[("k", list(&[n(f64::NAN)]))]),
        ];
        let mut calls = 0;
        for d in FUNCTIONS {
            let _ = call(d.name, &[]);
            for a in &hostile {
                let _ = call(d.name, std::slice::from_ref(a));
                for b in &hostile {
                    let _ = call(d.name, &[a.clone(), b.clone()]);
                    for c in &hostile {
                        let _ = call(d.name, &[a.clone(), b.clone(), c.clone()]);
                        calls += 1;
                    }
                }
            }
            let _ = call(d.name, &vec![n(1.0); 5]);
        }
        assert!(calls > 100_000);
    }
}
