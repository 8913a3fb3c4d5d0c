//! Privacy accounting: guarantees, their conversions, and a budget that refuses to overspend.
//!
//! * ε-DP ⇒ (ε²/2)-zCDP (Bun & Steinke, TCC 2016, Proposition 1.4).
//! * ρ-zCDP ⇒ (ρ + 2√(ρ·ln(1/δ)), δ)-DP for every δ > 0 (same paper, Proposition 1.3).
//! * Composition: ε adds up for pure DP, ρ adds up for zCDP, (ε, δ) add up coordinate-wise for
//!   approximate DP (basic composition).
//!
//! A [`Budget`] is kept in one unit. A zCDP budget accepts pure-DP spends (converted); a pure
//! budget accepts only pure spends; an (ε, δ) budget accepts pure and (ε, δ) spends.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::snapshot::Snapshot;

/// A privacy guarantee (or a cost, which has the same shape).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Guarantee {
    Pure { epsilon: f64 },
    Approx { epsilon: f64, delta: f64 },
    Zcdp { rho: f64 },
}

fn positive(name: &'static str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(name, v, "a finite value > 0"))
    }
}

impl Guarantee {
    pub fn validate(&self) -> Result<()> {
        match *self {
            Guarantee::Pure { epsilon } => positive("epsilon", epsilon),
            Guarantee::Approx { epsilon, delta } => {
                positive("epsilon", epsilon)?;
                if delta > 0.0 && delta < 1.0 {
                    Ok(())
                } else {
                    Err(Error::invalid("delta", delta, "a value in (0, 1)"))
                }
            }
            Guarantee::Zcdp { rho } => positive("rho", rho),
        }
    }
}

/// ε-DP implies (ε²/2)-zCDP.
pub fn pure_to_zcdp(epsilon: f64) -> f64 {
    epsilon * epsilon / 2.0
}

/// ρ-zCDP implies (ρ + 2√(ρ ln(1/δ)), δ)-DP.
pub fn zcdp_to_approx(rho: f64, delta: f64) -> f64 {
    rho + 2.0 * (rho * (1.0 / delta).ln()).sqrt()
}

/// A total privacy budget and what has been spent from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    total: Guarantee,
    spent: Guarantee,
    spends: u64,
}

impl Budget {
    pub fn new(total: Guarantee) -> Result<Self> {
        total.validate()?;
        let spent = match total {
            Guarantee::Pure { .. } => Guarantee::Pure { epsilon: 0.0 },
            Guarantee::Approx { .. } => Guarantee::Approx {
                epsilon: 0.0,
                delta: 0.0,
            },
            Guarantee::Zcdp { .. } => Guarantee::Zcdp { rho: 0.0 },
        };
        Ok(Budget {
            total,
            spent,
            spends: 0,
        })
    }

    pub fn total(&self) -> Guarantee {
        self.total
    }
    pub fn spent(&self) -> Guarantee {
        self.spent
    }
    pub fn spends(&self) -> u64 {
        self.spends
    }

    /// `cost` in this budget's unit, or an error if it cannot be charged here.
    fn charge(&self, cost: Guarantee) -> Result<Guarantee> {
        match (self.total, cost) {
            (Guarantee::Pure { .. }, Guarantee::Pure { .. })
            | (Guarantee::Zcdp { .. }, Guarantee::Zcdp { .. })
            | (Guarantee::Approx { .. }, Guarantee::Approx { .. }) => Ok(cost),
            (Guarantee::Zcdp { .. }, Guarantee::Pure { epsilon }) => Ok(Guarantee::Zcdp {
                rho: pure_to_zcdp(epsilon),
            }),
            (Guarantee::Approx { .. }, Guarantee::Pure { epsilon }) => Ok(Guarantee::Approx {
                epsilon,
                delta: 0.0,
            }),
            (total, cost) => Err(Error::invalid(
                "cost",
                format!("{cost:?}"),
                format!("a cost expressible in this budget's unit ({total:?})"),
            )),
        }
    }

    /// Records `cost`, or raises `BudgetExhausted` (spending nothing) if it does not fit.
    pub fn spend(&mut self, cost: Guarantee) -> Result<()> {
        match cost {
            // A pure cost written as (ε, 0): only ε needs checking.
            Guarantee::Approx {
                epsilon,
                delta: 0.0,
            } => positive("epsilon", epsilon)?,
            _ => cost.validate()?,
        }
        let c = self.charge(cost)?;
        let next = match (self.spent, c) {
            (Guarantee::Pure { epsilon: a }, Guarantee::Pure { epsilon: b }) => {
                Guarantee::Pure { epsilon: a + b }
            }
            (Guarantee::Zcdp { rho: a }, Guarantee::Zcdp { rho: b }) => {
                Guarantee::Zcdp { rho: a + b }
            }
            (
                Guarantee::Approx {
                    epsilon: a,
                    delta: d,
                },
                Guarantee::Approx {
                    epsilon: b,
                    delta: e,
                },
            ) => Guarantee::Approx {
                epsilon: a + b,
                delta: d + e,
            },
            _ => return Err(Error::Internal("budget units diverged".into())),
        };
        let fits = match (next, self.total) {
            (Guarantee::Pure { epsilon: s }, Guarantee::Pure { epsilon: t }) => {
                s <= t * (1.0 + 1e-12)
            }
            (Guarantee::Zcdp { rho: s }, Guarantee::Zcdp { rho: t }) => s <= t * (1.0 + 1e-12),
            (
                Guarantee::Approx {
                    epsilon: s,
                    delta: d,
                },
                Guarantee::Approx {
                    epsilon: t,
                    delta: e,
                },
            ) => s <= t * (1.0 + 1e-12) && d <= e * (1.0 + 1e-12),
            _ => false,
        };
        if !fits {
            return Err(Error::BudgetExhausted(format!(
                "spending {cost:?} would bring the total spent to {next:?}, over the budget of {:?}",
                self.total
            )));
        }
        self.spent = next;
        self.spends += 1;
        Ok(())
    }
}

impl Snapshot for Budget {
    const KIND: &'static str = "privacy.Budget";
    const FORMAT_VERSION: u32 = 1;
    fn validate(&self) -> Result<()> {
        self.total.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_match_the_papers() {
        assert!((pure_to_zcdp(1.0) - 0.5).abs() < 1e-15);
        // rho = 0.5, delta = 1e-6: 0.5 + 2 sqrt(0.5 ln 1e6) = 0.5 + 2·2.62826... = 5.7565...
        assert!((zcdp_to_approx(0.5, 1e-6) - 5.756_52).abs() < 1e-4);
    }

    #[test]
    fn budgets_compose_and_refuse_overspending() {
        let mut b = Budget::new(Guarantee::Zcdp { rho: 1.0 }).unwrap();
        b.spend(Guarantee::Pure { epsilon: 1.0 }).unwrap(); // 0.5
        b.spend(Guarantee::Zcdp { rho: 0.5 }).unwrap(); // 1.0 exactly
        assert!(matches!(
            b.spend(Guarantee::Zcdp { rho: 1e-3 }),
            Err(Error::BudgetExhausted(_))
        ));
        assert_eq!(b.spent(), Guarantee::Zcdp { rho: 1.0 });
        assert_eq!(b.spends(), 2);
        let mut p = Budget::new(Guarantee::Pure { epsilon: 1.0 }).unwrap();
        assert!(matches!(
            p.spend(Guarantee::Zcdp { rho: 0.1 }),
            Err(Error::InvalidParameter { .. })
        ));
        let mut a = Budget::new(Guarantee::Approx {
            epsilon: 2.0,
            delta: 1e-6,
        })
        .unwrap();
        a.spend(Guarantee::Pure { epsilon: 1.5 }).unwrap();
        a.spend(Guarantee::Approx {
            epsilon: 0.5,
            delta: 1e-6,
        })
        .unwrap();
        assert!(a
            .spend(Guarantee::Approx {
                epsilon: 0.1,
                delta: 1e-9
            })
            .is_err());
        assert!(Budget::new(Guarantee::Pure { epsilon: -1.0 }).is_err());
        assert!(a
            .spend(Guarantee::Approx {
                epsilon: -1.0,
                delta: 0.0
            })
            .is_err());
    }
}
