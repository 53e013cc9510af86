//! S&T finance and policy delivery: the policy library's rules, run over the facts the platform
//! holds to list who is entitled without applying (免申即享); the risk-compensation loan pool's
//! ledger, agreements and loans; financing demands and products, matched both ways.
pub mod financing;
pub mod fund;
pub mod policy;

#[cfg(test)]
mod financing_tests;
#[cfg(test)]
mod fund_tests;
#[cfg(test)]
mod policy_tests;
