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


def test_ocean_images_are_the_published_photographs() -> None:
    data = resources.files("onstream.datasets").joinpath("data")
    for name, digest in [
        ("ocean_day.jpg", "084ae49297ef39834e9ccfbfd8b138aa28db0ad8dc8dd05c1b304598edb1c506"),
        ("ocean_sunset.jpg", "616462bfa6f82c1eba1f3395a95aedc4ff57916ea6e9bcc871fe3747f2894dd1"),
    ]:
        assert hashlib.sha256(data.joinpath(name).read_bytes()).hexdigest() == digest
    day, sunset = datasets.ocean_images()
    assert day.shape == (669, 1000, 3)
    assert sunset.shape == (750, 1000, 3)
    assert day.dtype == sunset.dtype == np.uint8
    # Means published with the data (decoders may differ by ±1 in a few pixels).
    np.testing.assert_allclose(day.reshape(-1, 3).mean(0), [41.33, 96.59, 143.16], atol=0.05)
    np.testing.assert_allclose(sunset.reshape(-1, 3).mean(0), [152.66, 70.14, 57.03], atol=0.05)


def test_bakeries_cafes_is_balanced_with_the_published_masses() -> None:
    table = datasets.bakeries_cafes()
    assert table.columns == ["kind", "index", "x", "y", "mass"]
    bakery = table.filter(table["kind"] == "bakery")["mass"].to_list()
    cafe = table.filter(table["kind"] == "cafe")["mass"].to_list()
    assert bakery == [31, 48, 82, 30, 40, 48, 89, 73]
    assert cafe == [82, 88, 92, 88, 91]


def test_digits_are_the_uci_test_set() -> None:
    data = resources.files("onstream.datasets").joinpath("data")
    digest = hashlib.sha256(data.joinpath("digits.csv.gz").read_bytes()).hexdigest()
    assert digest == "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
    images, labels = datasets.digits()
    assert images.shape == (1797, 8, 8)
    assert images.dtype == np.uint8
    assert int(images.max()) == 16
    # Class sizes as published with the data.
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
