//! Slates for the importance-weighted rules (EXP3, Tsallis-INF): `k` distinct arms whose
//! inclusion probabilities are known exactly, so each played arm's loss can be weighted by the
//! probability it had of being in the slate (the semi-bandit estimate stays unbiased).
//!
//! Exp3.M of Uchiya, Nakamura & Kudo, "Algorithms for adversarial bandit problems with multiple
//! plays", ALT 2010: the marginals are `q_i = min(1, c·p_i)` with `c` chosen so that `Σ q_i = k`
//! (arms whose scaled probability would exceed 1 are capped at 1), and the slate is drawn by
//! dependent rounding (their DepRound, after Gandhi, Khuller, Parthasarathy & Srinivasan, JACM
//! 2006), which keeps every marginal exact and always returns exactly `k` arms.

use crate::rng::{self, Rng};

/// Inclusion probabilities `min(1, c·p_i)` summing to `k`, for `p` (nonnegative, not all zero);
/// with `k` or fewer positive entries, every positive entry gets 1.
pub fn marginals(p: &[f64], k: usize) -> Vec<f64> {
    let positive = p.iter().filter(|&&v| v > 0.0).count();
    if positive <= k {
        return p.iter().map(|&v| if v > 0.0 { 1.0 } else { 0.0 }).collect();
    }
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| p[i] > 0.0).collect();
    order.sort_unstable_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
    // Cap the `capped` largest at 1 and scale the rest to sum to k − capped: the least `capped`
    // for which the largest uncapped entry stays at most 1.
    let mut rest: f64 = order.iter().map(|&i| p[i]).sum();
    let mut scale = k as f64 / rest;
    let mut capped = 0;
    while capped < k && scale * p[order[capped]] > 1.0 {
        rest -= p[order[capped]];
        capped += 1;
        scale = (k - capped) as f64 / rest;
    }
    let mut q = vec![0.0; p.len()];
    for (rank, &i) in order.iter().enumerate() {
        q[i] = if rank < capped {
            1.0
        } else {
            (scale * p[i]).min(1.0)
        };
    }
    q
}

/// Entries this close to 0 or 1 count as decided (the marginals carry rounding of order 1e-16).
const EPS: f64 = 1e-12;

/// `k` distinct arms with P(arm i in the slate) = `q[i]` (`q` from [`marginals`]), by dependent
/// rounding: two undecided entries at a time move mass between them until one is 0 or 1, with the
/// probabilities that keep both expectations. Returned by decreasing `q`, ties by id.
pub fn dep_round(q: &[f64], k: usize, rng: &mut Rng) -> Vec<usize> {
    let decided = |v: f64| v <= EPS || v >= 1.0 - EPS;
    let mut x = q.to_vec();
    let mut open: Vec<usize> = (0..x.len()).filter(|&i| !decided(x[i])).collect();
    while open.len() >= 2 {
        let (ipos, jpos) = (open.len() - 2, open.len() - 1);
        let (i, j) = (open[ipos], open[jpos]);
        let alpha = (1.0 - x[i]).min(x[j]);
        let beta = x[i].min(1.0 - x[j]);
        if rng::open01(rng) * (alpha + beta) < beta {
            x[i] += alpha;
            x[j] -= alpha;
        } else {
            x[i] -= beta;
            x[j] += beta;
        }
        // Each move decides at least one of the two.
        if decided(x[j]) {
            open.pop();
        }
        if decided(x[i]) {
            open.swap_remove(ipos);
        }
    }
    let mut chosen: Vec<usize> = (0..x.len()).filter(|&i| x[i] >= 1.0 - EPS).collect();
    // Rounding can leave one entry short of a whole share: it completes the count.
    if chosen.len() < k {
        if let Some(&i) = open.first() {
            chosen.push(i);
        }
    }
    chosen.sort_unstable_by(|&a, &b| q[b].total_cmp(&q[a]).then(a.cmp(&b)));
    chosen.truncate(k);
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marginals_sum_to_k_and_cap_at_one() {
        let p = [0.6, 0.2, 0.1, 0.05, 0.05, 0.0];
        let q = marginals(&p, 3);
        assert!((q.iter().sum::<f64>() - 3.0).abs() < 1e-12);
        assert_eq!(q[0], 1.0);
        assert_eq!(q[5], 0.0);
        // The uncapped ones keep their proportions: 2 / (0.4) scale.
        assert!((q[1] - 0.2 * 2.0 / 0.4).abs() < 1e-12 && (q[3] - 0.25).abs() < 1e-12);
        assert_eq!(marginals(&[0.5, 0.0, 0.5], 3), vec![1.0, 0.0, 1.0]);
    }

    #[test]
    fn slates_have_k_distinct_arms_and_the_stated_marginals() {
        let p = [0.3, 0.25, 0.2, 0.1, 0.08, 0.05, 0.02, 0.0];
        let k = 3;
        let q = marginals(&p, k);
        let mut rng = crate::rng::from_seed(Some(5));
        let runs = 200_000;
        let mut hits = vec![0u64; p.len()];
        for _ in 0..runs {
            let s = dep_round(&q, k, &mut rng);
            assert_eq!(s.len(), k);
            let mut d = s.clone();
            d.sort_unstable();
            d.dedup();
            assert_eq!(d.len(), k);
            for i in s {
                hits[i] += 1;
            }
        }
        for (i, (&h, &qi)) in hits.iter().zip(&q).enumerate() {
            // Binomial counts: within 5 standard deviations of runs·q.
            let sd = (runs as f64 * qi * (1.0 - qi)).sqrt().max(1.0);
            assert!(
                (h as f64 - runs as f64 * qi).abs() < 5.0 * sd,
                "arm {i}: {h} vs {}",
                runs as f64 * qi
            );
        }
    }
}
