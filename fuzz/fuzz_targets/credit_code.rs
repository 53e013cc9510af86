//! Any text: a credit code parses or is refused with a reason; never a panic. A valid code stays
//! valid after normalisation.
#![no_main]
use innocity_core::orgs::CreditCode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(code) = CreditCode::parse(text) {
        assert_eq!(CreditCode::parse(code.as_str()), Ok(code.clone()));
    }
});
