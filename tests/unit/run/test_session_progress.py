"""open_run keeps tqdm's "IProgress not found" warning out of notebooks (pymc-marketing imports tqdm.auto)."""

from __future__ import annotations

import subprocess
import sys

# A notebook kernel as tqdm.autonotebook detects one (ipykernel.zmqshell imported), without ipywidgets.
KERNEL_LIKE = """
import sys, types, warnings
import IPython
sys.modules.setdefault("ipykernel.zmqshell", types.ModuleType("ipykernel.zmqshell"))
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as seen:
    {before}
    import tqdm.auto
print(sum("IProgress not found" in str(w.message) for w in seen))
"""


def _warnings_seen(before: str) -> int:
    out = subprocess.run([sys.executable, "-c", KERNEL_LIKE.format(before=before)], capture_output=True, text=True,
                         check=True)
    return int(out.stdout.strip().splitlines()[-1])


def test_tqdm_auto_warns_in_a_kernel_without_ipywidgets():
    # What the session start prevents; if ipywidgets gets installed this no longer warns and the guard is moot.
    assert _warnings_seen("pass") == 1


def test_the_session_start_silences_it_and_only_it():
    code = ("from campaignlab.run import session; session._quiet_progress_bars(); "
            "assert not any('IProgress' in str(f[1]) for f in warnings.filters if f[1] is not None)")
    assert _warnings_seen(code) == 0
