"""Scenario controls: one ipywidgets control per Scenario field, built from its metadata.

Owns the step grid of a slider (:class:`_Grid`: every value the browser can send lies on
``k * step``) and the Accordion of field groups. Reads ranges, steps, units and help texts
from :func:`devsim.scenario.field_info` and the group titles from
:data:`devsim.scenario.GROUP_TITLES`; imports nothing else from devsim.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Callable, Sequence

import ipywidgets as W

from ..scenario import FIELD_GROUPS, GROUP_TITLES, Scenario, field_info

__all__ = ["ScenarioControls", "scenario_controls"]

_DESCRIPTION_STYLE = {"description_width": "17em"}
_CONTROL_LAYOUT = {"width": "42em", "max_width": "100%"}


@dataclass(frozen=True)
class _Grid:
    """A slider's range and step; every value it shows is ``k * step`` within [lo, hi]."""

    lo: float
    hi: float
    step: float
    decimals: int
    is_int: bool

    @classmethod
    def from_meta(cls, meta: dict[str, Any], is_int: bool) -> "_Grid":
        lo, hi, step = meta["min"], meta.get("slider_max") or meta["max"], meta["step"]
        if is_int:
            return cls(int(lo), int(hi), int(step or 1), 0, True)
        step = float(step) if step else (hi - lo) / 100.0
        decimals = max(0, -Decimal(repr(step)).normalize().as_tuple().exponent)
        # The browser's grid starts at the slider's min, so the ends are moved inwards onto
        # multiples of step: 0.05, 0.10, ... rather than 0.01, 0.06, ... (2.0 stays 2.0).
        g_lo = round(math.ceil(lo / step - 1e-9) * step, decimals)
        g_hi = round(math.floor(hi / step + 1e-9) * step, decimals)
        return cls(g_lo, g_hi, step, decimals, False)

    def snap(self, value: float) -> float | int:
        if self.is_int:
            k = round((value - self.lo) / self.step)
            return int(min(max(self.lo + k * self.step, self.lo), self.hi))
        v = round(round(value / self.step) * self.step, self.decimals)
        return min(max(v, self.lo), self.hi)


def _description(meta: dict[str, Any]) -> str:
    return f"{meta['label']} ({meta['unit']})" if meta["unit"] else meta["label"]


class ScenarioControls:
    """One control per Scenario field, grouped in an Accordion, generated from the metadata.

    Numbers get an ``IntSlider`` or ``FloatSlider`` (min, max and step from the metadata,
    updating on release), choices a ``Dropdown``; each is labelled with its unit and has the
    field's help as a tooltip. Fields outside ``groups`` keep the base scenario's value.

    A value loaded from a file need not lie on a slider's grid (e.g. an arrival rate of
    1.333 per day). The slider shows the nearest grid value, and :meth:`get_scenario` keeps
    the exact loaded value until that slider is moved.

    Parameters
    ----------
    scenario : Scenario
        The base scenario: initial values and the values of fields without a control.
    groups : sequence of str, optional
        Field groups to show, in order (default: all, run settings last).

    Attributes
    ----------
    widget : ipywidgets.Accordion
        The controls, one panel per group.
    controls : dict
        Field name -> control widget.
    """

    def __init__(self, scenario: Scenario, groups: Sequence[str] | None = None):
        if not isinstance(scenario, Scenario):
            raise TypeError(f"scenario: expected a Scenario, got {type(scenario).__name__}")
        groups = tuple(groups) if groups is not None else tuple(GROUP_TITLES)
        unknown = [g for g in groups if g not in FIELD_GROUPS]
        if unknown:
            raise ValueError(f"groups: {unknown[0]!r} is not a field group; choose from "
                             f"{', '.join(FIELD_GROUPS)}")
        self._base = scenario
        self._grids: dict[str, _Grid] = {}
        self.controls: dict[str, W.ValueWidget] = {}
        info = field_info()
        panels, titles = [], []
        for group in groups:
            names = [n for n, m in info.items() if m["group"] == group and n != "name"]
            for n in names:
                self.controls[n] = self._make(n, info[n], getattr(scenario, n))
            panels.append(W.VBox([self.controls[n] for n in names]))
            titles.append(GROUP_TITLES.get(group, group))
        self.widget = W.Accordion(children=panels, titles=tuple(titles), selected_index=None)

    def _make(self, name: str, meta: dict[str, Any], value: Any) -> W.ValueWidget:
        common = dict(description=_description(meta), tooltip=meta["help"],
                      style=dict(_DESCRIPTION_STYLE), layout=W.Layout(**_CONTROL_LAYOUT))
        if meta["choices"] is not None:
            return W.Dropdown(options=list(meta["choices"]), value=value, **common)
        is_int = isinstance(meta["default"], int) and not isinstance(meta["default"], bool)
        grid = _Grid.from_meta(meta, is_int)
        self._grids[name] = grid
        if is_int:
            return W.IntSlider(min=grid.lo, max=grid.hi, step=grid.step, value=grid.snap(value),
                               continuous_update=False, **common)
        return W.FloatSlider(min=grid.lo, max=grid.hi, step=grid.step, value=grid.snap(value),
                             readout_format=f".{grid.decimals}f", continuous_update=False,
                             **common)

    @property
    def base(self) -> Scenario:
        """The scenario the controls were last set from."""
        return self._base

    def _value(self, name: str) -> Any:
        value = self.controls[name].value
        grid = self._grids.get(name)
        return grid.snap(value) if grid is not None else value

    def get_scenario(self) -> Scenario:
        """The Scenario the controls describe.

        Returns
        -------
        Scenario
            The base scenario with the values of the controls that moved off it.

        Raises
        ------
        ScenarioError
            When the values do not form a valid scenario (the message names the field).
        """
        changes = {}
        for name in self.controls:
            value = self._value(name)
            base_value = getattr(self._base, name)
            grid = self._grids.get(name)
            shown = grid.snap(base_value) if grid is not None else base_value
            if value != shown:
                changes[name] = value
        return replace(self._base, **changes) if changes else self._base

    def set_scenario(self, scenario: Scenario) -> None:
        """Show ``scenario`` in the controls (it becomes the base). Observers fire per change.

        Parameters
        ----------
        scenario : Scenario
        """
        self._base = scenario
        for name, control in self.controls.items():
            value = getattr(scenario, name)
            grid = self._grids.get(name)
            control.value = grid.snap(value) if grid is not None else value

    def observe(self, handler: Callable[[dict], None]) -> None:
        """Call ``handler(change)`` whenever a control's value changes.

        Parameters
        ----------
        handler : callable
            Receives the ipywidgets change dict.
        """
        for control in self.controls.values():
            control.observe(handler, names="value")


def scenario_controls(scenario: Scenario, groups: Sequence[str] | None = None
                      ) -> tuple[W.Accordion, Callable[[], Scenario]]:
    """Controls for every field of ``scenario`` and a function that reads them back.

    Parameters
    ----------
    scenario : Scenario
        Initial values.
    groups : sequence of str, optional
        Field groups to show (see :data:`devsim.scenario.GROUP_TITLES`).

    Returns
    -------
    widget : ipywidgets.Accordion
    get_scenario : callable
        Returns the Scenario the controls describe; raises ScenarioError if it is invalid.

    See Also
    --------
    ScenarioControls : the same, with access to the individual controls.
    """
    controls = ScenarioControls(scenario, groups)
    return controls.widget, controls.get_scenario
