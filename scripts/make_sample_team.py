"""Write the course's sample team: notebooks/data/sample_team/ (Four Keys' three tables).

Lesson 09 ("Your team") measures these records and fits a model to them without saying
how they were made; its last section reveals the scenario below and compares it with the
fit. Run again after a change to the model (``--force`` replaces the files):

    python scripts/make_sample_team.py --force
"""
from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import devsim
from devsim.fit import export_fourkeys

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "notebooks" / "data" / "sample_team"
#: The scenario, for the lesson's reveal (outside the records' folder).
ANSWER = ROOT / "notebooks" / "data" / "sample_team_scenario.yaml"
SEED = 7
START = "2024-01-01"


def sample_team() -> devsim.Scenario:
    """The hidden organisation: automated siloes, peer review, a weekly release train."""
    return replace(devsim.presets()["siloed_automated"], name="sample_team",
                   arrival_rate_per_day=1.2, change_size_person_hours=10.0,
                   approval="peer", release_interval_days=7.0, monitoring=0.5,
                   security_review_share=0.5,
                   horizon_days=395.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="replace the files")
    args = parser.parse_args()
    info = export_fourkeys(sample_team(), OUT, seed=SEED, start=START, overwrite=args.force)
    devsim.save_scenario(sample_team(), ANSWER, overwrite=args.force)
    print(f"{OUT}: {info['deploys']} deploys, {info['changes']} changes, "
          f"{info['incidents']} incidents")


if __name__ == "__main__":
    main()
