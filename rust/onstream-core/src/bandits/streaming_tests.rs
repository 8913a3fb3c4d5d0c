//! Tests of the streaming bandits against the paper's claims and the memory bound.

use super::streaming::{StreamingBandit, StreamingKind};
use super::streaming_sim::simulate_streaming;
use crate::rng;
use crate::snapshot::{from_bytes, to_bytes};

const KINDS: [StreamingKind; 3] = [
    StreamingKind::Uniform,
    StreamingKind::Naive,
    StreamingKind::LogStar,
];

/// The paper's "clear-cut" instance: K − 1 means from N(0.5, 0.1²) truncated to [0, 0.8] and
/// one arm at 0.82, at a random position of the stream.
pub fn clear_cut(k: usize, seed: u64) -> Vec<f64> {
    let mut g = rng::from_seed(Some(seed));
    let mut means: Vec<f64> = (0..k)
        .map(|_| loop {
            let m = 0.5 + 0.1 * super::draw::normal(&mut g);
            if (0.0..=0.8).contains(&m) {
                break m;
            }
        })
        .collect();
    let best = rng::below(&mut g, k as u64) as usize;
    means[best] = 0.82;
    means
}

fn mean_regret(kind: StreamingKind, means: &[f64], t: u64, runs: usize) -> f64 {
    let out = simulate_streaming(kind, means, t, runs, 17).unwrap();
    out.iter().map(|r| r.regret).sum::<f64>() / runs as f64
}

#[test]
fn memory_never_exceeds_the_bound() {
    let means = clear_cut(20_000, 1);
    for kind in KINDS {
        let alg = StreamingBandit::new(kind, 20_000, 10_000_000_000).unwrap();
        let bound = alg.memory_bound();
        let runs = simulate_streaming(kind, &means, 10_000_000_000, 4, 3).unwrap();
        for r in runs {
            assert!(
                r.peak_stored <= bound,
                "{kind:?}: {} > {bound}",
                r.peak_stored
            );
        }
    }
    // log* K levels: 3 levels for 20,000 arms (fan-in 4 · 4 · 4096), so at most 4 stored arms.
    let alg = StreamingBandit::new(StreamingKind::LogStar, 20_000, 10_000_000_000).unwrap();
    assert_eq!(alg.levels(), 3);
    assert_eq!(alg.memory_bound(), 4);
}

#[test]
fn epsilon_best_algorithms_beat_uniform_exploration_on_the_clear_cut_instance() {
    // The paper's headline (section 6): the ε-best-then-commit algorithms have less regret than
    // uniform exploration on the clear-cut instance.
    let k = 2_000;
    let means = clear_cut(k, 5);
    let t = 1_000 * (k as u64).pow(2);
    let ue = mean_regret(StreamingKind::Uniform, &means, t, 20);
    let log_star = mean_regret(StreamingKind::LogStar, &means, t, 20);
    assert!(log_star < ue, "log* {log_star} vs uniform {ue}");
    // And every algorithm stays within the O(K^(1/3) T^(2/3)) order: the regret of pulling every
    // arm ln(K)/ε² times at the largest gap is the naive algorithm's whole exploration.
    let (kf, tf) = (k as f64, t as f64);
    let scale = kf.cbrt() * tf.powf(2.0 / 3.0);
    for kind in KINDS {
        let r = mean_regret(kind, &means, t, 10);
        assert!(r < 0.82 * kf.ln() * scale + 1.0, "{kind:?}: {r} vs {scale}");
    }
}

#[test]
fn log_star_commits_to_an_epsilon_best_arm() {
    // Assadi and Wang's guarantee: an ε-best arm with constant probability (in practice, almost
    // always); mix-in instance, means uniform on [0, 1].
    let k = 3_000;
    let mut g = rng::from_seed(Some(8));
    let means: Vec<f64> = (0..k).map(|_| rng::open01(&mut g)).collect();
    let best = means.iter().copied().fold(0.0, f64::max);
    let t = 100 * (k as u64).pow(2);
    let alg = StreamingBandit::new(StreamingKind::LogStar, k as u64, t).unwrap();
    let eps = alg.epsilon();
    let runs = simulate_streaming(StreamingKind::LogStar, &means, t, 40, 9).unwrap();
    let good = runs
        .iter()
        .filter(|r| means[r.committed as usize] >= best - eps)
        .count();
    assert!(good >= 36, "{good}/40 runs ε-best (ε = {eps})");
}

#[test]
fn a_restored_stream_continues_exactly_and_misuse_is_refused() {
    let means = clear_cut(500, 2);
    let t = 50_000_000;
    let mut a = StreamingBandit::new(StreamingKind::LogStar, 500, t).unwrap();
    let mut g = rng::from_seed(Some(4));
    let step = |alg: &mut StreamingBandit, g: &mut rng::Rng, arm: u64| {
        let mut p = Some(alg.push_arm(arm).unwrap());
        while let Some(pull) = p {
            let s = super::draw::binomial(g, pull.n, means[pull.arm as usize]) as f64;
            alg.report(pull.arm, s, pull.n).unwrap();
            p = alg.next_pull();
        }
    };
    for arm in 0..250 {
        step(&mut a, &mut g, arm);
    }
    let mut b: StreamingBandit = from_bytes(&to_bytes(&a).unwrap()).unwrap();
    let mut gb = g.clone();
    for arm in 250..500 {
        step(&mut a, &mut g, arm);
        step(&mut b, &mut gb, arm);
    }
    assert_eq!(a, b);
    // Misuse: a report that does not match, a push while a pull is pending, too many arms.
    let mut c = StreamingBandit::new(StreamingKind::Naive, 3, 1_000).unwrap();
    let p = c.push_arm(0).unwrap();
    assert!(c.push_arm(1).is_err());
    assert!(c.report(5, 0.0, p.n).is_err());
    assert!(c.report(0, p.n as f64 + 1.0, p.n).is_err());
    assert!(c.report(0, f64::NAN, p.n).is_err());
    c.report(0, 0.0, p.n).unwrap();
    assert!(StreamingBandit::new(StreamingKind::Naive, 10, 10).is_err());
    assert!(StreamingBandit::new(StreamingKind::Naive, 1, 10).is_err());
}
