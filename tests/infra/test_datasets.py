"""Bundled data: the loaders return exactly what the provenance notes describe."""

from __future__ import annotations

import hashlib
from importlib import resources

import numpy as np

from onstream import datasets


def test_sprite_trace_is_the_published_file() -> None:
    data = resources.files("onstream.datasets").joinpath("data")
    blob = data.joinpath("sprite.trace.gz").read_bytes()
    assert hashlib.sha256(blob).hexdigest() == (
        "e2613162ee4d5134cf155ae090ccd1613a0a91f45e3a0bd636233b5bb42fc28d"
    )
    trace = datasets.sprite_trace()
    assert trace.dtype == np.int64
    assert len(trace) == 133_996
    assert len(np.unique(trace)) == 7_075


def test_email_eu_core_matches_snap_statistics() -> None:
    edges = datasets.email_eu_core()
    assert edges.columns == ["src", "dst"]
    assert edges.height == 25_571
    nodes = np.union1d(edges["src"].to_numpy(), edges["dst"].to_numpy())
    assert len(nodes) == 1_005
    assert nodes.min() == 0
    assert int((edges["src"] == edges["dst"]).sum()) == 642
    assert edges.unique().height == edges.height


def test_catalog_lists_every_loader() -> None:
    names = set(datasets.catalog()["loader"])
    assert names == {n for n in datasets.__all__ if n != "catalog"}
    for n in names:
        assert callable(getattr(datasets, n))


def test_obd_clicks_match_the_source_counts() -> None:
    clicks = datasets.obd_clicks()
    assert clicks.columns == ["timestamp", "campaign", "policy", "click"]
    assert clicks.height == 60_000
    assert int(clicks["click"].sum()) == 287
    assert clicks["timestamp"].is_sorted()
    per_pair = clicks.group_by("policy", "campaign").len()
    assert per_pair["len"].to_list() == [10_000] * 6
    assert str(clicks["timestamp"][0]).startswith("2019-11-24 00:00:17.004")
