"""Plain-Python eviction policies written from their papers' pseudo-code, as independent references
for the Rust implementations. Slow and obvious on purpose."""

from __future__ import annotations

import heapq
from collections import OrderedDict
from collections.abc import Sequence


def lru(trace: Sequence[int], k: int) -> list[bool]:
    cache: OrderedDict[int, None] = OrderedDict()
    out = []
    for x in trace:
        hit = x in cache
        if hit:
            cache.move_to_end(x)
        else:
            if len(cache) == k:
                cache.popitem(last=False)
            cache[x] = None
        out.append(hit)
    return out


def fifo(trace: Sequence[int], k: int) -> list[bool]:
    queue: list[int] = []
    out = []
    for x in trace:
        hit = x in queue
        if not hit:
            if len(queue) == k:
                queue.pop(0)
            queue.append(x)
        out.append(hit)
    return out


def clock(trace: Sequence[int], k: int) -> list[bool]:
    """Second chance: new pages enter with the reference bit clear."""
    frames: list[list[int]] = []  # [key, ref]
    hand = 0
    out = []
    for x in trace:
        slot = next((f for f in frames if f[0] == x), None)
        if slot is not None:
            slot[1] = 1
            out.append(True)
            continue
        out.append(False)
        if len(frames) < k:
            frames.append([x, 0])
            continue
        while frames[hand][1]:
            frames[hand][1] = 0
            hand = (hand + 1) % k
        frames[hand] = [x, 0]
        hand = (hand + 1) % k
    return out


def lfu(trace: Sequence[int], k: int) -> list[bool]:
    """In-cache counts; ties broken by least recent request."""
    count: dict[int, int] = {}
    last: dict[int, int] = {}
    out = []
    for t, x in enumerate(trace):
        hit = x in count
        if hit:
            count[x] += 1
        else:
            if len(count) == k:
                victim = min(count, key=lambda y: (count[y], last[y]))
                del count[victim], last[victim]
            count[x] = 1
        last[x] = t
        out.append(hit)
    return out


def sieve(trace: Sequence[int], k: int) -> list[bool]:
    """Zhang et al., NSDI 2024, Algorithm 1. `queue[0]` is the newest (head)."""
    queue: list[int] = []
    visited: dict[int, bool] = {}
    hand: int | None = None  # the key the hand points at
    out = []
    for x in trace:
        if x in visited:
            visited[x] = True
            out.append(True)
            continue
        out.append(False)
        if len(queue) == k:
            i = queue.index(hand) if hand is not None else len(queue) - 1
            while visited[queue[i]]:
                visited[queue[i]] = False
                i = i - 1 if i > 0 else len(queue) - 1
            hand = queue[i - 1] if i > 0 else None
            del visited[queue[i]]
            queue.pop(i)
        queue.insert(0, x)
        visited[x] = False
    return out


def arc(trace: Sequence[int], c: int) -> list[bool]:
    """Megiddo & Modha, FAST 2003, Figure 4 (OrderedDicts: last item is MRU)."""
    t1: OrderedDict[int, None] = OrderedDict()
    t2: OrderedDict[int, None] = OrderedDict()
    b1: OrderedDict[int, None] = OrderedDict()
    b2: OrderedDict[int, None] = OrderedDict()
    p = 0.0
    out = []

    def replace(in_b2: bool) -> None:
        if t1 and ((in_b2 and len(t1) == p) or len(t1) > p):
            y, _ = t1.popitem(last=False)
            b1[y] = None
        else:
            y, _ = t2.popitem(last=False)
            b2[y] = None

    for x in trace:
        if x in t1 or x in t2:
            (t1 if x in t1 else t2).pop(x)
            t2[x] = None
            out.append(True)
            continue
        out.append(False)
        if x in b1:
            p = min(c, p + max(len(b2) / len(b1), 1))
            replace(False)
            b1.pop(x)
            t2[x] = None
        elif x in b2:
            p = max(0.0, p - max(len(b1) / len(b2), 1))
            replace(True)
            b2.pop(x)
            t2[x] = None
        else:
            if len(t1) + len(b1) == c:
                if len(t1) < c:
                    b1.popitem(last=False)
                    replace(False)
                else:
                    t1.popitem(last=False)
            elif len(t1) + len(t2) + len(b1) + len(b2) >= c:
                if len(t1) + len(t2) + len(b1) + len(b2) == 2 * c:
                    b2.popitem(last=False)
                replace(False)
            t1[x] = None
    return out


def lfd(trace: Sequence[int], k: int) -> list[bool]:
    """Belady: evict the resident key whose next request is furthest (never = infinitely far)."""
    cache: set[int] = set()
    out = []
    for t, x in enumerate(trace):
        hit = x in cache
        if not hit:
            if len(cache) == k:

                def next_use(y: int, t: int = t) -> float:
                    for u in range(t + 1, len(trace)):
                        if trace[u] == y:
                            return u
                    return float("inf")

                cache.remove(max(cache, key=next_use))
            cache.add(x)
        out.append(hit)
    return out


def lfd_heap(trace: Sequence[int], k: int) -> list[bool]:
    """Belady as :func:`lfd`, for long traces: next requests found in one backward pass, the
    resident keys in a max-heap by next request, whose entries go stale when their key is
    requested again and are skipped when they surface."""
    never = len(trace)
    following: dict[int, int] = {}
    nxt = [never] * len(trace)
    for t in range(len(trace) - 1, -1, -1):
        nxt[t] = following.get(trace[t], never)
        following[trace[t]] = t
    resident: dict[int, int] = {}  # key -> its next request
    heap: list[tuple[int, int]] = []
    out = []
    for t, x in enumerate(trace):
        hit = x in resident
        if not hit and len(resident) == k:
            while True:
                far, y = heapq.heappop(heap)
                if resident.get(y) == -far:
                    del resident[y]
                    break
        resident[x] = nxt[t]
        heapq.heappush(heap, (-nxt[t], x))
        out.append(hit)
    return out


REFERENCES = {
    "lru": lru,
    "fifo": fifo,
    "clock": clock,
    "lfu": lfu,
    "sieve": sieve,
    "arc": arc,
    "lfd": lfd,
}
