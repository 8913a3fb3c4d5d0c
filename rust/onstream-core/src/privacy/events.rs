//! What every continual mechanism checks of its input: one 0/1 event per step, within a horizon
//! that works as the privacy budget (stepping past it would release more than was paid for).

use crate::error::{Error, Result};

/// Largest horizon a continual mechanism takes.
pub const MAX_HORIZON: u64 = 1 << 40;

/// A horizon in 1..=2^40.
pub fn check_horizon(horizon: u64) -> Result<()> {
    if horizon == 0 || horizon > MAX_HORIZON {
        return Err(Error::invalid("horizon", horizon, "an integer in 1..=2^40"));
    }
    Ok(())
}

/// One step's input: 0 or 1.
pub fn check_event(x: u8) -> Result<()> {
    if x > 1 {
        return Err(Error::invalid("x", x, "0 or 1 (one event per step)"));
    }
    Ok(())
}

/// A batch of inputs, every one 0 or 1; the first bad one is named by its position in steps of
/// `width` values (1 for a counter, d for rows of d counters).
pub fn check_events(name: &'static str, xs: &[u8], width: usize) -> Result<()> {
    match xs.iter().position(|&x| x > 1) {
        Some(i) => Err(Error::OutOfRange {
            name,
            index: i / width.max(1),
            got: xs[i].to_string(),
            expected: "0 or 1".into(),
        }),
        None => Ok(()),
    }
}

/// Room for `n` more steps after `t` within `horizon`.
pub fn check_room(t: u64, n: u64, horizon: u64) -> Result<()> {
    if t + n > horizon {
        return Err(Error::BudgetExhausted(format!(
            "built for a horizon of {horizon} steps and has taken {t}; a longer stream needs a \
             new mechanism (and budget)"
        )));
    }
    Ok(())
}
