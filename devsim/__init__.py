"""devsim: a discrete-event model of a software delivery value stream, for teaching DevOps.

Data flows one way: Scenario -> model run -> event log -> metrics -> experiment -> plots ->
widgets -> notebooks.
"""
from .attribution import decompose
from .dora import classify, classify_all, overall_cluster
from .fit import fit
from .experiment import (Results, combine, compare, load_results, mean_ci, replicate, sweep,
                         transformation)
from .log import EventLog
from .measurement import Measurement, measure
from .metrics import LABELS, dora_metrics, flow_metrics, stage_times, summarise, utilisation
from .model import run
from .registry import METRICS, display_table, format_value
from .report import readable
from .scenario import (Scenario, ScenarioError, field_info, load_scenario, presets,
                       save_scenario, with_change_size)

__version__ = "0.1.0"

__all__ = [
    "Scenario", "ScenarioError", "presets", "field_info", "load_scenario", "save_scenario",
    "with_change_size", "run", "EventLog", "summarise", "dora_metrics", "flow_metrics",
    "stage_times", "utilisation", "LABELS", "classify", "classify_all", "overall_cluster",
    "replicate", "compare", "sweep", "transformation", "combine", "mean_ci", "Results", "load_results",
    "METRICS", "format_value", "display_table", "readable", "decompose", "measure", "Measurement", "fit",
]
