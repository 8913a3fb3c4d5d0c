//! Cross-checks of the solvers against a textbook Sinkhorn and against each other.

use super::*;

fn uniform(n: usize) -> Vec<f64> {
    vec![1.0 / n as f64; n]
}

fn lcg(len: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..len)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

/// Textbook kernel-domain Sinkhorn, written independently of the solvers.
fn textbook(
    c: &[f64],
    n: usize,
    m: usize,
    a: &[f64],
    b: &[f64],
    eps: f64,
    iters: usize,
) -> Vec<f64> {
    let k: Vec<f64> = c.iter().map(|v| (-v / eps).exp()).collect();
    let (mut u, mut v) = (vec![1.0; n], vec![1.0; m]);
    for _ in 0..iters {
        for i in 0..n {
            u[i] = a[i] / (0..m).map(|j| k[i * m + j] * v[j]).sum::<f64>();
        }
        for j in 0..m {
            v[j] = b[j] / (0..n).map(|i| k[i * m + j] * u[i]).sum::<f64>();
        }
    }
    (0..n * m).map(|t| u[t / m] * k[t] * v[t % m]).collect()
}

const FUSED: Method = Method::Log {
    stored_kernel: false,
};
const STORED: Method = Method::Log {
    stored_kernel: true,
};

fn opts(eps: f64) -> Options {
    Options {
        eps,
        tol: 1e-11,
        max_iter: 100_000,
        eps_scaling: None,
    }
}

fn sns_with(stored_kernel: bool) -> Method {
    Method::Sns(SnsOptions {
        warmup: 20,
        keep: Keep {
            drop: 1e-6,
            max_keep: usize::MAX,
        },
        stored_kernel,
    })
}

fn sns() -> Method {
    sns_with(false)
}

#[test]
fn every_method_finds_the_textbook_plan() {
    let (n, m) = (30, 45);
    let c = lcg(n * m, 7);
    let a: Vec<f64> = {
        let w = lcg(n, 8).iter().map(|v| v + 0.5).collect::<Vec<_>>();
        let s: f64 = w.iter().sum();
        w.iter().map(|v| v / s).collect()
    };
    let b = uniform(m);
    let eps = 0.05;
    let want = textbook(&c, n, m, &a, &b, eps, 5000);
    let cost = Cost::Dense(DenseCost::new(&c, n, m).unwrap());
    let scaled = {
        let o = Options {
            eps_scaling: Some(0.5),
            ..opts(eps)
        };
        [FUSED, STORED].map(|me| solve(&cost, &a, &b, me, &o).unwrap())
    };
    let plain = [Method::Scaling, FUSED, STORED, sns(), sns_with(true)]
        .map(|me| solve(&cost, &a, &b, me, &opts(eps)).unwrap());
    for out in plain.iter().chain(&scaled) {
        assert!(out.converged, "{out:?}");
        let p = dense_plan(&cost, &out.f, &out.g, eps).unwrap();
        let worst = p
            .iter()
            .zip(&want)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-10, "plan off by {worst}");
        let e = evaluate(&cost, &out.f, &out.g, eps, None).unwrap();
        let ra: f64 = e.row_sums.iter().zip(&a).map(|(x, y)| (x - y).abs()).sum();
        let cb: f64 = e.col_sums.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum();
        assert!(ra.max(cb) <= 2e-11, "marginals {ra} {cb}");
        assert!((ra.max(cb) - out.marginal_error).abs() < 1e-11);
    }
}

#[test]
fn clouds_and_their_dense_cost_agree() {
    let (n, m, d) = (25, 35, 2);
    let (x, y) = (lcg(n * d, 1), lcg(m * d, 2));
    let c: Vec<f64> = (0..n * m)
        .map(|t| {
            (0..d)
                .map(|k| (x[t / m * d + k] - y[t % m * d + k]).powi(2))
                .sum()
        })
        .collect();
    let dense = Cost::Dense(DenseCost::new(&c, n, m).unwrap());
    let cloud = Cost::SqEuclidean(SqEuclidean::new(&x, n, &y, m, d).unwrap());
    let (a, b) = (uniform(n), uniform(m));
    for method in [FUSED, STORED, sns()] {
        let o = opts(0.01);
        let p = solve(&dense, &a, &b, method, &o).unwrap();
        let q = solve(&cloud, &a, &b, method, &o).unwrap();
        for (u, v) in p.f.iter().zip(&q.f) {
            assert!((u - v).abs() < 1e-9);
        }
    }
}

#[test]
fn kernel_underflow_is_a_clear_error_and_log_domain_handles_it() {
    let (n, m) = (20, 20);
    // Column 0 is far from every row: exp(-C/eps) underflows in the whole column.
    let mut c2 = lcg(n * m, 5);
    for i in 0..n {
        c2[i * m] += 10.0;
    }
    let cost = Cost::Dense(DenseCost::new(&c2, n, m).unwrap());
    let (a, b) = (uniform(n), uniform(m));
    let err = solve(&cost, &a, &b, Method::Scaling, &opts(0.01)).unwrap_err();
    assert!(
        matches!(err, Error::Numerical(ref s) if s.contains("method=\"log\"")),
        "{err}"
    );
    for method in [FUSED, STORED] {
        assert!(solve(&cost, &a, &b, method, &opts(0.01)).unwrap().converged);
    }
}

#[test]
fn sns_is_quadratic_on_a_random_assignment() {
    // The paper's random-assignment case, scaled down: C ~ U[0, 1], η = 1/ε large.
    let n = 100;
    let c = lcg(n * n, 3);
    let cost = Cost::Dense(DenseCost::new(&c, n, n).unwrap());
    let (a, b) = (uniform(n), uniform(n));
    let o = Options {
        eps: 1.0 / 300.0,
        tol: 1e-12,
        max_iter: 1_000_000,
        eps_scaling: None,
    };
    let s = solve(&cost, &a, &b, sns(), &o).unwrap();
    let k = solve(&cost, &a, &b, FUSED, &o).unwrap();
    assert!(s.converged && k.converged);
    assert!(s.newton_iter < 30, "{} Newton steps", s.newton_iter);
    assert!(
        s.passes * 10 < k.passes,
        "SNS {} passes, Sinkhorn {}",
        s.passes,
        k.passes
    );
}

#[test]
fn bad_input_is_refused() {
    let c = [0.0, 1.0, 1.0, 0.0];
    let cost = Cost::Dense(DenseCost::new(&c, 2, 2).unwrap());
    let h = [0.5, 0.5];
    assert!(matches!(
        solve(&cost, &h, &h, FUSED, &opts(0.0)),
        Err(Error::InvalidParameter { name: "reg", .. })
    ));
    assert!(matches!(
        solve(&cost, &[0.7, 0.7], &h, FUSED, &opts(0.1)),
        Err(Error::InvalidParameter { name: "a", .. })
    ));
    assert!(matches!(
        solve(&cost, &h, &[1.0], FUSED, &opts(0.1)),
        Err(Error::ShapeMismatch { name: "b", .. })
    ));
    assert!(dense_plan(&cost, &[0.0], &h, 0.1).is_err());
}

#[test]
fn stored_and_fused_log_sinkhorn_take_the_same_iterates() {
    // Schmitzer's absorption changes how a sweep is computed, not which sweep it is.
    let (n, m) = (60, 70);
    let c = lcg(n * m, 9);
    let cost = Cost::Dense(DenseCost::new(&c, n, m).unwrap());
    let (a, b) = (uniform(n), uniform(m));
    for eps in [0.1, 0.003] {
        let o = Options {
            tol: 1e-10,
            ..opts(eps)
        };
        let fused = solve(&cost, &a, &b, FUSED, &o).unwrap();
        let stored = solve(&cost, &a, &b, STORED, &o).unwrap();
        assert!(fused.converged && stored.converged);
        assert!(
            fused.n_iter.abs_diff(stored.n_iter) <= 1,
            "{} vs {}",
            fused.n_iter,
            stored.n_iter
        );
        for (x, y) in fused.f.iter().zip(&stored.f) {
            assert!((x - y).abs() < 1e-9 * eps.max(1e-2));
        }
    }
}

#[test]
fn one_read_sweep_equals_the_two_products() {
    // Odd sizes: rows left over after the quads, and blocks of uneven length.
    for &(n, m) in &[(1, 1), (3, 5), (37, 13), (130, 7)] {
        let k = lcg(n * m, 3);
        let v = lcg(m, 4);
        let a: Vec<f64> = lcg(n, 5).iter().map(|x| x + 0.1).collect();
        let (mut kv, mut u, mut ktu) = (vec![0.0; n], vec![0.0; n], vec![0.0; m]);
        let bad = scaling::sweep(&k, m, &v, &a, &mut kv, &mut u, &mut ktu);
        assert_eq!(bad, None);
        for i in 0..n {
            let want: f64 = (0..m).map(|j| k[i * m + j] * v[j]).sum();
            assert!((kv[i] - want).abs() <= 1e-12 * want, "kv[{i}]");
            assert!((u[i] - a[i] / want).abs() <= 1e-12 * u[i], "u[{i}]");
        }
        for j in 0..m {
            let want: f64 = (0..n).map(|i| k[i * m + j] * u[i]).sum();
            assert!((ktu[j] - want).abs() <= 1e-12 * want, "ktu[{j}]");
        }
    }
    // A row without mass is reported (the first one), and its scaling is not used.
    let (n, m) = (9, 4);
    let mut k = lcg(n * m, 6);
    k[5 * m..6 * m].fill(0.0);
    k[7 * m..8 * m].fill(0.0);
    let (mut kv, mut u, mut ktu) = (vec![0.0; n], vec![0.0; n], vec![0.0; m]);
    let bad = scaling::sweep(&k, m, &lcg(m, 7), &uniform(n), &mut kv, &mut u, &mut ktu);
    assert_eq!(bad, Some(5));
    assert_eq!(u[5], 0.0);
}
