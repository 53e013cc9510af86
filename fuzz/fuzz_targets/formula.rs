//! Any text: the formula parser answers Ok or an error with a position inside the text (or just
//! past its end), never panics; what parses prints to text that parses to the same expression,
//! and evaluates without panicking.
#![no_main]
use innocity_core::indicators::formula::{self, Item, Resolve};
use libfuzzer_sys::fuzz_target;

struct Everything;
impl Resolve for Everything {
    fn value(&self, item: &Item) -> Option<f64> {
        Some(item.to_string().len() as f64 - 7.0)
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match formula::parse(text) {
        Ok(f) => {
            let printed = f.expr.to_string();
            let again = formula::parse(&printed).expect("printed formulas parse");
            assert_eq!(again.expr, f.expr, "{printed}");
            let _ = formula::eval(&f.expr, &Everything);
        }
        Err(e) => assert!(e.position >= 1 && e.position <= text.chars().count() + 1, "{e} in {text:?}"),
    }
});
