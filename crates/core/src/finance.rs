//! S&T finance and policy delivery: the policy library's rules, run over the facts the platform
//! holds to list who is entitled without applying (免申即享).
pub mod policy;

#[cfg(test)]
mod policy_tests;
