"""Small real datasets bundled with onstream (``DATA_SOURCES.md`` in this folder gives provenance
and terms). Each loader reads the packaged file and caches nothing: call it once, keep the result.
"""

from __future__ import annotations

import gzip
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "bakeries_cafes",
    "catalog",
    "digits",
    "email_eu_core",
    "obd_clicks",
    "obd_logs",
    "ocean_images",
    "sprite_trace",
]

#: First impression of the Open Bandit sample; `obd_clicks` stores offsets from it.
_OBD_START_US = 1_574_553_617_004_101


def _read_gz_text(filename: str) -> str:
    blob = resources.files("onstream.datasets").joinpath("data").joinpath(filename).read_bytes()
    return gzip.decompress(blob).decode("ascii")


def sprite_trace() -> npt.NDArray[np.int64]:
    """The LIRS "sprite" block trace: 133,996 unit-size requests to 7,075 blocks, as int64 ids.

    Jiang & Zhang, "LIRS: an efficient low inter-reference recency set replacement policy",
    SIGMETRICS 2002; a Sprite network file system trace.
    """
    lines = (ln for ln in _read_gz_text("sprite.trace.gz").split() if ln != "*")
    return np.fromiter((int(ln) for ln in lines), dtype=np.int64)


def email_eu_core() -> pl.DataFrame:
    """SNAP email-Eu-core: 25,571 directed edges over 1,005 nodes, columns ``src`` and ``dst``
    (int64, 0-based). Includes 642 self-loops, as published.

    Leskovec, Kleinberg, Faloutsos, TKDD 2007; Yin, Benson, Leskovec, Gleich, KDD 2017.
    """
    import polars as pl

    table = np.loadtxt(_read_gz_text("email-Eu-core.txt.gz").splitlines(), usecols=(0, 1))
    edges = table.astype(np.int64)
    return pl.DataFrame({"src": edges[:, 0], "dst": edges[:, 1]})


def obd_clicks() -> pl.DataFrame:
    """Impressions and clicks of the Open Bandit Dataset's small sample, in time order: 60,000
    rows over 7 days (late November 2019), columns ``timestamp`` (UTC), ``campaign`` (all, men,
    women), ``policy`` (random, bts: the logging policy) and ``click`` (0/1). 287 clicks.

    Saito, Aihara, Matsutani, Narita, "Open Bandit Dataset and Pipeline", NeurIPS 2021 Datasets
    and Benchmarks (ZOZO, Inc.), from the sample shipped in the Apache-2.0 ``obp`` 0.4.1 package.
    """
    import polars as pl

    frame = pl.read_csv(_read_gz_text("obd_clicks.csv.gz").encode())
    start = pl.lit(_OBD_START_US).cast(pl.Datetime("us", "UTC"))
    return frame.select(
        timestamp=start + pl.duration(milliseconds=pl.col("ms")),
        campaign="campaign",
        policy="policy",
        click=pl.col("click").cast(pl.UInt8),
    )


def obd_logs() -> pl.DataFrame:
    """The Open Bandit Dataset's small sample as logged bandit feedback: 60,000 impressions,
    columns ``policy`` (random, bts: the logging policy), ``campaign`` (all: 80 items, men: 34,
    women: 46), ``item_id`` (the arm, 0-based), ``position`` (slot 1..3), ``click`` (0/1, the
    reward) and ``propensity`` (the logging policy's probability of that item in that slot).
    Rows in file order (time order within each policy and campaign).

    Saito, Aihara, Matsutani, Narita, "Open Bandit Dataset and Pipeline", NeurIPS 2021 Datasets
    and Benchmarks (ZOZO, Inc.), from the sample shipped in the Apache-2.0 ``obp`` 0.4.1 package.
    """
    import polars as pl

    frame = pl.read_csv(_read_gz_text("obd_logs.csv.gz").encode())
    return frame.with_columns(
        pl.col("item_id").cast(pl.UInt32),
        pl.col("position").cast(pl.UInt8),
        pl.col("click").cast(pl.UInt8),
    )


def _data_bytes(filename: str) -> bytes:
    return resources.files("onstream.datasets").joinpath("data").joinpath(filename).read_bytes()


def ocean_images() -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """Two photographs of the sea, by day (669 × 1000) and at sunset (750 × 1000), as uint8 RGB
    arrays: the colour-transfer pair of POT's examples (MIT licence). Needs Pillow to decode the
    JPEGs (``pip install pillow``; it comes with the ``plot`` extra's matplotlib).
    """
    import io

    try:
        from PIL import Image
    except ImportError as e:  # pragma: no cover - Pillow ships with matplotlib
        raise ImportError(
            "ocean_images() decodes JPEG with Pillow: pip install pillow (or onstream[plot])"
        ) from e

    def load(name: str) -> npt.NDArray[np.uint8]:
        with Image.open(io.BytesIO(_data_bytes(name))) as img:
            return np.asarray(img.convert("RGB"), dtype=np.uint8)

    return load("ocean_day.jpg"), load("ocean_sunset.jpg")


def bakeries_cafes() -> pl.DataFrame:
    """POT's Manhattan transport example: 8 bakeries (supply) and 5 cafés (demand), columns
    ``kind`` (bakery, cafe), ``index``, ``x``, ``y`` (map pixels) and ``mass``; both sides total
    441. The positions are real, the masses fictional (POT's ``plot_Intro_OT.py``; MIT licence).
    """
    import polars as pl

    return pl.read_csv(_data_bytes("manhattan_bakeries_cafes.csv"))


def digits() -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """The UCI optical handwritten digits as scikit-learn ships them: 1,797 images of 8 × 8
    pixels with values 0..16 (``uint8``, shape ``(1797, 8, 8)``) and their labels 0..9.

    Alpaydin & Kaynak, UCI Machine Learning Repository (1998), CC BY 4.0; the test set of
    "Optical Recognition of Handwritten Digits".
    """
    rows = np.loadtxt(_read_gz_text("digits.csv.gz").splitlines(), delimiter=",", dtype=np.int64)
    return rows[:, :64].astype(np.uint8).reshape(-1, 8, 8), rows[:, 64]


def catalog() -> pl.DataFrame:
    """One row per bundled dataset: loader name, what it holds, and where it comes from."""
    import polars as pl

    return pl.DataFrame(
        {
            "loader": [
                "sprite_trace",
                "email_eu_core",
                "obd_clicks",
                "obd_logs",
                "ocean_images",
                "bakeries_cafes",
                "digits",
            ],
            "kind": [
                "cache trace",
                "directed graph",
                "click log",
                "logged bandit feedback",
                "images",
                "transport problem",
                "labelled images",
            ],
            "size": [
                "133,996 requests / 7,075 blocks",
                "25,571 edges / 1,005 nodes",
                "60,000 impressions / 287 clicks",
                "60,000 (item, position, click, propensity) rows",
                "2 photographs, 669,000 + 750,000 pixels",
                "8 bakeries / 5 cafés",
                "1,797 images of 8 x 8 pixels / 10 classes",
            ],
            "source": [
                "LIRS sprite trace (Jiang & Zhang 2002) via ben-manes/caffeine",
                "SNAP email-Eu-core (Leskovec et al. 2007) via rapidsai/cugraph",
                "Open Bandit Dataset sample (Saito et al. 2021) via obp 0.4.1",
                "Open Bandit Dataset sample (Saito et al. 2021) via obp 0.4.1",
                "POT colour-adaptation example images (MIT)",
                "POT plot_Intro_OT.py Manhattan example (MIT; masses fictional)",
                "UCI handwritten digits (Alpaydin & Kaynak 1998; CC BY 4.0) via scikit-learn",
            ],
        }
    )
