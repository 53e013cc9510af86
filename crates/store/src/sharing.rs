//! Shared instruments: the catalogue (`instruments`) and the bookings (`bookings`); service
//! providers (`providers`) and their orders and ratings (`orders`); vouchers (`vouchers`,
//! `redemptions`). Two
//! bookings never hold one instrument at once: the booking is checked inside the write
//! transaction (writers take the write lock in turn) and the database refuses an overlap again —
//! an exclusion constraint on PostgreSQL, a trigger on SQLite (migration 0028).
pub mod bookings;
pub mod evaluation;
pub mod exchange;
pub mod exchange_statements;
pub mod instruments;
pub mod orders;
pub mod providers;
pub mod redemption_checks;
pub mod redemptions;
pub mod registers;
pub mod relations;
pub mod vouchers;

pub use bookings::*;
pub use exchange::*;
pub use instruments::*;
pub use orders::*;
pub use providers::*;
pub use redemptions::*;
pub use relations::*;
pub use vouchers::*;

use innocity_core::sharing::booking::BookingRefusal;

/// Why a change on the sharing platform is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharingRefusal {
    /// The booking rules say no.
    Booking(BookingRefusal),
    /// The owner already has an instrument with this code.
    CodeTaken { code: String },
    /// The booking is not in a state for this (`from` its status, the action tried).
    Status { from: &'static str, action: &'static str },
    /// Closing or marking a no-show before the booking has started.
    NotStarted,
    /// A refusal or an owner's cancellation without its reason.
    Reason,
    /// The actual use ends before it starts, or lies more than a day from the booking.
    Actual,
    /// A blackout over a booking that holds the instrument (cancel or move the booking first).
    BlackoutMeets { booking_id: i64 },
    /// A blackout that ends before it starts.
    BlackoutOrder,
    /// The fee is beyond any real amount.
    Fee,
    /// A voucher programme or application says no.
    Voucher(VoucherRefusal),
    /// A redemption or a bureau step on one says no.
    Redemption(RedemptionRefusal),
    /// An order for a service withdrawn from the catalogue or of a provider not registered.
    NotOffered,
    /// An order from one's own organisation.
    OwnProvider,
    /// A report sent without its file.
    NoReport,
    /// An order or booking already rated.
    Rated,
    /// A rating of an order not completed or a booking not used.
    NotRateable,
    /// An order's step that does not follow from its status.
    OrderStep { from: &'static str },
    /// The bureau registering a registered provider, or suspending a suspended one.
    ProviderState { from: &'static str },
    /// An evaluation of a year not yet begun (or before the platform's).
    EvaluationYear { year: i32 },
    /// A year's evaluation published already (its results are frozen).
    Published { year: i32 },
    /// A reward for a failed owner, or a warning for an excellent one.
    OutcomeGrade,
    /// A cross-region exchange step says no.
    Exchange(ExchangeRefusal),
}

impl From<SharingRefusal> for crate::StoreError {
    fn from(r: SharingRefusal) -> Self {
        crate::StoreError::Sharing(r)
    }
}

/// The audit entry of a change, appended inside its write (the helper the subjects use).
pub(crate) use crate::subjects::log;
