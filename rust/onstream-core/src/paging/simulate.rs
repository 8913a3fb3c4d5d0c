//! Batch simulation: every (policy, size) cell of a grid over one trace, cells in parallel.

use std::collections::BTreeMap;
use std::sync::mpsc;

use rayon::prelude::*;

use super::arc::Arc;
use super::arc_times;
use super::clock::Clock;
use super::discard::DiscardBits;
use super::fifo::Fifo;
use super::hashed_times::{hashed_hits, Rule};
use super::idtable::Key;
use super::keymap::DenseMap;
use super::lfd::Lfd;
use super::lfd_times::lfd_hits;
use super::lfu::Lfu;
use super::lnonmarker::LNonMarker;
use super::lru::Lru;
use super::lru_times::lru_hits;
use super::mark_predict::MarkPredict;
use super::marker::Marker;
use super::policy::{built_capacity, check_capacity, Needs, Policy, PolicyName, Request, NEVER};
use super::pools::{LruPools, RandomPools};
use super::predict::{self, Noise};
use super::predictive_marker::{MarkerRule, PredictiveMarker};
use super::robust::Robust;
use super::sieve::Sieve;
use super::time_split;
use super::trace::{densify, narrow, next_use, widen, DenseTrace, Densifier, Id, NOT_AGAIN};
use crate::error::{Error, Result};
use crate::{pool, rng};

/// Predictions for the learning-augmented policies. Bits given by the caller are keyed by cache
/// size (key 0: the same array for every size, since discard and phase bits depend on k); where
/// none is given they are generated from the truth at each size and corrupted by `noise`.
#[derive(Debug, Clone, Default)]
pub struct Predictions {
    pub discard: BTreeMap<usize, Vec<bool>>,
    pub phase: BTreeMap<usize, Vec<bool>>,
    pub next_arrival: Option<Vec<f64>>,
    pub noise: Option<Noise>,
}

/// The outcome of one (policy, size) cell.
#[derive(Debug, Clone, PartialEq)]
pub struct CellResult {
    pub policy: PolicyName,
    pub size: usize,
    pub hits: u64,
    pub misses: u64,
    /// Wrong 0 and wrong 1 bits against the truth at this size (bit-predicted policies only).
    pub bit_errors: Option<(u64, u64)>,
    /// ℓ1 error of the next-arrival predictions over requests that recur (BlindOracle only).
    pub l1_error: Option<f64>,
    /// Per-request hit flags, when asked for.
    pub mask: Option<Vec<bool>>,
}

const NOISE_STREAM: u64 = 0x6e6f_6973_6500_0000;

/// The generator of a randomized cell: its own ChaCha stream, so a cell's result does not depend
/// on which other cells run or in which order.
fn cell_rng(seed: u64, policy: PolicyName, size: usize) -> rng::Rng {
    cell_rng_n(seed, policy, size, 0)
}

/// The `n`-th generator of a cell, for policies that combine two randomized algorithms.
fn cell_rng_n(seed: u64, policy: PolicyName, size: usize, n: u64) -> rng::Rng {
    rng::stream(seed, ((policy as u64) << 48) ^ (n << 40) ^ size as u64)
}

/// What a cell's policy reads at each request besides the key, indexed by request time (empty
/// or `None` for policies that need nothing more).
#[derive(Default)]
struct Inputs<'a> {
    next: &'a [u32],
    bits: Option<&'a [bool]>,
    predicted: Option<&'a [u64]>,
}

/// How many requests ahead a simulation prefetches a key's map entry.
const PREFETCH_AHEAD: usize = 16;

/// A cell's policy and its tally, stepped through the trace one piece after another.
trait Cell: Send {
    /// Serves `ids`, the requests from time `start` on.
    fn step(&mut self, ids: &[u32], start: usize, inp: &Inputs<'_>);
    /// Hits, and the per-request hit flags when they were asked for.
    fn finish(self: Box<Self>) -> (u64, Option<Vec<bool>>);
}

struct Tally<P> {
    policy: P,
    hits: u64,
    mask: Option<Vec<bool>>,
}

fn cell<P: Policy + Send + 'static>(policy: P, want_mask: bool, n: usize) -> Box<dyn Cell> {
    Box::new(Tally {
        policy,
        hits: 0,
        mask: want_mask.then(|| crate::bigbuf::with_capacity(n)),
    })
}

impl<P: Policy + Send> Cell for Tally<P> {
    fn step(&mut self, ids: &[u32], start: usize, inp: &Inputs<'_>) {
        let p = &mut self.policy;
        let keys_only = inp.next.is_empty() && inp.bits.is_none() && inp.predicted.is_none();
        if keys_only && self.mask.is_none() {
            // A request is its key and nothing is recorded, so the loop stays tight (FIFO's
            // hits, one map lookup, took a third longer building the general request).
            self.hits += serve(p, ids, |_, key| Request::online(key), |_| {});
            return;
        }
        let mask = &mut self.mask;
        self.hits += serve(
            p,
            ids,
            |i, key| {
                let t = start + i;
                Request {
                    key,
                    next_use: inp.next.get(t).map_or(NEVER, |&n| widen(n)),
                    bit: inp.bits.is_some_and(|b| b[t]),
                    predicted_next: inp.predicted.map_or(NEVER, |p| p[t]),
                }
            },
            |hit| {
                if let Some(m) = mask.as_mut() {
                    m.push(hit);
                }
            },
        );
    }

    fn finish(self: Box<Self>) -> (u64, Option<Vec<bool>>) {
        (self.hits, self.mask)
    }
}

/// Serves `ids` in order, the request for the i-th made by `request(i, key)`, prefetching ahead;
/// `seen` gets each hit flag. Returns the hits.
#[inline(always)]
fn serve<P: Policy>(
    p: &mut P,
    ids: &[u32],
    request: impl Fn(usize, u64) -> Request,
    mut seen: impl FnMut(bool),
) -> u64 {
    let mut hits = 0;
    for (i, &id) in ids.iter().enumerate() {
        if let Some(&ahead) = ids.get(i + PREFETCH_AHEAD) {
            p.prefetch(u64::from(ahead));
        }
        let hit = p.access(request(i, u64::from(id)));
        hits += u64::from(hit);
        seen(hit);
    }
    hits
}

/// The generated bits of one kind at size `k`: the truth corrupted by `noise`, from the noise
/// stream of `seed` (shared by `simulate` and the public generators, so both give the same bits).
fn noisy(truth: &[bool], k: usize, noise: &Noise, seed: u64) -> Vec<bool> {
    let mut b = truth.to_vec();
    predict::flip(
        &mut b,
        noise,
        &mut rng::stream(seed ^ NOISE_STREAM, k as u64),
    );
    b
}

fn truth_bits(trace: &DenseTrace, next: &[u32], needs: Needs, k: usize) -> Vec<bool> {
    match needs {
        Needs::PhaseBits => predict::phase_labels(trace, k),
        _ => predict::discard_labels(trace, next, k),
    }
}

/// Generated prediction bits for a raw trace: `needs` is `DiscardBits` or `PhaseBits`.
pub fn generate_bits(
    ids: &[u64],
    needs: Needs,
    k: usize,
    noise: &Noise,
    seed: u64,
) -> Result<Vec<bool>> {
    check_capacity(k)?;
    noise.validate()?;
    let trace = densify(ids)?;
    let next = next_use(&trace.ids, trace.universe);
    Ok(noisy(&truth_bits(&trace, &next, needs, k), k, noise, seed))
}

/// Generated next-arrival predictions for a raw trace (`+inf` where the key never recurs).
pub fn generate_next_arrival(ids: &[u64], sigma: f64, seed: u64) -> Result<Vec<f64>> {
    Noise {
        sigma,
        ..Noise::NONE
    }
    .validate()?;
    let trace = densify(ids)?;
    let next = next_use(&trace.ids, trace.universe);
    Ok(predict::noisy_next_arrival(
        &next,
        sigma,
        &mut rng::stream(seed ^ NOISE_STREAM, u64::MAX),
    ))
}

fn bits_for(
    given: &BTreeMap<usize, Vec<bool>>,
    truth: Vec<bool>,
    k: usize,
    noise: &Noise,
    seed: u64,
    what: &'static str,
) -> Result<(Vec<bool>, Vec<bool>)> {
    let reported = match given.get(&k).or_else(|| given.get(&0)) {
        Some(b) => b.clone(),
        None if given.is_empty() => noisy(&truth, k, noise, seed),
        None => {
            return Err(Error::invalid(
                what,
                format!("bits for sizes {:?}", given.keys().collect::<Vec<_>>()),
                format!("bits for size {k} (they depend on the cache size)"),
            ))
        }
    };
    Ok((reported, truth))
}

#[allow(clippy::too_many_arguments)]
fn run_cell(
    policy: PolicyName,
    k: usize,
    trace: &DenseTrace,
    next: &[u32],
    predicted: Option<&[u64]>,
    predictions: &Predictions,
    seed: u64,
    want_mask: bool,
) -> Result<CellResult> {
    let noise = predictions.noise.unwrap_or(Noise::NONE);
    let (bits, bit_errors) = match policy.needs() {
        Needs::DiscardBits => {
            let (r, t) = bits_for(
                &predictions.discard,
                truth_bits(trace, next, Needs::DiscardBits, k),
                k,
                &noise,
                seed,
                "discard",
            )?;
            let e = predict::bit_errors(&r, &t);
            (Some(r), Some(e))
        }
        Needs::PhaseBits => {
            let (r, t) = bits_for(
                &predictions.phase,
                truth_bits(trace, next, Needs::PhaseBits, k),
                k,
                &noise,
                seed,
                "phase",
            )?;
            let e = predict::bit_errors(&r, &t);
            (Some(r), Some(e))
        }
        _ => (None, None),
    };
    let inp = Inputs {
        next,
        bits: bits.as_deref(),
        predicted,
    };
    let (hits, mask) = match by_times(policy, &trace.ids, next, trace.universe, k, want_mask) {
        Some(counted) => counted,
        None => {
            let mut c = build_cell(policy, k, trace.universe, seed, want_mask, trace.ids.len());
            c.step(&trace.ids, 0, &inp);
            c.finish()
        }
    };

    let l1_error = match (policy.needs(), predicted) {
        // Keys are order-preserving encodings of the predicted float times (`predict::time_key`).
        (Needs::NextArrival, Some(p)) => Some(
            next.iter()
                .zip(p)
                .filter(|(&n, _)| n != NOT_AGAIN)
                .map(|(&n, &q)| (f64::from_bits(q) - f64::from(n)).abs())
                .sum(),
        ),
        _ => None,
    };
    Ok(CellResult {
        policy,
        size: k,
        hits,
        misses: trace.ids.len() as u64 - hits,
        bit_errors,
        l1_error,
        mask,
    })
}

/// The policy of one cell of size `k`, over dense ids below `universe`, with its tally.
fn build_cell(
    policy: PolicyName,
    k: usize,
    universe: usize,
    seed: u64,
    want_mask: bool,
    n: usize,
) -> Box<dyn Cell> {
    let map = || DenseMap::new(universe);
    let size = k;
    let rng = || cell_rng(seed, policy, size);
    // The requested size still names the cell's random streams.
    let k = built_capacity(k, universe);
    match policy {
        PolicyName::Lru => cell(Lru::new(k, map()), want_mask, n),
        PolicyName::Fifo => cell(Fifo::new(k, map()), want_mask, n),
        PolicyName::Clock => cell(Clock::new(k, map()), want_mask, n),
        PolicyName::Lfu => cell(Lfu::new(k, map()), want_mask, n),
        PolicyName::Arc => cell(Arc::new(k, map()), want_mask, n),
        PolicyName::Sieve => cell(Sieve::new(k, map()), want_mask, n),
        PolicyName::Marker => cell(Marker::new(k, map(), rng()), want_mask, n),
        PolicyName::Lfd => cell(Lfd::new(k, map()), want_mask, n),
        PolicyName::Discard => cell(DiscardBits::new(k, map(), LruPools::new(k)), want_mask, n),
        PolicyName::DiscardRandom => cell(
            DiscardBits::new(k, map(), RandomPools::new(k, rng())),
            want_mask,
            n,
        ),
        PolicyName::DiscardRobust => cell(
            Robust::new(
                k,
                map(),
                DiscardBits::new(k, map(), LruPools::new(k)),
                Lru::new(k, map()),
            ),
            want_mask,
            n,
        ),
        PolicyName::DiscardRandomRobust => cell(
            Robust::new(
                k,
                map(),
                DiscardBits::new(k, map(), RandomPools::new(k, rng())),
                Marker::new(k, map(), cell_rng_n(seed, policy, size, 1)),
            ),
            want_mask,
            n,
        ),
        PolicyName::MarkPredict => cell(
            MarkPredict::new(k, map(), RandomPools::new(k, rng())),
            want_mask,
            n,
        ),
        PolicyName::BlindOracle => cell(Lfd::blind_oracle(k, map()), want_mask, n),
        PolicyName::PredictiveMarker => cell(
            PredictiveMarker::new(MarkerRule::Chains, k, map(), map(), rng()),
            want_mask,
            n,
        ),
        PolicyName::LMarker => cell(
            PredictiveMarker::new(MarkerRule::LMarker, k, map(), map(), rng()),
            want_mask,
            n,
        ),
        PolicyName::LNonMarker => cell(LNonMarker::new(k, map(), rng()), want_mask, n),
        PolicyName::BlindOracleRobust => cell(
            Robust::new(k, map(), Lfd::blind_oracle(k, map()), Lru::new(k, map())),
            want_mask,
            n,
        ),
    }
}

fn check_lengths(n: usize, predictions: &Predictions) -> Result<()> {
    for (what, map) in [
        ("discard", &predictions.discard),
        ("phase", &predictions.phase),
    ] {
        for (k, bits) in map {
            if *k != 0 {
                check_capacity(*k)?;
            }
            if bits.len() != n {
                return Err(Error::shape(
                    what,
                    bits.len(),
                    format!("{n} (one per request)"),
                ));
            }
        }
    }
    if let Some(p) = &predictions.next_arrival {
        if p.len() != n {
            return Err(Error::shape(
                "next_arrival",
                p.len(),
                format!("{n} (one per request)"),
            ));
        }
        if let Some(index) = p.iter().position(|v| v.is_nan() || *v < 0.0) {
            return Err(Error::invalid(
                "next_arrival",
                format!("{} at index {index}", p[index]),
                "times >= 0 (+inf for never)",
            ));
        }
    }
    if let Some(noise) = &predictions.noise {
        noise.validate()?;
    }
    Ok(())
}

/// Simulates every policy at every size over `ids`: inside `pool::run` cells in parallel (and a
/// key-only grid over renumbered ids pipelined), outside it in order on the calling thread, which
/// is as fast when [`Grid::runs_alone`]. Results come in grid order: policies outer, sizes inner.
pub fn simulate(
    ids: &[u64],
    policies: &[PolicyName],
    sizes: &[usize],
    seed: u64,
    want_mask: bool,
    predictions: &Predictions,
) -> Result<Vec<CellResult>> {
    Grid::new(ids, policies, sizes, predictions)?.run(seed, want_mask, predictions)
}

/// How a grid goes through its trace.
#[derive(Debug, Clone, Copy)]
enum Path {
    /// Ids kept as they are, policies that need nothing but keys and next-use times: [`stepped`].
    Stepped,
    /// Key-only policies over ids renumbered while the cells run: [`pipelined`].
    Pipelined,
    /// One LRU, FIFO or ARC cell over sparse ids, its times kept in the hash table itself
    /// (`hashed_times`, [`arc_times::arc_hits_hashed`]): one lookup a request, no renumbering
    /// pass. The routine, for the keys' width.
    Hashed(HashedRoutine),
    /// The trace renumbered (or kept) whole first, then the cells.
    Whole,
}

/// A checked simulation: its trace, its (policy, size) cells and the renumbering they take.
pub struct Grid<'a> {
    ids: &'a [u64],
    policies: &'a [PolicyName],
    cells: Vec<(PolicyName, usize)>,
    renumber: Densifier,
}

impl<'a> Grid<'a> {
    pub fn new(
        ids: &'a [u64],
        policies: &'a [PolicyName],
        sizes: &[usize],
        predictions: &Predictions,
    ) -> Result<Self> {
        for &k in sizes {
            check_capacity(k)?;
        }
        check_lengths(ids.len(), predictions)?;
        let cells = policies
            .iter()
            .flat_map(|&p| sizes.iter().map(move |&k| (p, k)))
            .collect();
        Ok(Grid {
            ids,
            policies,
            cells,
            renumber: Densifier::for_trace(ids)?,
        })
    }

    fn plain(&self) -> bool {
        self.policies.iter().all(|p| p.needs() == Needs::Nothing)
    }

    /// How the grid goes through its trace (a pass over its few policies, so it is not stored).
    fn path(&self) -> Path {
        // No result depends on how keys are numbered, only on which requests share a key; and
        // key-only and offline policies need nothing but the keys and the next-use times.
        let from_keys = self
            .policies
            .iter()
            .all(|p| matches!(p.needs(), Needs::Nothing | Needs::Future));
        // The routines by last-request times need the whole trace and outrun the pipeline's
        // list-based cells even after renumbering the trace first.
        let n = self.ids.len();
        let all_timed = self
            .policies
            .iter()
            .all(|&p| times_routine::<u32>(p, n).is_some());
        if self.renumber.keeps_ids() && from_keys {
            Path::Stepped
        } else if let Some(routine) = self.hashed_routine() {
            Path::Hashed(routine)
        } else if self.plain() && !all_timed && overlaps(&self.renumber) {
            Path::Pipelined
        } else {
            Path::Whole
        }
    }

    /// Whether the simulation runs on one thread anyway (one cell, not pipelined), so a caller
    /// may run it where it stands instead of handing it to the pool: after an idle spell, waking
    /// a pool thread and being woken back took about 0.15 ms on this VM, a third of a 134 K
    /// request simulation.
    pub fn runs_alone(&self) -> bool {
        let [(policy, _)] = self.cells[..] else {
            return false;
        };
        // A long ARC or LFD cell splits its trace between two threads (`time_split`).
        let splits = matches!(policy, PolicyName::Arc | PolicyName::Lfd)
            && time_split::worth_it(self.ids.len());
        !matches!(self.path(), Path::Pipelined) && !splits
    }

    /// The routine of a grid of one cell over sparse ids with times in a hash table, if its
    /// policy has one: with 32-bit keys when every id fits.
    fn hashed_routine(&self) -> Option<HashedRoutine> {
        let [(policy, _)] = self.cells[..] else {
            return None;
        };
        let n = self.ids.len();
        match self.renumber.narrow_keys() {
            true => hashed_routine::<u32>(policy, n),
            false => hashed_routine::<u64>(policy, n),
        }
    }

    pub fn run(
        self,
        seed: u64,
        want_mask: bool,
        predictions: &Predictions,
    ) -> Result<Vec<CellResult>> {
        let (ids, policies, cells) = (self.ids, self.policies, &self.cells);
        let plain = self.plain();
        // Outside the pool (a grid that runs alone), a parallel iterator would start rayon's
        // global pool; the pipeline needs a second thread.
        let path = match self.path() {
            Path::Pipelined if !pool::on_pool() => Path::Whole,
            path => path,
        };
        match path {
            Path::Stepped => {
                let bound = self.renumber.bound();
                let next = next_use_unless(plain, ids, bound);
                let inp = Inputs {
                    next: &next,
                    ..Inputs::default()
                };
                return Ok(stepped(ids, bound, cells, &inp, seed, want_mask));
            }
            Path::Hashed(routine) => {
                let (policy, size) = cells[0];
                let counted = routine(ids, size, want_mask);
                return Ok(vec![plain_result(counted, policy, size, ids.len())]);
            }
            Path::Pipelined => {
                let bound = self.renumber.bound();
                return Ok(pipelined(ids, self.renumber, bound, cells, seed, want_mask));
            }
            Path::Whole => {}
        }
        let trace = self.renumber.small(ids);
        let next = next_use_unless(plain, &trace.ids, trace.universe);
        let predicted: Option<Vec<u64>> =
            if policies.iter().any(|p| p.needs() == Needs::NextArrival) {
                let times = match &predictions.next_arrival {
                    Some(p) => p.clone(),
                    None => {
                        let sigma = predictions.noise.map_or(0.0, |n| n.sigma);
                        let mut r = rng::stream(seed ^ NOISE_STREAM, u64::MAX);
                        predict::noisy_next_arrival(&next, sigma, &mut r)
                    }
                };
                Some(times.into_iter().map(predict::time_key).collect())
            } else {
                None
            };
        map_cells(cells, |&(p, k)| {
            run_cell(
                p,
                k,
                &trace,
                &next,
                predicted.as_deref(),
                predictions,
                seed,
                want_mask,
            )
        })
        .into_iter()
        .collect()
    }
}

/// `f` over the cells, in parallel on the pool; in order on this thread outside it or for a
/// single cell.
fn map_cells<R: Send>(
    cells: &[(PolicyName, usize)],
    f: impl Fn(&(PolicyName, usize)) -> R + Sync + Send,
) -> Vec<R> {
    if cells.len() > 1 && pool::on_pool() {
        cells.par_iter().map(f).collect()
    } else {
        cells.iter().map(f).collect()
    }
}

/// Requests a stepped cell narrows at a time: small enough to stay in cache.
const PIECE: usize = 1 << 14;

/// Requests renumbered per hand-over in the pipelined simulation: a channel message costs far
/// less than renumbering them, and the cells wait only for the first.
const HANDOVER: usize = 1 << 12;

/// The largest universe bound the pipelined simulation sizes its maps by.
const PIPELINED_MAP_MAX: usize = 1 << 22;

/// Whether a grid of key-only policies runs [`pipelined`] with this renumbering (when it does not
/// keep the ids): pipelined cells' maps span the bound instead of the universe, so only up to
/// 16 MiB each.
fn overlaps(renumber: &Densifier) -> bool {
    renumber.bound() <= PIPELINED_MAP_MAX
}

/// The grid of cells whose policies need nothing but the keys and `inp.next`, over ids that
/// stand for their own dense ids ([`Densifier::keeps_ids`]): each cell narrows the trace to `u32`
/// one piece at a time into its own buffer, so no copy of the trace is made.
fn stepped(
    ids: &[u64],
    bound: usize,
    grid: &[(PolicyName, usize)],
    inp: &Inputs<'_>,
    seed: u64,
    want_mask: bool,
) -> Vec<CellResult> {
    let n = ids.len();
    map_cells(grid, |&(policy, size)| {
        if let Some(counted) = by_times(policy, ids, inp.next, bound, size, want_mask) {
            return plain_result(counted, policy, size, n);
        }
        let mut c = build_cell(policy, size, bound, seed, want_mask, n);
        let mut piece = Vec::with_capacity(PIECE.min(n));
        for (i, chunk) in ids.chunks(PIECE).enumerate() {
            piece.clear();
            narrow(chunk, &mut piece);
            c.step(&piece, i * PIECE, inp);
        }
        plain_result(c.finish(), policy, size, n)
    })
}

/// A routine over sparse ids with times in the hash table: hits and hit flags from the ids, a
/// size and whether flags are wanted.
type HashedRoutine = fn(&[u64], usize, bool) -> (u64, Option<Vec<bool>>);

/// `policy`'s routine over sparse ids with times in a hash table keyed by `K`, for a trace of
/// `n` requests, if it has one.
fn hashed_routine<K: Key>(policy: PolicyName, n: usize) -> Option<HashedRoutine> {
    match policy {
        PolicyName::Lru => Some(|ids, k, want| hashed_hits::<K>(ids, Rule::Renew, k, want)),
        PolicyName::Fifo => Some(|ids, k, want| hashed_hits::<K>(ids, Rule::Admit, k, want)),
        PolicyName::Arc if n <= arc_times::MAX_REQUESTS => Some(arc_times::arc_hits_hashed::<K>),
        _ => None,
    }
}

/// A routine by last-request times over a whole trace: hits and hit flags from the ids (below a
/// bound), a size and whether flags are wanted.
type TimesRoutine<T> = fn(&[T], usize, usize, bool) -> (u64, Option<Vec<bool>>);

/// `policy`'s routine by last-request times (`lru_times`, `arc_times`) for a trace of `n`
/// requests, if it has one.
fn times_routine<T: Id>(policy: PolicyName, n: usize) -> Option<TimesRoutine<T>> {
    match policy {
        PolicyName::Lru => Some(lru_hits::<T>),
        PolicyName::Arc if n <= arc_times::MAX_REQUESTS => Some(arc_times::arc_hits::<T>),
        _ => None,
    }
}

/// A cell's hits and hit flags by its policy's routine over the whole trace `ids` (below
/// `bound`), when it has one: by last-request times ([`times_routine`]), or for LFD by the
/// next-use times `next` (`lfd_times`).
fn by_times<T: Id>(
    policy: PolicyName,
    ids: &[T],
    next: &[u32],
    bound: usize,
    size: usize,
    want_mask: bool,
) -> Option<(u64, Option<Vec<bool>>)> {
    if policy == PolicyName::Lfd {
        return Some(lfd_hits(next, size, bound, want_mask));
    }
    times_routine(policy, ids.len()).map(|routine| routine(ids, bound, size, want_mask))
}

/// Next-use times of `ids` (below `bound`) when some policy of the grid needs them: none when
/// every policy is `plain`.
fn next_use_unless<T: Id>(plain: bool, ids: &[T], bound: usize) -> Vec<u32> {
    if plain {
        Vec::new()
    } else {
        next_use(ids, bound)
    }
}

/// The result of a cell without predictions, from its hits and hit flags over `n` requests.
fn plain_result(
    (hits, mask): (u64, Option<Vec<bool>>),
    policy: PolicyName,
    size: usize,
    n: usize,
) -> CellResult {
    CellResult {
        policy,
        size,
        hits,
        misses: n as u64 - hits,
        bit_errors: None,
        l1_error: None,
        mask,
    }
}

/// The grid of cells whose policies need nothing but the keys, while the trace is renumbered: one
/// thread renumbers piece after piece and hands each over a channel to the cells, which step
/// through it while the next is renumbered, so the renumbering (a random read a request, as
/// costly as an LRU step on a big universe) overlaps the simulation instead of preceding it.
/// Dense ids are the same as [`densify`]'s, and each policy's map spans `bound` (an upper bound
/// of the universe), so every cell's result is the unpipelined one.
///
/// The renumbering never waits on the cells (the channel is unbounded; pieces come back for
/// reuse), so on a pool of one thread it runs to the end and the cells then step through the
/// queued pieces. A join per piece instead (each side one piece) lost about 0.4 ms of a 1.3 ms
/// 114 K-request simulation waking the other thread again and again.
fn pipelined(
    ids: &[u64],
    mut renumber: Densifier,
    bound: usize,
    grid: &[(PolicyName, usize)],
    seed: u64,
    want_mask: bool,
) -> Vec<CellResult> {
    let n = ids.len();
    let mut cells: Vec<Box<dyn Cell>> = grid
        .iter()
        .map(|&(p, k)| build_cell(p, k, bound, seed, want_mask, n))
        .collect();
    let (full, pieces) = mpsc::channel::<Vec<u32>>();
    let (spare, returned) = mpsc::channel::<Vec<u32>>();
    rayon::join(
        move || {
            for chunk in ids.chunks(HANDOVER) {
                let mut piece = returned
                    .try_recv()
                    .unwrap_or_else(|_| Vec::with_capacity(HANDOVER));
                piece.clear();
                renumber.extend(chunk, &mut piece);
                if full.send(piece).is_err() {
                    return;
                }
            }
        },
        || {
            let inp = Inputs::default();
            let mut start = 0;
            // Ends when the renumbering is done and drops its sender.
            for piece in pieces {
                cells
                    .par_iter_mut()
                    .for_each(|c| c.step(&piece, start, &inp));
                start += piece.len();
                // The renumbering may be done and gone: then the piece is simply dropped.
                let _ = spare.send(piece);
            }
        },
    );
    cells
        .into_iter()
        .zip(grid)
        .map(|(c, &(policy, size))| plain_result(c.finish(), policy, size, n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stepped_and_pipelined_cells_match_cells_run_on_the_renumbered_trace() {
        // 50,000 requests with locality over 3,000 keys, spread over ids up to 90,000: small
        // enough to keep as they are (the stepped path), over several pieces. The reference runs
        // each cell alone over the trace renumbered by first appearance.
        let ids: Vec<u64> = crate::paging::tests_support::locality_trace(50_000, 3_000, 3)
            .into_iter()
            .map(|i| i * 30)
            .collect();
        let plain: Vec<PolicyName> = PolicyName::ALL
            .into_iter()
            .filter(|p| p.needs() == Needs::Nothing)
            .collect();
        let sizes = [1, 17, 250];
        // The same ids spread far apart take the hash table instead (the pipelined path).
        let sparse: Vec<u64> = ids.iter().map(|&i| (i << 40) ^ 0x5bd1_e995).collect();
        for (ids, kept) in [(ids, true), (sparse, false)] {
            let renumber = Densifier::for_trace(&ids).unwrap();
            assert_eq!(renumber.keeps_ids(), kept);
            assert!(overlaps(&renumber));
            // On the pool, as the bindings call it (outside it the pipeline does not run).
            let got = crate::pool::run(|| {
                simulate(&ids, &plain, &sizes, 11, true, &Predictions::default())
            })
            .unwrap();
            // On one thread the renumbering runs ahead to the end before the cells start.
            let one = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .unwrap();
            let alone =
                one.install(|| simulate(&ids, &plain, &sizes, 11, true, &Predictions::default()));
            assert_eq!(alone.unwrap(), got);
            let trace = densify(&ids).unwrap();
            let none = Predictions::default();
            // Each cell alone, list-based, over the renumbered trace.
            let list_with = |p: PolicyName, k: usize, inp: &Inputs<'_>| {
                let mut c = build_cell(p, k, trace.universe, 11, true, trace.ids.len());
                c.step(&trace.ids, 0, inp);
                c.finish()
            };
            let list = |p: PolicyName, k: usize| list_with(p, k, &Inputs::default());
            let n = trace.ids.len();
            let want: Vec<CellResult> = plain
                .iter()
                .flat_map(|&p| sizes.map(|k| (p, k)))
                .map(|(p, k)| plain_result(list(p, k), p, k, n))
                .collect();
            assert_eq!(got, want);
            assert!(got.iter().all(|c| c.hits > 0 && c.misses > 0));
            // The routines by times against the list-based cells: a grid of LRU and ARC alone
            // (kept ids, or renumbered whole first), and single LRU and FIFO cells (kept ids, or
            // times in the hash table).
            let timed = [PolicyName::Lru, PolicyName::Arc];
            let got = crate::pool::run(|| simulate(&ids, &timed, &sizes, 11, true, &none)).unwrap();
            let grid = timed.iter().flat_map(|&p| sizes.map(|k| (p, k)));
            for (cell, (p, k)) in got.iter().zip(grid) {
                assert_eq!((cell.hits, cell.mask.clone()), list(p, k), "{p:?} size {k}");
            }
            for p in [PolicyName::Lru, PolicyName::Fifo] {
                for k in sizes {
                    let got = simulate(&ids, &[p], &[k], 11, true, &none).unwrap();
                    assert_eq!((got[0].hits, got[0].mask.clone()), list(p, k), "{p:?} {k}");
                }
            }
            // With LFD in the grid, kept ids step with next-use times computed from the ids as
            // they are; renumbered ones take the whole-trace path.
            let offline = [PolicyName::Lru, PolicyName::Lfd];
            let got = simulate(&ids, &offline, &sizes, 11, true, &none).unwrap();
            let next = next_use(&trace.ids, trace.universe);
            let inp = Inputs {
                next: &next,
                ..Inputs::default()
            };
            let want: Vec<CellResult> = offline
                .iter()
                .flat_map(|&p| sizes.map(|k| (p, k)))
                .map(|(p, k)| plain_result(list_with(p, k, &inp), p, k, n))
                .collect();
            assert_eq!(got, want);
        }
    }
}
