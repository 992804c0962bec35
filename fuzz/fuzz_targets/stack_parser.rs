//! Any bytes given as a stack file: loading must return a stack or
//! located errors, never panic, hang or exhaust memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stackr_core::{VarInputs, load_text};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let inputs = VarInputs::default();
        match load_text(Path::new("fuzz.yaml"), text, &inputs, &stackr_schema::Types) {
            Ok(stack) => {
                let _ = stackr_core::render::mermaid(&stack);
            }
            Err(e) => {
                let _ = e.render(false);
            }
        }
    }
});
