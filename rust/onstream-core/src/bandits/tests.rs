//! Cross-file tests: regret against the papers' bounds, snapshots that resume exactly, masks.

use super::env::Env;
use super::policy::{Bandit, Spec};
use super::simulate::simulate;
use crate::snapshot::{from_bytes, to_bytes};

fn all_specs(horizon: u64) -> Vec<Spec> {
    vec![
        Spec::EpsilonGreedy { epsilon: 0.1 },
        Spec::Softmax { temperature: 0.1 },
        Spec::Ucb1 { alpha: 1.0 },
        Spec::KlUcb { c: 0.0 },
        Spec::Moss { horizon },
        Spec::BetaThompson {
            prior_a: 1.0,
            prior_b: 1.0,
        },
        Spec::GaussianThompson { sigma: 0.5 },
        Spec::Exp3 { horizon: None },
        Spec::TsallisInf,
        Spec::DiscountedUcb {
            gamma: 0.99,
            xi: 0.6,
            scale: 1.0,
        },
        Spec::SlidingWindowUcb {
            window: 50,
            xi: 0.6,
            scale: 1.0,
        },
    ]
}

fn mean_final(regrets: &[f64], n_runs: usize) -> f64 {
    let per = regrets.len() / n_runs;
    (0..n_runs).map(|r| regrets[r * per + per - 1]).sum::<f64>() / n_runs as f64
}

#[test]
fn stochastic_regret_stays_under_each_theorem() {
    let means = vec![0.9, 0.8, 0.7, 0.5, 0.3];
    let env = Env::Bernoulli {
        means: means.clone(),
    };
    let t = 20_000u64;
    let gaps: Vec<f64> = means.iter().map(|m| 0.9 - m).filter(|&d| d > 0.0).collect();
    // Auer et al. 2002, Theorem 1.
    let ucb1 = gaps.iter().map(|d| 8.0 * (t as f64).ln() / d).sum::<f64>()
        + (1.0 + std::f64::consts::PI.powi(2) / 3.0) * gaps.iter().sum::<f64>();
    // Audibert and Bubeck 2009, Theorem 5.
    let moss = 49.0 * ((t * 5) as f64).sqrt();
    let runs = 40;
    for (spec, bound) in [
        (Spec::Ucb1 { alpha: 1.0 }, ucb1),
        (Spec::Moss { horizon: t }, moss),
        // KL-UCB and Thompson sampling are at least as good as UCB1's bound on Bernoulli arms.
        (Spec::KlUcb { c: 0.0 }, ucb1),
        (
            Spec::BetaThompson {
                prior_a: 1.0,
                prior_b: 1.0,
            },
            ucb1,
        ),
    ] {
        let p = Bandit::new(spec.clone(), 5, Some(1)).unwrap();
        let r = simulate(&p, &env, t, runs, 7, &[t]).unwrap();
        let m = mean_final(&r, runs);
        assert!(
            m > 0.0 && m < bound,
            "{spec:?}: mean regret {m} vs bound {bound}"
        );
    }
}

#[test]
fn adversarial_regret_stays_under_exp3_and_tsallis_bounds() {
    // An oblivious sequence whose best arm changes: arm 0 pays in the first 40% of the rounds,
    // arm 1 afterwards with a higher rate, plus noise arms; a follow-the-leader learner is fooled.
    let (t, k) = (20_000usize, 4usize);
    let mut g = crate::rng::from_seed(Some(11));
    let mut rewards = vec![0.0; t * k];
    for s in 0..t {
        let phase = s < 2 * t / 5;
        for i in 0..k {
            let p = match (i, phase) {
                (0, true) => 0.9,
                (1, false) => 0.8,
                _ => 0.3,
            };
            rewards[s * k + i] = f64::from(u8::from(crate::rng::open01(&mut g) < p));
        }
    }
    let env = Env::Adversarial { rewards, n_arms: k };
    let (tf, kf) = (t as f64, k as f64);
    let runs = 20;
    for (spec, bound) in [
        (
            Spec::Exp3 {
                horizon: Some(t as u64),
            },
            (2.0 * tf * kf * kf.ln()).sqrt(),
        ),
        (
            Spec::Exp3 { horizon: None },
            2.0 * (tf * kf * kf.ln()).sqrt(),
        ),
        (Spec::TsallisInf, 4.0 * (kf * tf).sqrt() + 1.0),
    ] {
        let p = Bandit::new(spec.clone(), k, Some(1)).unwrap();
        let r = simulate(&p, &env, t as u64, runs, 3, &[t as u64]).unwrap();
        let m = mean_final(&r, runs);
        assert!(m < bound, "{spec:?}: mean regret {m} vs bound {bound}");
    }
}

#[test]
fn a_restored_policy_continues_bit_for_bit() {
    let env = Env::Bernoulli {
        means: vec![0.2, 0.5, 0.6, 0.4],
    };
    for spec in all_specs(500) {
        let mut a = Bandit::new(spec.clone(), 4, Some(9)).unwrap();
        let mut g = crate::rng::from_seed(Some(2));
        let play = |b: &mut Bandit, g: &mut crate::rng::Rng, t: u64| -> Vec<usize> {
            (0..t)
                .map(|s| {
                    let arm = b.select(None).unwrap();
                    b.update(arm, env.draw(arm, s, g)).unwrap();
                    arm
                })
                .collect()
        };
        play(&mut a, &mut g, 120);
        // Snapshot between a decision and its update too: EXP3's weights depend on it.
        let arm = a.select(None).unwrap();
        let bytes = to_bytes(&a).unwrap();
        let json = a.to_json().unwrap();
        let mut b: Bandit = from_bytes(&bytes).unwrap();
        let mut c = Bandit::from_json(&json).unwrap();
        let mut gb = g.clone();
        let mut gc = g.clone();
        a.update(arm, 1.0).unwrap();
        b.update(arm, 1.0).unwrap();
        c.update(arm, 1.0).unwrap();
        let sa = play(&mut a, &mut g, 200);
        assert_eq!(sa, play(&mut b, &mut gb, 200), "{spec:?} (bytes)");
        assert_eq!(sa, play(&mut c, &mut gc, 200), "{spec:?} (json)");
        assert_eq!(to_bytes(&a).unwrap(), to_bytes(&b).unwrap());
    }
}

#[test]
fn masks_removed_arms_and_slates_are_respected() {
    for spec in all_specs(1000) {
        let mut p = Bandit::new(spec.clone(), 6, Some(4)).unwrap();
        p.remove_arm(2).unwrap();
        let mask = [true, true, true, false, true, true];
        for s in 0..300 {
            let arm = p.select(Some(&mask)).unwrap();
            assert!(arm != 2 && arm != 3, "{spec:?} chose {arm}");
            p.update(arm, if arm == 5 { 0.9 } else { 0.1 * (s % 3) as f64 })
                .unwrap();
            let slate = p.select_k(3, Some(&mask)).unwrap();
            let mut sorted = slate.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), 3);
            assert!(slate.iter().all(|&a| a != 2 && a != 3));
        }
        assert!(p
            .select(Some(&[false, false, true, false, false, false]))
            .is_err());
        let new = p.add_arm().unwrap();
        assert_eq!(new, 6);
        let arm = p.select(None).unwrap();
        assert!(arm != 2);
    }
}

#[test]
fn bad_input_is_refused_without_changing_state() {
    let mut p = Bandit::new(Spec::Ucb1 { alpha: 1.0 }, 3, Some(1)).unwrap();
    let before = to_bytes(&p).unwrap();
    assert!(p.update(3, 0.5).is_err());
    assert!(p.update(0, f64::NAN).is_err());
    assert!(p.update(0, 1.5).is_err());
    assert!(p.update_batch(&[0, 1], &[0.5, f64::NAN]).is_err());
    assert!(p.update_batch(&[0, 1], &[0.5]).is_err());
    assert_eq!(before, to_bytes(&p).unwrap());
    assert!(Bandit::new(Spec::Ucb1 { alpha: 1.0 }, 0, None).is_err());
    assert!(Bandit::new(Spec::EpsilonGreedy { epsilon: 1.5 }, 2, None).is_err());
    let env = Env::Bernoulli {
        means: vec![0.5; 3],
    };
    assert!(simulate(&p, &env, 0, 1, 0, &[1]).is_err());
    assert!(simulate(&p, &env, 10, 0, 0, &[1]).is_err());
    let env2 = Env::Bernoulli {
        means: vec![0.5; 2],
    };
    assert!(simulate(&p, &env2, 10, 1, 0, &[10]).is_err());
}

#[test]
fn sliding_window_ucb_tracks_a_switch_that_ucb1_misses() {
    // Garivier and Moulines' motivation: after the best arm changes, a forgetting index recovers
    // while UCB1, anchored on the long history, keeps playing the old best arm.
    // The old best arm collapses below the other one; UCB1 leaves it only once its long-run mean
    // has fallen, which takes about as many pulls as it had before the switch.
    let env = Env::Switching {
        means: vec![vec![0.9, 0.5], vec![0.1, 0.5]],
        starts: vec![0, 5_000],
    };
    let t = 10_000;
    let runs = 10;
    let regret = |spec: Spec| {
        let p = Bandit::new(spec, 2, Some(1)).unwrap();
        mean_final(&simulate(&p, &env, t, runs, 5, &[t]).unwrap(), runs)
    };
    let ucb = regret(Spec::Ucb1 { alpha: 1.0 });
    let sw = regret(Spec::SlidingWindowUcb {
        window: 500,
        xi: 0.6,
        scale: 1.0,
    });
    let d = regret(Spec::DiscountedUcb {
        gamma: 0.998,
        xi: 0.6,
        scale: 1.0,
    });
    assert!(
        sw < 0.5 * ucb && d < 0.5 * ucb,
        "sw {sw} d-ucb {d} ucb1 {ucb}"
    );
}

#[test]
fn simulation_does_not_depend_on_the_thread_count() {
    let env = Env::Bernoulli {
        means: vec![0.3, 0.6, 0.5],
    };
    let p = Bandit::new(
        Spec::BetaThompson {
            prior_a: 1.0,
            prior_b: 1.0,
        },
        3,
        Some(1),
    )
    .unwrap();
    let a = simulate(&p, &env, 2000, 8, 42, &[10, 100, 2000]).unwrap();
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let b = single.install(|| simulate(&p, &env, 2000, 8, 42, &[10, 100, 2000]).unwrap());
    assert_eq!(a, b);
}

#[test]
fn a_fresh_policy_round_trips_through_json() {
    // Unplayed arms have 1/n = inf, which JSON cannot hold: the derived values are rebuilt.
    for spec in all_specs(100) {
        let p = Bandit::new(spec.clone(), 4, Some(3)).unwrap();
        let back = Bandit::from_json(&p.to_json().unwrap()).unwrap();
        assert_eq!(to_bytes(&back).unwrap(), to_bytes(&p).unwrap(), "{spec:?}");
    }
}

/// A simulated replicate makes the decisions the per-step API makes: the simulation's shortcuts
/// (UCB1's fused index and argmax, unchecked updates) change no arm, for every rule, with all arms
/// live and with one removed.
#[test]
fn simulation_replays_the_per_step_api() {
    let env = Env::Bernoulli {
        means: vec![0.2, 0.55, 0.5, 0.7, 0.1],
    };
    let gaps = &env.gaps()[0].1;
    let horizon = 3_000u64;
    let checkpoints: Vec<u64> = (1..=horizon).collect();
    for spec in all_specs(horizon) {
        for removed in [None, Some(3usize)] {
            let mut p = Bandit::new(spec.clone(), 5, Some(9)).unwrap();
            if let Some(arm) = removed {
                p.remove_arm(arm).unwrap();
            }
            let simulated = simulate(&p, &env, horizon, 1, 7, &checkpoints).unwrap();
            let mut q = p.clone();
            q.reseed(7, 0);
            let mut env_rng = crate::rng::stream(7, 1);
            let mut regret = 0.0;
            for t in 0..horizon {
                let arm = q.select(None).unwrap();
                let r = env.draw(arm, t, &mut env_rng);
                q.update(arm, r).unwrap();
                regret += gaps[arm];
                assert_eq!(
                    simulated[t as usize], regret,
                    "{spec:?} removed {removed:?} t {t}"
                );
            }
        }
    }
}
