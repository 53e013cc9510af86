//! Innovation subjects: enterprises' self-evaluation against the qualification rules
//! (科技型中小企业, 高新技术企业), on pages and in the API, and the contract's JSON that
//! `innocity qualify` reads and writes.
pub mod contract;
mod contract_input;
mod detail;
