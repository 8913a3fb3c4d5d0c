//! Feature-based functions, `f(S) = Σ_u w_u φ(Σ_{j ∈ S} m_ju)` with nonnegative features `m` and a
//! concave `φ` (Wei, Iyer & Bilmes 2014; apricot's and submodlib's FeatureBased): `sqrt`, `log1p`
//! or the saturating `x / (1 + x)`. The state is the per-feature sums, so a gain reads one row.

use super::objective::{check_nonnegative, Objective};
use crate::error::{Error, Result};

/// The concave function applied to each feature's sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concave {
    /// `√x`.
    Sqrt,
    /// `ln(1 + x)`.
    Log1p,
    /// `x / (1 + x)`.
    Saturate,
}

impl Concave {
    /// From its name (`"sqrt"`, `"log1p"`, `"saturate"`).
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "sqrt" => Ok(Self::Sqrt),
            "log1p" => Ok(Self::Log1p),
            "saturate" => Ok(Self::Saturate),
            other => Err(Error::invalid(
                "concave",
                other,
                "'sqrt', 'log1p' or 'saturate'",
            )),
        }
    }

    #[inline(always)]
    fn apply(self, x: f64) -> f64 {
        match self {
            Self::Sqrt => x.sqrt(),
            Self::Log1p => x.ln_1p(),
            Self::Saturate => x / (1.0 + x),
        }
    }
}

/// A feature-based function over `n` candidates with `u` features each.
pub struct FeatureBased {
    m: Vec<f64>,
    n: usize,
    u: usize,
    weights: Vec<f64>,
    phi: Concave,
}

/// Per-feature sums and `f(S)`.
#[derive(Clone, Debug)]
pub struct Sums {
    sums: Vec<f64>,
    value: f64,
}

impl FeatureBased {
    /// `m` is `n × u` row-major, finite and nonnegative; `weights` (per feature) default to 1.
    pub fn new(
        m: &[f64],
        n: usize,
        u: usize,
        weights: Option<&[f64]>,
        phi: Concave,
    ) -> Result<Self> {
        if n == 0 || u == 0 {
            return Err(Error::Empty { name: "features" });
        }
        if m.len() != n * u {
            return Err(Error::shape("features", m.len(), format!("{n} × {u}")));
        }
        check_nonnegative("features", m, "feature value")?;
        let weights = match weights {
            Some(w) if w.len() != u => return Err(Error::shape("weights", w.len(), u)),
            Some(w) => {
                check_nonnegative("weights", w, "weight")?;
                w.to_vec()
            }
            None => vec![1.0; u],
        };
        Ok(Self {
            m: m.to_vec(),
            n,
            u,
            weights,
            phi,
        })
    }

    fn row(&self, e: usize) -> &[f64] {
        &self.m[e * self.u..(e + 1) * self.u]
    }
}

impl Objective for FeatureBased {
    type State = Sums;

    fn len(&self) -> usize {
        self.n
    }

    fn empty(&self) -> Sums {
        Sums {
            sums: vec![0.0; self.u],
            value: 0.0,
        }
    }

    fn gain(&self, state: &Sums, e: usize) -> f64 {
        let phi = self.phi;
        self.row(e)
            .iter()
            .zip(&state.sums)
            .zip(&self.weights)
            .filter(|((&x, _), _)| x > 0.0)
            .map(|((&x, &s), &w)| w * (phi.apply(s + x) - phi.apply(s)))
            .sum()
    }

    fn insert(&self, state: &mut Sums, e: usize) {
        state.value += self.gain(state, e);
        for (s, &x) in state.sums.iter_mut().zip(self.row(e)) {
            *s += x;
        }
    }

    fn value(&self, state: &Sums) -> f64 {
        state.value
    }
}
