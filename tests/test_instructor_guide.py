"""The instructor guide's expected-results table is the model's current output."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_expected_results_table_matches_the_model():
    proc = subprocess.run([sys.executable, "scripts/expected_results.py", "--check",
                           "docs/instructor-guide.md"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_guide_names_the_commands_it_relies_on():
    text = (ROOT / "docs" / "instructor-guide.md").read_text(encoding="utf-8")
    for needle in ("devsim workspace", "devsim leaderboard", "voila notebooks/projector.ipynb",
                   "<!-- expected-results:start -->"):
        assert needle in text
