"""What the Sandbox's tiles must read, computed here with devsim (not typed in).

The browser tests compare the text in the page with these values, so they prove that the
page shows exactly what the model gives for the slider's new value, not only that
something changed.
"""
from __future__ import annotations

from dataclasses import replace

import devsim
from devsim import plots
from devsim.experiment import DEFAULT_SEED


def sandbox_tiles(preset: str = "collaborative", **changes) -> dict[str, str]:
    """Metric -> tile value text of the Sandbox's default update (1 replication,
    ``DEFAULT_SEED``) for ``preset`` with ``changes``."""
    scenario = replace(devsim.presets()[preset], **changes)
    results = devsim.compare([scenario], n=1, seed=DEFAULT_SEED, executor="serial",
                             progress=False)
    return {t["metric"]: t["value"] for t in plots.dora_tiles(results, scenario.name)}
