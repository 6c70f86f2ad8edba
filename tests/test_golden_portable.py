"""The golden notebooks must pass on another processor, not only on the machine that made them.

A golden notebook that prints digits an optimiser or a float sum leaves to chance (a degenerate fit's
parameter, a sum in another order) passes where it was made and fails elsewhere. This test re-runs the
nbval comparison with the numerical stack made to compute as a different machine would: OpenBLAS forced
to another CPU's kernels, one thread instead of several, and NumPy's SIMD loops (which change the order of
float sums) limited to the baseline instruction set. Anything that changes under these settings is not a
result and must not be printed with those digits; tests/nbval_sanitize.cfg is for truly volatile text only
(addresses, paths, times).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Another machine, as far as environment variables can make one: OpenBLAS' SSE4 kernels (this project's
#: machines pick AVX2 or AVX-512 ones), single-threaded BLAS and OpenMP, NumPy SIMD at its X86_V2 baseline.
OTHER_MACHINE = {
    "OPENBLAS_CORETYPE": "Nehalem",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR",
}


@pytest.mark.skipif(sys.platform != "linux" or os.uname().machine != "x86_64",
                    reason="the kernel and SIMD names are those of x86-64 Linux")
def test_goldens_pass_with_another_machines_numerics():
    env = {**os.environ, **OTHER_MACHINE}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
         "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", "tests/golden"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-60:])
    assert proc.returncode == 0, f"golden notebooks differ under {OTHER_MACHINE}:\n{tail}"
    assert " passed" in proc.stdout and " failed" not in proc.stdout, tail
