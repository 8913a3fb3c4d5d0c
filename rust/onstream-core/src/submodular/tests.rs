//! The optimizers against brute force on small instances, and against each other.

use super::greedy::{lazy, lazy_over, naive, stochastic};
use super::sieve::{stream, Variant};
use super::*;
use crate::rng::{below, from_seed, open01};
use crate::snapshot;

fn features(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut rng = from_seed(Some(seed));
    (0..n * d).map(|_| open01(&mut rng)).collect()
}

fn coverage(n: usize, items: usize, seed: u64) -> WeightedCoverage {
    let mut rng = from_seed(Some(seed));
    let mut indptr = vec![0i64];
    let mut ids = Vec::new();
    for _ in 0..n {
        let size = 1 + below(&mut rng, 5) as usize;
        for _ in 0..size {
            ids.push(below(&mut rng, items as u64) as i64);
        }
        indptr.push(ids.len() as i64);
    }
    let w: Vec<f64> = (0..items).map(|_| open01(&mut rng)).collect();
    WeightedCoverage::new(&indptr, &ids, Some(&w)).unwrap()
}

/// The best value over all subsets of `present` of size at most `k`.
fn brute<O: Objective>(f: &O, present: &[usize], k: usize) -> f64 {
    fn rec<O: Objective>(f: &O, p: &[usize], k: usize, from: usize, cur: &mut Vec<usize>) -> f64 {
        let mut best = f.value(&f.state_of(cur));
        if cur.len() == k {
            return best;
        }
        for i in from..p.len() {
            cur.push(p[i]);
            best = best.max(rec(f, p, k, i + 1, cur));
            cur.pop();
        }
        best
    }
    rec(f, present, k, 0, &mut Vec::new())
}

fn objectives(
    seed: u64,
) -> (
    FacilityLocation,
    FacilityLocation,
    WeightedCoverage,
    FeatureBased,
) {
    let x = features(12, 3, seed);
    let fl = FacilityLocation::from_features(&x, 12, 3, "euclidean", false).unwrap();
    let stored = FacilityLocation::from_features(&x, 12, 3, "euclidean", true).unwrap();
    let m = features(12, 4, seed + 1);
    let fb = FeatureBased::new(&m, 12, 4, None, Concave::Sqrt).unwrap();
    (fl, stored, coverage(12, 15, seed + 2), fb)
}

#[test]
fn lazy_greedy_picks_exactly_what_naive_greedy_picks() {
    for seed in 0..5 {
        let (fl, stored, cov, fb) = objectives(seed);
        for k in [1, 3, 7, 12] {
            assert_eq!(
                lazy(&fl, k).unwrap().indices,
                naive(&fl, k).unwrap().indices
            );
            assert_eq!(
                lazy(&stored, k).unwrap().indices,
                naive(&fl, k).unwrap().indices
            );
            assert_eq!(
                lazy(&cov, k).unwrap().indices,
                naive(&cov, k).unwrap().indices
            );
            assert_eq!(
                lazy(&fb, k).unwrap().indices,
                naive(&fb, k).unwrap().indices
            );
            let (l, n) = (lazy(&fl, k).unwrap(), naive(&fl, k).unwrap());
            assert!(l.oracle_calls <= n.oracle_calls);
        }
    }
}

#[test]
fn greedy_reaches_one_minus_one_over_e_of_the_optimum() {
    let bound = 1.0 - (-1.0f64).exp();
    for seed in 0..5 {
        let (fl, _, cov, fb) = objectives(seed);
        let all: Vec<usize> = (0..12).collect();
        for k in [2, 3] {
            for (got, opt) in [
                (naive(&fl, k).unwrap().value, brute(&fl, &all, k)),
                (naive(&cov, k).unwrap().value, brute(&cov, &all, k)),
                (naive(&fb, k).unwrap().value, brute(&fb, &all, k)),
            ] {
                assert!(got >= bound * opt - 1e-9, "{got} vs {opt}");
                assert!(got <= opt + 1e-9);
            }
        }
    }
}

#[test]
fn values_match_their_definitions_and_gains_add_up() {
    // Facility location against max D² − D² summed over points, in f64 from the features.
    let x = features(12, 3, 9);
    let (fl, stored, _, _) = objectives(9);
    let d2 =
        |i: usize, j: usize| -> f64 { (0..3).map(|k| (x[i * 3 + k] - x[j * 3 + k]).powi(2)).sum() };
    let max_d2 = (0..12)
        .flat_map(|i| (0..12).map(move |j| (i, j)))
        .map(|(i, j)| d2(i, j))
        .fold(0.0, f64::max);
    let sel = lazy(&fl, 4).unwrap();
    let want: f64 = (0..12)
        .map(|i| {
            sel.indices
                .iter()
                .map(|&j| max_d2 - d2(i, j))
                .fold(0.0, f64::max)
        })
        .sum();
    for f in [&fl, &stored] {
        let got = f.value(&f.state_of(&sel.indices));
        assert!((got - want).abs() < 1e-5 * want, "{got} vs {want}");
    }
    assert!((sel.value - want).abs() < 1e-5 * want);
    assert!((sel.gains.iter().sum::<f64>() - sel.value).abs() < 1e-6 * want);
    // Coverage and feature-based on hand-made instances.
    let cov = WeightedCoverage::new(&[0, 2, 4, 5], &[0, 1, 1, 2, 3], Some(&[1.0, 2.0, 4.0, 8.0]))
        .unwrap();
    assert_eq!(cov.value(&cov.state_of(&[0, 1])), 7.0);
    assert_eq!(cov.value(&cov.state_of(&[2, 0])), 11.0);
    let fb = FeatureBased::new(&[1.0, 0.0, 3.0, 4.0], 2, 2, None, Concave::Sqrt).unwrap();
    assert!((fb.value(&fb.state_of(&[0, 1])) - 4.0).abs() < 1e-12);
    assert!((fb.value(&fb.state_of(&[1])) - (3f64.sqrt() + 2.0)).abs() < 1e-12);
}

#[test]
fn stochastic_greedy_is_near_greedy_on_average() {
    let (fl, _, cov, _) = objectives(3);
    let all: Vec<usize> = (0..12).collect();
    let eps = 0.1;
    for k in [2, 3] {
        let opt_fl = brute(&fl, &all, k);
        let opt_cov = brute(&cov, &all, k);
        let mut rng = from_seed(Some(7));
        let runs = 200;
        let (mut s1, mut s2) = (0.0, 0.0);
        for _ in 0..runs {
            s1 += stochastic(&fl, k, eps, &mut rng).unwrap().value;
            s2 += stochastic(&cov, k, eps, &mut rng).unwrap().value;
        }
        let bound = 1.0 - (-1.0f64).exp() - eps;
        assert!(s1 / runs as f64 >= bound * opt_fl, "fl k={k}");
        assert!(s2 / runs as f64 >= bound * opt_cov, "cov k={k}");
    }
}

#[test]
fn sieves_reach_half_minus_epsilon() {
    for seed in 0..5 {
        let (fl, _, cov, fb) = objectives(seed);
        let all: Vec<usize> = (0..12).collect();
        let eps = 0.1;
        for k in [2, 3] {
            for v in [Variant::Sieve, Variant::PlusPlus] {
                for (got, opt) in [
                    (stream(&fl, k, eps, v).unwrap(), brute(&fl, &all, k)),
                    (stream(&cov, k, eps, v).unwrap(), brute(&cov, &all, k)),
                    (stream(&fb, k, eps, v).unwrap(), brute(&fb, &all, k)),
                ] {
                    assert!(got.indices.len() <= k);
                    assert!(
                        got.value >= (0.5 - eps) * opt - 1e-9,
                        "{v:?} {} vs {opt}",
                        got.value
                    );
                }
            }
        }
    }
}

fn check_dynamic<O: Objective>(
    f: &O,
    dynk: &Dynamic<O::State>,
    present: &[usize],
    k: usize,
    eps: f64,
) {
    let sel = dynk.solution();
    assert!(sel.indices.len() <= k);
    assert!(
        sel.indices.iter().all(|e| present.contains(e)),
        "solution holds a deleted id"
    );
    let direct = f.value(&f.state_of(&sel.indices));
    assert!((sel.value - direct).abs() <= 1e-9 * direct.max(1.0));
    let opt = brute(f, present, k);
    assert!(
        sel.value >= (0.5 - eps) * opt - 1e-9,
        "{} vs OPT {opt}",
        sel.value
    );
}

#[test]
fn dynamic_solution_stays_within_half_minus_epsilon_after_every_update() {
    for seed in 0..6 {
        let (fl, _, cov, _) = objectives(seed);
        for (k, eps) in [(2, 0.1), (3, 0.2)] {
            let mut d1 = Dynamic::new(k, eps, from_seed(Some(seed))).unwrap();
            let mut d2 = Dynamic::new(k, eps, from_seed(Some(seed))).unwrap();
            let mut rng = from_seed(Some(100 + seed));
            let mut present: Vec<usize> = Vec::new();
            for _ in 0..60 {
                let e = below(&mut rng, 12) as usize;
                if let Some(pos) = present.iter().position(|&x| x == e) {
                    present.swap_remove(pos);
                    d1.delete(&fl, e).unwrap();
                    d2.delete(&cov, e).unwrap();
                } else {
                    present.push(e);
                    d1.insert(&fl, e).unwrap();
                    d2.insert(&cov, e).unwrap();
                }
                check_dynamic(&fl, &d1, &present, k, eps);
                check_dynamic(&cov, &d2, &present, k, eps);
            }
        }
    }
}

#[test]
fn dynamic_refuses_bad_updates() {
    let (fl, _, _, _) = objectives(1);
    let mut d = Dynamic::new(2, 0.1, from_seed(Some(0))).unwrap();
    assert!(d.delete(&fl, 3).is_err());
    d.insert(&fl, 3).unwrap();
    assert!(d.insert(&fl, 3).is_err());
    assert!(d.insert(&fl, 12).is_err());
    assert!(Dynamic::<()>::new(0, 0.1, from_seed(Some(0))).is_err());
    assert!(Dynamic::<()>::new(2, 1.5, from_seed(Some(0))).is_err());
}

#[test]
fn a_restored_dynamic_maximizer_continues_bit_for_bit() {
    let (_, _, cov, _) = objectives(4);
    let mut a = Dynamic::new(3, 0.2, from_seed(Some(5))).unwrap();
    for e in 0..8 {
        a.insert(&cov, e).unwrap();
    }
    let bytes = snapshot::to_bytes(&a).unwrap();
    let mut b: Dynamic<_> = snapshot::from_bytes(&bytes).unwrap();
    for (op, e) in [(true, 9), (false, 2), (false, 5), (true, 11), (false, 0)] {
        if op {
            a.insert(&cov, e).unwrap();
            b.insert(&cov, e).unwrap();
        } else {
            a.delete(&cov, e).unwrap();
            b.delete(&cov, e).unwrap();
        }
        let (sa, sb) = (a.solution(), b.solution());
        assert_eq!(sa.indices, sb.indices);
        assert_eq!(sa.value.to_bits(), sb.value.to_bits());
        assert_eq!(sa.oracle_calls, sb.oracle_calls);
    }
}

#[test]
fn recompute_greedy_over_a_subset_matches_lazy_greedy() {
    let (fl, _, _, _) = objectives(2);
    let all: Vec<usize> = (0..12).collect();
    assert_eq!(
        lazy_over(&fl, 4, &all).indices,
        lazy(&fl, 4).unwrap().indices
    );
    let some = [1, 4, 6, 9];
    let sel = lazy_over(&fl, 10, &some);
    assert_eq!(sel.indices.len(), 4);
}

#[test]
fn bad_input_is_refused() {
    let x = features(4, 2, 0);
    assert!(FacilityLocation::from_features(&x, 4, 2, "manhattan", false).is_err());
    let mut bad = x.clone();
    bad[3] = f64::NAN;
    assert!(FacilityLocation::from_features(&bad, 4, 2, "euclidean", false).is_err());
    let fl = FacilityLocation::from_features(&x, 4, 2, "euclidean", false).unwrap();
    assert!(naive(&fl, 0).is_err());
    assert!(lazy(&fl, 5).is_err());
    assert!(WeightedCoverage::new(&[0, 2], &[0, -1], None).is_err());
    assert!(FeatureBased::new(&[1.0, -1.0], 1, 2, None, Concave::Log1p).is_err());
}

#[test]
fn the_lattanzi_baseline_keeps_a_valid_set_and_restores() {
    use super::dynamic::Rules;
    let (fl, _, cov, _) = objectives(7);
    let mut d1 = Dynamic::with_rules(3, 0.2, from_seed(Some(1)), Rules::Lattanzi, 12).unwrap();
    let mut d2 = Dynamic::with_rules(3, 0.2, from_seed(Some(1)), Rules::Lattanzi, 12).unwrap();
    let mut rng = from_seed(Some(3));
    let mut present: Vec<usize> = Vec::new();
    let mut ratios = Vec::new();
    for step in 0..80 {
        let e = below(&mut rng, 12) as usize;
        if let Some(pos) = present.iter().position(|&x| x == e) {
            present.swap_remove(pos);
            d1.delete(&fl, e).unwrap();
            d2.delete(&cov, e).unwrap();
        } else {
            present.push(e);
            d1.insert(&fl, e).unwrap();
            d2.insert(&cov, e).unwrap();
        }
        for sel in [d1.solution(), d2.solution()] {
            assert!(sel.indices.len() <= 3);
            assert!(sel.indices.iter().all(|x| present.contains(x)));
        }
        let sel = d1.solution();
        let direct = fl.value(&fl.state_of(&sel.indices));
        assert!((sel.value - direct).abs() <= 1e-9 * direct.max(1.0));
        let opt = brute(&fl, &present, 3);
        if opt > 0.0 {
            ratios.push(sel.value / opt);
        }
        if step == 40 {
            let bytes = snapshot::to_bytes(&d2).unwrap();
            let back: Dynamic<coverage::Covered> = snapshot::from_bytes(&bytes).unwrap();
            assert_eq!(back.solution().indices, d2.solution().indices);
            assert_eq!(back.rules(), Rules::Lattanzi);
        }
    }
    // No per-update guarantee, but on average it is a usable summary.
    assert!(ratios.iter().sum::<f64>() / ratios.len() as f64 > 0.5);
}

fn sym_kernel(n: usize, seed: u64) -> Vec<f64> {
    let x = features(n, 2, seed);
    let mut k = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let d2 = (x[2 * i] - x[2 * j]).powi(2) + (x[2 * i + 1] - x[2 * j + 1]).powi(2);
            k[i * n + j] = (-d2 / 0.1).exp();
        }
    }
    k
}

#[test]
fn graph_cut_saturated_coverage_and_mixtures_match_their_definitions_and_bounds() {
    let n = 10;
    let k = sym_kernel(n, 4);
    let cut = GraphCut::new(&k, n, 0.4).unwrap();
    let sat = SaturatedCoverage::new(&k, n, 0.3).unwrap();
    let cut_def = |s: &[usize]| -> f64 {
        let a: f64 = (0..n)
            .flat_map(|i| s.iter().map(move |&j| (i, j)))
            .map(|(i, j)| k[i * n + j])
            .sum();
        let b: f64 = s
            .iter()
            .flat_map(|&i| s.iter().map(move |&j| (i, j)))
            .map(|(i, j)| k[i * n + j])
            .sum();
        a - 0.4 * b
    };
    let sat_def = |s: &[usize]| -> f64 {
        (0..n)
            .map(|i| {
                let c: f64 = s.iter().map(|&j| k[i * n + j]).sum();
                let all: f64 = (0..n).map(|j| k[i * n + j]).sum();
                c.min(0.3 * all)
            })
            .sum()
    };
    for set in [vec![], vec![3], vec![1, 7], vec![0, 2, 4, 9]] {
        let tol = 1e-5 * cut_def(&set).abs().max(1.0);
        assert!((cut.value(&cut.state_of(&set)) - cut_def(&set)).abs() < tol);
        assert!(
            (sat.value(&sat.state_of(&set)) - sat_def(&set)).abs() < 1e-5 * sat_def(&set).max(1.0)
        );
    }
    let all: Vec<usize> = (0..n).collect();
    let bound = 1.0 - (-1.0f64).exp();
    for kk in [2, 3] {
        for (lazy_sel, naive_sel, opt) in [
            (
                lazy(&cut, kk).unwrap(),
                naive(&cut, kk).unwrap(),
                brute(&cut, &all, kk),
            ),
            (
                lazy(&sat, kk).unwrap(),
                naive(&sat, kk).unwrap(),
                brute(&sat, &all, kk),
            ),
        ] {
            assert_eq!(lazy_sel.indices, naive_sel.indices);
            assert!(lazy_sel.value >= bound * opt * (1.0 - 1e-9));
        }
    }
    let fl10 =
        FacilityLocation::from_features(&features(n, 3, 5), n, 3, "euclidean", false).unwrap();
    let mix = Mixture::new(vec![
        (0.5, std::sync::Arc::new(fl10)),
        (
            0.0,
            std::sync::Arc::new(
                FacilityLocation::from_features(&features(n, 3, 6), n, 3, "cosine", true).unwrap(),
            ),
        ),
    ])
    .unwrap();
    let s = mix.state_of(&[1, 4]);
    assert!(mix.value(&s) > 0.0);
    assert_eq!(
        lazy(&mix, 3).unwrap().indices,
        naive(&mix, 3).unwrap().indices
    );
    assert!(GraphCut::new(&k, n, 0.7).is_err());
    let mut asym = k.clone();
    asym[1] += 1.0;
    assert!(SaturatedCoverage::new(&asym, n, 0.3).is_err());
    assert!(Mixture::new(vec![(-1.0, std::sync::Arc::new(coverage(10, 5, 1)))]).is_err());
}

/// `log det` of a small symmetric positive definite matrix by plain Cholesky.
fn log_det(m: &[f64], t: usize) -> f64 {
    let mut l = vec![0.0; t * t];
    let mut out = 0.0;
    for i in 0..t {
        for j in 0..=i {
            let s: f64 = (0..j).map(|p| l[i * t + p] * l[j * t + p]).sum();
            if i == j {
                let d = (m[i * t + i] - s).sqrt();
                l[i * t + i] = d;
                out += 2.0 * d.ln();
            } else {
                l[i * t + j] = (m[i * t + j] - s) / l[j * t + j];
            }
        }
    }
    out
}

#[test]
fn log_determinant_matches_a_direct_factorization_and_greedy_bounds() {
    let n = 10;
    let k = sym_kernel(n, 9); // a Gaussian kernel: PSD
    let f = LogDeterminant::new(&k, n, 2.0).unwrap();
    let direct = |s: &[usize]| -> f64 {
        let t = s.len();
        let m: Vec<f64> = (0..t * t)
            .map(|p| {
                let (a, b) = (s[p / t], s[p % t]);
                2.0 * k[a * n + b] + if a == b { 1.0 } else { 0.0 }
            })
            .collect();
        log_det(&m, t)
    };
    for set in [vec![], vec![2], vec![5, 1], vec![0, 3, 6, 9]] {
        let got = f.value(&f.state_of(&set));
        assert!(
            (got - direct(&set)).abs() < 1e-9,
            "{got} vs {}",
            direct(&set)
        );
    }
    let all: Vec<usize> = (0..n).collect();
    for kk in [2, 3, 4] {
        let l = lazy(&f, kk).unwrap();
        assert_eq!(l.indices, naive(&f, kk).unwrap().indices);
        assert!(l.value >= (1.0 - (-1.0f64).exp()) * brute(&f, &all, kk) - 1e-9);
    }
    let mut not_psd = k.clone();
    not_psd[1] = 5.0; // |K_01| > sqrt(K_00 K_11)
    not_psd[n] = 5.0;
    assert!(LogDeterminant::new(&not_psd, n, 1.0).is_err());
    assert!(LogDeterminant::new(&k, n, 0.0).is_err());
}

#[test]
fn a_knn_kernel_is_the_dense_kernel_with_all_but_the_nearest_zeroed() {
    let (n, d, nn) = (14, 3, 4);
    let x = features(n, d, 21);
    let knn = FacilityLocation::from_features_knn(&x, n, d, "euclidean", nn).unwrap();
    assert_eq!(knn.stored_entries(), n * nn);
    // The definition: s = max D² − D², each row keeping its nn largest entries.
    let d2 =
        |i: usize, j: usize| -> f64 { (0..d).map(|k| (x[i * d + k] - x[j * d + k]).powi(2)).sum() };
    let max_d2 = (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .map(|(i, j)| d2(i, j))
        .fold(0.0, f64::max);
    let mut indptr = vec![0i64];
    let (mut idx, mut val) = (Vec::new(), Vec::new());
    for i in 0..n {
        let row: Vec<f64> = (0..n).map(|j| max_d2 - d2(i, j)).collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| row[b].total_cmp(&row[a]).then(a.cmp(&b)));
        let mut keep: Vec<usize> = order[..nn].to_vec();
        keep.sort_unstable();
        for j in keep {
            idx.push(j as i64);
            val.push(row[j]);
        }
        indptr.push(idx.len() as i64);
    }
    let sparse = FacilityLocation::from_sparse(&indptr, &idx, &val, n, n).unwrap();
    for set in [vec![0], vec![3, 9], vec![1, 5, 12]] {
        let a = knn.value(&knn.state_of(&set));
        let b = sparse.value(&sparse.state_of(&set));
        assert!((a - b).abs() <= 1e-4 * b.max(1.0), "{a} vs {b}");
    }
    assert_eq!(
        lazy(&knn, 5).unwrap().indices,
        naive(&knn, 5).unwrap().indices
    );
    assert!(FacilityLocation::from_sparse(&[0, 1], &[3], &[1.0], 1, 2).is_err());
    assert!(FacilityLocation::from_features_knn(&x, n, d, "euclidean", 0).is_err());
}
