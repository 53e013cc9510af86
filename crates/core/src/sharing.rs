//! Shared instruments (大型科研仪器共享): the catalogue's records with their prices and booking
//! rules, and the checks a booking must pass — opening hours, notice, length, buffer, quotas,
//! blackouts and, above all, no two bookings of one instrument at once. Pure: the store supplies
//! what is already booked and the time; the database enforces the overlap rule again.
pub mod booking;
pub mod evaluation;
pub mod exchange;
pub mod import;
pub mod instruments;
pub mod services;
pub mod vouchers;

#[cfg(test)]
mod booking_tests;
#[cfg(test)]
mod evaluation_tests;
#[cfg(test)]
mod exchange_tests;
#[cfg(test)]
mod instruments_tests;
#[cfg(test)]
mod services_tests;
#[cfg(test)]
mod vouchers_tests;
