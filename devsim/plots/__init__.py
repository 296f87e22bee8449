"""Plots: functions that take devsim data and return a matplotlib ``Figure``.

Where things live:

* :mod:`~devsim.plots.base`: the Figure class (drawn without pyplot, shows itself as a PNG
  in Jupyter), the palette and sizes, text helpers, and the bridge to the metric registry
  (:func:`format_metric`);
* :mod:`~devsim.plots.dora`: the DORA tiles and dashboard, and scenarios against the
  published clusters (:func:`compare_dora`);
* :mod:`~devsim.plots.flow`: cumulative flow, the lead-time distribution, the value stream
  map and utilisation, drawn from event logs;
* :mod:`~devsim.plots.board`: the board of a run at one moment (:func:`step_through`);
* :mod:`~devsim.plots.sweep`: a metric against a swept field (:func:`sweep_curve`);
* :mod:`~devsim.plots.waterfall`: each group's share of a difference (:func:`waterfall`);
* :mod:`~devsim.plots.loop`: the release loop month by month: interval, release size and
  change failure rate over replications (:func:`release_loop`, :func:`release_loop_series`).

Design choices, for a room with a projector:

* colours from the Okabe-Ito palette (:data:`PALETTE`), which stays distinct for the
  common kinds of colour blindness; nothing is told by colour alone (clusters carry
  their name, markers differ in shape);
* every axis label carries its unit; no text is smaller than 11 pt;
* names, units and number formats come from :mod:`devsim.registry`, stage order from the
  log's value stream (:mod:`devsim.valuestream`);
* a DORA cluster is always shown with the report year and the classification rule
  (:data:`devsim.dora.RULE`).

matplotlib is imported inside the functions, so ``import devsim.plots`` stays cheap. Only
this package imports matplotlib.
"""
from __future__ import annotations

from .base import (BETTER_COLOUR, CLUSTER_COLOURS, OKABE_ITO, PALETTE, WORSE_COLOUR,
                   figure_class, format_metric)
from .board import step_through
from .dora import compare_dora, dora_dashboard, dora_tiles, dora_tiles_html
from .flow import cumulative_flow, lead_time_distribution, utilisation_chart, value_stream_map
from .loop import release_loop, release_loop_series
from .sweep import sweep_curve
from .team import team_trend
from .transformation import transformation_curve
from .waterfall import waterfall

__all__ = ["PALETTE", "OKABE_ITO", "CLUSTER_COLOURS", "BETTER_COLOUR", "WORSE_COLOUR",
           "format_metric", "dora_tiles", "dora_tiles_html", "dora_dashboard", "compare_dora",
           "cumulative_flow", "lead_time_distribution", "value_stream_map", "utilisation_chart",
           "sweep_curve", "step_through", "waterfall", "transformation_curve", "release_loop",
           "release_loop_series"]


def __getattr__(name: str):
    # The Figure class is made on first use (importing it imports matplotlib); figures name
    # it devsim.plots.Figure, so pickle finds it here.
    if name == "Figure":
        return figure_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
