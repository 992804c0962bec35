//! Any bytes as a state file: reading must give a state or a "corrupt" /
//! "too new" error, never panic; a state it accepts must write back and
//! read again to the same document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stackr_state::store::parse_state;

fuzz_target!(|data: &[u8]| {
    let Ok(state) = parse_state(data, "fuzz.json") else { return };
    let bytes = serde_json::to_vec(&state).expect("a read state serializes");
    let again = parse_state(&bytes, "fuzz.json").expect("a written state reads back");
    assert_eq!(serde_json::to_value(&state).ok(), serde_json::to_value(&again).ok());
});
