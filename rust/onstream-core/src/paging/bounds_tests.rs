//! The learning-augmented policies against the bounds their papers state, and the prediction
//! generators against brute force. (Tests only.)

use proptest::prelude::*;

use super::policy::PolicyName;
use super::predict::{self, Noise};
use super::simulate::{simulate, CellResult, Predictions};
use super::trace::densify;

fn run(trace: &[u64], p: PolicyName, k: usize, seed: u64, noise: Noise) -> CellResult {
    let pred = Predictions {
        noise: Some(noise),
        ..Default::default()
    };
    simulate(trace, &[p], &[k], seed, false, &pred)
        .unwrap()
        .remove(0)
}

fn opt(trace: &[u64], k: usize) -> u64 {
    run(trace, PolicyName::Lfd, k, 0, Noise::NONE).misses
}

fn harmonic(k: usize) -> f64 {
    (1..=k).map(|i| 1.0 / i as f64).sum()
}

/// Traces with locality: a random walk over a small universe with occasional jumps.
fn trace_strategy() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec((0u64..3, 0u64..24), 20..400).prop_map(|steps| {
        let mut at = 0u64;
        steps
            .into_iter()
            .map(|(kind, v)| {
                at = if kind == 0 { v } else { (at + v % 3) % 24 };
                at
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn phase_labels_match_brute_force(trace in trace_strategy(), k in 1usize..6) {
        let dense = densify(&trace).unwrap();
        let phases = predict::phase_index(&dense, k);
        // Brute force phases: a new phase starts when a (k+1)-th distinct page appears.
        let mut want_phase = Vec::new();
        let (mut ph, mut seen) = (0u32, std::collections::HashSet::new());
        for &x in &trace {
            if !seen.contains(&x) && seen.len() == k {
                ph += 1;
                seen.clear();
            }
            seen.insert(x);
            want_phase.push(ph);
        }
        prop_assert_eq!(&phases, &want_phase);
        let labels = predict::phase_labels(&dense, k);
        for t in 0..trace.len() {
            let again = (0..trace.len()).any(|u| want_phase[u] == want_phase[t] + 1 && trace[u] == trace[t]);
            prop_assert_eq!(labels[t], again, "t = {}", t);
        }
    }

    #[test]
    fn perfect_discard_bits_are_optimal(trace in trace_strategy(), k in 1usize..8, seed in 0u64..4) {
        let best = opt(&trace, k);
        prop_assert_eq!(run(&trace, PolicyName::Discard, k, seed, Noise::NONE).misses, best);
        prop_assert_eq!(run(&trace, PolicyName::DiscardRandom, k, seed, Noise::NONE).misses, best);
    }

    #[test]
    fn deterministic_discard_is_1_km1_1_smooth(
        trace in trace_strategy(), k in 1usize..8, w0 in 0.0f64..0.5, w1 in 0.0f64..0.5, seed in 0u64..1000,
    ) {
        let noise = Noise { wrong0: w0, wrong1: w1, sigma: 0.0 };
        let r = run(&trace, PolicyName::Discard, k, seed, noise);
        let (eta0, eta1) = r.bit_errors.unwrap();
        let bound = opt(&trace, k) + (k as u64 - 1) * eta0 + eta1;
        prop_assert!(r.misses <= bound, "misses {} > bound {} (eta0 {}, eta1 {})", r.misses, bound, eta0, eta1);
    }
}

#[test]
fn randomized_discard_is_1_2hk_1_smooth_in_expectation() {
    let trace: Vec<u64> = crate::paging::tests_support::locality_trace(6000, 60, 7);
    for k in [4usize, 8, 16] {
        let best = opt(&trace, k) as f64;
        for (w0, w1) in [(0.0, 0.2), (0.2, 0.0), (0.1, 0.1), (0.5, 0.5)] {
            let noise = Noise {
                wrong0: w0,
                wrong1: w1,
                sigma: 0.0,
            };
            let runs: Vec<CellResult> = (0..20)
                .map(|s| run(&trace, PolicyName::DiscardRandom, k, s, noise))
                .collect();
            let mean = runs.iter().map(|r| r.misses as f64).sum::<f64>() / runs.len() as f64;
            let (e0, e1) = runs.iter().fold((0.0, 0.0), |(a, b), r| {
                let (x, y) = r.bit_errors.unwrap();
                (a + x as f64, b + y as f64)
            });
            let (e0, e1) = (e0 / runs.len() as f64, e1 / runs.len() as f64);
            let bound = best + 2.0 * harmonic(k) * e0 + e1;
            assert!(mean <= bound, "k={k} w=({w0},{w1}): {mean} > {bound}");
        }
    }
}

#[test]
fn mark_predict_is_2_hk_1_smooth_in_expectation() {
    let trace: Vec<u64> = crate::paging::tests_support::locality_trace(6000, 60, 11);
    for k in [4usize, 8, 16] {
        let best = opt(&trace, k) as f64;
        for (w0, w1) in [(0.0, 0.0), (0.0, 0.3), (0.3, 0.0), (0.5, 0.5)] {
            let noise = Noise {
                wrong0: w0,
                wrong1: w1,
                sigma: 0.0,
            };
            let runs: Vec<CellResult> = (0..20)
                .map(|s| run(&trace, PolicyName::MarkPredict, k, s, noise))
                .collect();
            let mean = runs.iter().map(|r| r.misses as f64).sum::<f64>() / runs.len() as f64;
            // bit_errors = (reported "not needed" but needed, reported "needed" but not).
            let (wrong_not_needed, wrong_needed) = runs.iter().fold((0.0, 0.0), |(a, b), r| {
                let (x, y) = r.bit_errors.unwrap();
                (
                    a + x as f64 / runs.len() as f64,
                    b + y as f64 / runs.len() as f64,
                )
            });
            let bound = 2.0 * best + harmonic(k) * wrong_needed + wrong_not_needed + k as f64;
            assert!(mean <= bound, "k={k} w=({w0},{w1}): {mean} > {bound}");
        }
    }
}

#[test]
fn robust_variants_stay_within_a_constant_of_the_better_algorithm() {
    let trace: Vec<u64> = crate::paging::tests_support::locality_trace(20_000, 200, 3);
    let log_switches = (trace.len() as f64).log2().ceil() as u64 + 2;
    for k in [8usize, 32] {
        let best = opt(&trace, k);
        let lru = run(&trace, PolicyName::Lru, k, 0, Noise::NONE).misses;
        for (w0, w1) in [(0.0, 0.0), (1.0, 1.0), (0.3, 0.3)] {
            let noise = Noise {
                wrong0: w0,
                wrong1: w1,
                sigma: 0.0,
            };
            let plain = run(&trace, PolicyName::Discard, k, 0, noise).misses;
            let robust = run(&trace, PolicyName::DiscardRobust, k, 0, noise).misses;
            let slack = k as u64 * log_switches;
            assert!(
                robust <= 4 * plain.min(lru) + slack,
                "k={k}: robust {robust}, plain {plain}, lru {lru}"
            );
            // O(k)-robust: never worse than a constant times LRU, which is at most k·OPT.
            assert!(robust <= 4 * k as u64 * best + slack);
        }
        // Adversarial bits: the plain algorithm may be terrible, the robust one is not.
        let bad = Noise {
            wrong0: 1.0,
            wrong1: 1.0,
            sigma: 0.0,
        };
        let robust = run(&trace, PolicyName::DiscardRandomRobust, k, 1, bad).misses;
        let marker = run(&trace, PolicyName::Marker, k, 1, Noise::NONE).misses;
        assert!(robust <= 4 * marker + k as u64 * log_switches);
    }
}

#[test]
fn blind_oracle_with_exact_predictions_is_lfd_and_robust_version_bounds_it() {
    let trace: Vec<u64> = crate::paging::tests_support::locality_trace(10_000, 100, 5);
    for k in [5usize, 20] {
        let best = opt(&trace, k);
        let exact = run(&trace, PolicyName::BlindOracle, k, 0, Noise::NONE);
        assert_eq!(exact.misses, best);
        assert_eq!(exact.l1_error, Some(0.0));
        let noisy = Noise {
            wrong0: 0.0,
            wrong1: 0.0,
            sigma: 6.0,
        };
        let blind = run(&trace, PolicyName::BlindOracle, k, 0, noisy).misses;
        let robust = run(&trace, PolicyName::BlindOracleRobust, k, 0, noisy).misses;
        let lru = run(&trace, PolicyName::Lru, k, 0, Noise::NONE).misses;
        assert!(blind >= best);
        assert!(robust <= 4 * blind.min(lru) + k as u64 * 20);
    }
}

#[test]
fn predictive_marker_and_lmarker_within_their_bounds() {
    let trace: Vec<u64> = crate::paging::tests_support::locality_trace(20_000, 150, 13);
    for k in [8usize, 32] {
        let best = opt(&trace, k) as f64;
        let hk = harmonic(k);
        for sigma in [0.0, 2.0, 8.0] {
            let noise = Noise {
                wrong0: 0.0,
                wrong1: 0.0,
                sigma,
            };
            let mean = |p: PolicyName| {
                (0..10)
                    .map(|s| run(&trace, p, k, s, noise).misses as f64)
                    .sum::<f64>()
                    / 10.0
            };
            let pm = mean(PolicyName::PredictiveMarker);
            let lm = mean(PolicyName::LMarker);
            let ln = mean(PolicyName::LNonMarker);
            // Robustness: never beyond 4·H_k·OPT (Lykouris–Vassilvitskii); LMarker O(log k).
            assert!(
                pm <= 4.0 * hk * best + k as f64,
                "k={k} sigma={sigma}: {pm} vs {best}"
            );
            for (name, cost) in [("lmarker", lm), ("lnonmarker", ln)] {
                assert!(
                    cost <= 4.0 * hk * best + k as f64,
                    "{name} k={k} sigma={sigma}: {cost} vs {best}"
                );
            }
            if sigma == 0.0 {
                // Consistency: exact predictions give at most 2·OPT (plus the first phase).
                assert!(pm <= 2.0 * best + k as f64, "k={k}: {pm} vs {best}");
                assert!(lm <= 2.0 * best + k as f64, "k={k}: {lm} vs {best}");
                assert!(ln <= 2.0 * best + k as f64, "k={k}: {ln} vs {best}");
            }
        }
    }
}

/// Predictions that order every page backwards (the soonest predicted furthest): the marking
/// policies stay within O(H_k)·OPT, LNonMarker included although it may evict marked pages.
#[test]
fn marking_policies_survive_adversarial_predictions() {
    let trace: Vec<u64> = crate::paging::tests_support::locality_trace(20_000, 150, 29);
    let dense = densify(&trace).unwrap();
    let next = crate::paging::trace::next_use(&dense.ids, dense.universe);
    let n = trace.len() as f64;
    let backwards: Vec<f64> = next
        .iter()
        .enumerate()
        .map(|(t, &u)| {
            if u == crate::paging::trace::NOT_AGAIN {
                t as f64 + 1.0
            } else {
                2.0 * n - f64::from(u)
            }
        })
        .collect();
    let pred = Predictions {
        next_arrival: Some(backwards),
        ..Default::default()
    };
    for k in [8usize, 32] {
        let best = opt(&trace, k) as f64;
        let bound = 4.0 * harmonic(k) * best + k as f64;
        for p in [
            PolicyName::PredictiveMarker,
            PolicyName::LMarker,
            PolicyName::LNonMarker,
        ] {
            let mean = (0..10)
                .map(|s| simulate(&trace, &[p], &[k], s, false, &pred).unwrap()[0].misses as f64)
                .sum::<f64>()
                / 10.0;
            let blind = simulate(&trace, &[PolicyName::BlindOracle], &[k], 0, false, &pred).unwrap()
                [0]
            .misses as f64;
            assert!(mean <= bound, "{p:?} k={k}: {mean} vs OPT {best}");
            // The backwards predictions are bad: following them blindly is far worse.
            assert!(blind > 1.5 * mean, "{p:?} k={k}: blind {blind} vs {mean}");
        }
    }
}
