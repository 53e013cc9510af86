//! Innovation subjects: the qualification rules of shared/contracts/qualification.md
//! (科技型中小企业评价 and the 高新技术企业 pre-check), computed in exact decimal arithmetic.
//! The same functions serve `innocity qualify`, the self-evaluation pages and the pools.
pub mod carriers;
pub mod certificates;
pub mod draft;
pub mod exact;
pub mod gaps;
pub mod hnte;
pub mod sme;
pub mod talent;

pub use exact::{Amount, AmountError, Frac};
