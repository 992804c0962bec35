// TEMPORARY placeholder until the function library lands.
use crate::value::Value;
pub struct FunctionDoc {
    pub name: &'static str,
    pub signature: &'static str,
    pub doc: &'static str,
}
pub const FUNCTIONS: &[FunctionDoc] = &[FunctionDoc {
    name: "length",
    signature: "length(x)",
    doc: "",
}];
pub fn call(name: &str, args: &[Value]) -> Result<Value, String> {
    match (name, args) {
        ("length", [Value::List(l)]) => Ok(Value::Number(l.len() as f64)),
        _ => Err(format!("{name}: not available")),
    }
}
