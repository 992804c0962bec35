//! `stackr graph FILE --format dot|mermaid|json`

use super::{Failure, load_stack};
use crate::cli::{ColorChoice, GraphArgs, GraphFormat};
use stackr_core::render;

pub fn run(a: &GraphArgs, color: ColorChoice) -> Result<u8, Failure> {
    let stack = load_stack(&a.stack, color)?;
    let text = match a.format {
        GraphFormat::Dot => render::dot(&stack),
        GraphFormat::Mermaid => render::mermaid(&stack),
        GraphFormat::Json => {
            let mut s = serde_json::to_string_pretty(&render::json(&stack)).unwrap_or_default();
            s.push('\n');
            s
        }
    };
    match &a.output {
        Some(path) => {
            std::fs::write(path, text).map_err(|e| Failure::Message(format!("cannot write {}: {e}", path.display())))?
        }
        None => out!("{text}"),
    }
    Ok(0)
}
