"""The whole suite, cold, on generated data of growing size, next to hand-written DuckDB and pandas references.

For each size (transaction lines; 10 lines per customer), the script

1. generates a data set with ``campaignlab synth`` (reused when the folder already holds the same one; the
   generation is timed but is not part of the suite),
2. runs ``campaignlab run DIR/campaign.yaml`` in a fresh data cache and a fresh outputs folder (validation and
   cleaning included), sampling the CPU time and resident memory of the runner and all its children (the
   notebook kernels) every 0.2 s with psutil (or /proc when psutil is missing), and splits the run into phases by
   the runner's progress lines: start-up with validation and cleaning (``data ... cleaned``), each notebook (from
   ``[id] NN_name ...`` to ``[id] NN_name done``, HTML export included), then publishing and the portfolio,
3. runs the references in their own processes, sampled the same way: one hand-written DuckDB query computing the
   per-customer aggregates the analysis needs (recency, frequency and monetary over the 365 days before the
   campaign; orders and revenue in the pre-period, the campaign window and the post-period; the arm joined), and
   the same in pandas up to ``--pandas-max`` lines (30M: beyond, it does not fit in memory here).

"Data work" is validation, cleaning and the per-customer feature table: the start-up phase, ``01_clean`` and any
phase whose name holds ``feature``. It prints one table per size, writes ``scale.csv`` and draws ``scale.png``
(log-log, cost against size) in ``--out``. Before anything it checks the free disk space of ``--workdir`` and
refuses a size that would not fit. CPU time is summed over the process tree (a process that ends between two
samples loses at most its last 0.2 s); peak memory is the largest sum of resident memory over the tree.

    .venv/bin/python benchmarks/scale.py --sizes 1M 10M          # run
    .venv/bin/python benchmarks/scale.py --sizes 100M --dry-run  # disk check and plan only
    .venv/bin/python benchmarks/scale.py --sizes 2M --generate-only

Run it with ``PYTHONPATH=<checkout>/lib`` when the venv's editable install points at another checkout.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINES_PER_CUSTOMER = 10
#: Disk needed per transaction line: generated Parquet, the cleaned cache and its rejected rows, the run's
#: per-customer files (about 30 B a line together, measured at 1M lines) and DuckDB's spill files, with a wide margin.
BYTES_PER_LINE = 150
SAMPLE_SECONDS = 0.2
MACHINE = f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"


def parse_size(text: str) -> int:
    """'1M' -> 1_000_000, '500k' -> 500_000, '2500000' -> 2_500_000."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"size {text!r}: write a number of lines, e.g. 1M, 500k, 2500000")
    scale = {"": 1, "k": 1_000, "m": 1_000_000, "g": 1_000_000_000}[m.group(2).lower()]
    return int(float(m.group(1)) * scale)


def label(lines: int) -> str:
    return f"{lines // 1_000_000}M" if lines % 1_000_000 == 0 else f"{lines // 1_000}k"


# ------------------------------------------------------------------------------------------ process-tree sampling
class _ProcTree:
    """CPU seconds and resident bytes of a process and its descendants, from psutil or /proc.

    CPU counts each live process's own time plus the time of the children it has reaped (``children_user``/
    ``cutime``): a kernel that ended is counted in the runner that waited for it, once.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        try:
            import psutil

            self._psutil = psutil
        except ImportError:
            self._psutil = None
        self._tick = os.sysconf("SC_CLK_TCK")
        self._page = os.sysconf("SC_PAGE_SIZE")

    def _psutil_sample(self) -> tuple[float, int]:
        ps = self._psutil
        try:
            root = ps.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except ps.NoSuchProcess:
            return 0.0, 0
        cpu, rss = 0.0, 0
        for p in procs:
            try:
                with p.oneshot():
                    t = p.cpu_times()
                    cpu += t.user + t.system + t.children_user + t.children_system
                    rss += p.memory_info().rss
            except ps.NoSuchProcess:
                continue
        return cpu, rss

    def _proc_sample(self) -> tuple[float, int]:
        parents: dict[int, int] = {}
        stats: dict[int, list[str]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                raw = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = raw[raw.rfind(")") + 2:].split()  # after the command name, which may hold spaces
            parents[int(entry)] = int(fields[1])
            stats[int(entry)] = fields
        tree, frontier = {self.pid}, [self.pid]
        while frontier:
            kids = [p for p, pp in parents.items() if pp in frontier and p not in tree]
            tree.update(kids)
            frontier = kids
        cpu, rss = 0.0, 0
        for pid in tree & stats.keys():
            f = stats[pid]  # fields[0] is the state: utime is field 14 of stat, index 11 here
            cpu += sum(int(x) for x in f[11:15]) / self._tick
            rss += int(f[21]) * self._page
        return cpu, rss

    def sample(self) -> tuple[float, int]:
        return self._psutil_sample() if self._psutil else self._proc_sample()


@dataclass
class Sampler:
    """Samples a process tree in a thread: ``samples`` holds (time, cpu seconds, resident bytes)."""

    pid: int
    samples: list[tuple[float, float, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._tree = _ProcTree(self.pid)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def now(self) -> None:
        cpu, rss = self._tree.sample()
        with self._lock:
            last_cpu = self.samples[-1][1] if self.samples else 0.0
            # CPU of the tree never goes down; a sample taken as a process exits may miss it for a moment
            self.samples.append((time.perf_counter(), max(cpu, last_cpu), rss))

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.now()

    def __enter__(self) -> Sampler:
        self.now()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def window(self, t0: float, t1: float) -> tuple[float, float]:
        """CPU seconds used and peak resident bytes between two moments."""
        inside = [s for s in self.samples if t0 <= s[0] <= t1]
        before = [s for s in self.samples if s[0] <= t0]
        start_cpu = before[-1][1] if before else 0.0
        end_cpu = inside[-1][1] if inside else start_cpu
        peak = max((s[2] for s in inside), default=0)
        return end_cpu - start_cpu, peak


@dataclass
class Measured:
    name: str
    wall: float
    cpu: float
    peak_bytes: int
    papermill: float | None = None  # the executed notebook's metadata.papermill.duration, when it is one


def run_sampled(cmd: list[str], env: dict[str, str], log: Path, on_line=None) -> tuple[int, list[tuple[float, str]],
                                                                                       Sampler, float, float]:
    """Run a command, sampling its process tree; returns (exit code, timed output lines, sampler, start, end)."""
    lines: list[tuple[float, str]] = []
    t0 = time.perf_counter()
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                bufsize=1)
        with Sampler(proc.pid) as sampler:
            for line in proc.stdout:
                now = time.perf_counter()
                sampler.now()
                fh.write(line)
                lines.append((now, line.rstrip("\n")))
                if on_line:
                    on_line(line.rstrip("\n"))
            code = proc.wait()
            t1 = time.perf_counter()
            sampler.now()
    return code, lines, sampler, t0, t1


# ----------------------------------------------------------------------------------------------- the suite
def phases(lines: list[tuple[float, str]], t0: float, t1: float) -> list[tuple[str, float, float]]:
    """(name, start, end) of start-up and cleaning, each notebook, and publishing, from the runner's lines."""
    starts = [(t, m.group(1)) for t, text in lines if (m := re.match(r"\[[^\]]+\] (\S+) \.\.\.$", text))]
    ends = {m.group(1): t for t, text in lines if (m := re.match(r"\[[^\]]+\] (\S+) done in ", text))}
    out, cursor = [], t0
    first = starts[0][0] if starts else t1
    out.append(("start + validate + clean", cursor, first))
    cursor = first
    for t_start, name in starts:
        end = ends.get(name, t1)
        out.append((name, t_start, end))
        cursor = end
    out.append(("publish + portfolio", cursor, t1))
    return out


def papermill_duration(outputs: Path, notebook: str) -> float | None:
    """Seconds papermill recorded for an executed notebook of the published report (None if there is none)."""
    found = [p for p in outputs.glob(f"*/{notebook}.ipynb") if not p.parent.name.startswith("_")]
    if len(found) != 1:
        return None
    return json.loads(found[0].read_text()).get("metadata", {}).get("papermill", {}).get("duration")


def run_suite(params_path: Path, work: Path, say) -> tuple[list[Measured], bool]:
    cache, outputs = work / "cache", work / "outputs"
    for folder in (cache, outputs):
        shutil.rmtree(folder, ignore_errors=True)
    env = {**os.environ, "CAMPAIGNLAB_CACHE": str(cache), "PYTHONPATH": str(ROOT / "lib")}
    cmd = [sys.executable, "-m", "campaignlab.run.cli", "run", str(params_path), "--outputs", str(outputs)]
    code, lines, sampler, t0, t1 = run_sampled(cmd, env, work / "suite.log", on_line=lambda m: say(f"    {m}"))
    measured = []
    for name, a, b in phases(lines, t0, t1):
        cpu, peak = sampler.window(a, b)
        measured.append(Measured(name, b - a, cpu, peak, papermill_duration(outputs, name)))
    cpu, peak = sampler.window(t0, t1)
    data = [m for m in measured if m.name in ("start + validate + clean", "01_clean") or "feature" in m.name]
    parts = ["validate + clean" if m.name.startswith("start") else m.name for m in data]
    measured.append(Measured(f"data work ({' + '.join(parts)})",
                             sum(m.wall for m in data), sum(m.cpu for m in data), max(m.peak_bytes for m in data)))
    measured.append(Measured("whole run", t1 - t0, cpu, peak))
    return measured, code == 0


# ------------------------------------------------------------------------------------------------ references
REFERENCE_SQL = """
with camp as (
    select start_date::timestamp as s, end_date::timestamp as e from '{d}/campaigns.parquet' where campaign_id = 'SIM1'
), orders as (
    select customer_id, order_id, min(ts) as ts, sum(amount) as revenue
    from '{d}/transactions.parquet' group by customer_id, order_id
), per_customer as (
    select o.customer_id,
        date_diff('day', max(o.ts) filter (o.ts >= s - interval 365 day and o.ts < s), s) as recency_days,
        count(*) filter (o.ts >= s - interval 365 day and o.ts < s) as frequency,
        sum(revenue) filter (o.ts >= s - interval 365 day and o.ts < s) as monetary,
        count(*) filter (o.ts >= s - interval 90 day and o.ts < s) as pre_orders,
        sum(revenue) filter (o.ts >= s - interval 90 day and o.ts < s) as pre_revenue,
        count(*) filter (o.ts >= s and o.ts < e) as window_orders,
        sum(revenue) filter (o.ts >= s and o.ts < e) as window_revenue,
        count(*) filter (o.ts >= e and o.ts < e + interval 90 day) as post_orders,
        sum(revenue) filter (o.ts >= e and o.ts < e + interval 90 day) as post_revenue
    from orders o, camp group by o.customer_id, s, e
)
select c.customer_id, a.arm, p.recency_days, coalesce(p.frequency, 0) as frequency, p.monetary,
    coalesce(p.pre_orders, 0) as pre_orders, p.pre_revenue, coalesce(p.window_orders, 0) as window_orders,
    p.window_revenue, coalesce(p.post_orders, 0) as post_orders, p.post_revenue
from '{d}/customers.parquet' c
left join per_customer p using (customer_id)
left join (select customer_id, arm from '{d}/assignments.parquet' where campaign_id = 'SIM1') a using (customer_id)
"""


def duckdb_aggregates(data: Path):
    """The per-customer aggregates by one hand-written DuckDB query, as an Arrow table."""
    import duckdb

    return duckdb.connect().sql(REFERENCE_SQL.format(d=data)).to_arrow_table()


def pandas_aggregates(data: Path):
    """The same aggregates in pandas (money as float64, as a pandas user would read it)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    camp = pd.read_parquet(data / "campaigns.parquet").set_index("campaign_id").loc["SIM1"]
    s, e = pd.Timestamp(camp["start_date"]), pd.Timestamp(camp["end_date"])
    tx = pq.read_table(data / "transactions.parquet", columns=["customer_id", "order_id", "ts", "amount"])
    tx = tx.set_column(3, "amount", tx["amount"].cast(pa.float64())).to_pandas()
    orders = tx.groupby(["customer_id", "order_id"], as_index=False).agg(ts=("ts", "min"), revenue=("amount", "sum"))
    del tx
    windows = {"rfm": (s - pd.Timedelta(days=365), s), "pre": (s - pd.Timedelta(days=90), s), "window": (s, e),
               "post": (e, e + pd.Timedelta(days=90))}
    parts = []
    for name, (a, b) in windows.items():
        sel = orders[(orders.ts >= a) & (orders.ts < b)]
        g = sel.groupby("customer_id").agg(orders=("ts", "size"), revenue=("revenue", "sum"), last=("ts", "max"))
        if name == "rfm":
            g = pd.DataFrame({"recency_days": (s - g["last"].dt.normalize()).dt.days,
                              "frequency": g["orders"], "monetary": g["revenue"]})
        else:
            g = g[["orders", "revenue"]].add_prefix(f"{name}_")
        parts.append(g)
    customers = pd.read_parquet(data / "customers.parquet", columns=["customer_id"])
    asg = pd.read_parquet(data / "assignments.parquet")
    asg = asg.loc[asg.campaign_id == "SIM1", ["customer_id", "arm"]]
    features = pd.concat(parts, axis=1)
    counts = [c for c in features.columns if c.endswith("_orders") or c == "frequency"]
    features[counts] = features[counts].fillna(0).astype("int64")
    out = customers.merge(asg, on="customer_id", how="left").merge(features, left_on="customer_id",
                                                                    right_index=True, how="left")
    out[counts] = out[counts].fillna(0).astype("int64")
    return out


def reference_duckdb(data: Path) -> dict:
    t = time.perf_counter()
    table = duckdb_aggregates(data)
    return {"rows": table.num_rows, "seconds": time.perf_counter() - t}


def reference_pandas(data: Path) -> dict:
    t = time.perf_counter()
    frame = pandas_aggregates(data)
    return {"rows": len(frame), "seconds": time.perf_counter() - t}


def run_reference(kind: str, data: Path, work: Path) -> Measured | None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "lib")}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--reference", kind, "--data", str(data)]
    code, lines, sampler, t0, t1 = run_sampled(cmd, env, work / f"reference_{kind}.log")
    if code != 0:
        return None
    result = json.loads(lines[-1][1])
    cpu, peak = sampler.window(t0, t1)
    print(f"    {kind}: {result['rows']:,} customers aggregated", flush=True)
    return Measured(f"reference: {kind} query", result["seconds"], cpu, peak)


# ----------------------------------------------------------------------------------------------- data and disk
def disk_needed(lines: int) -> int:
    return lines * BYTES_PER_LINE


def check_disk(sizes: list[int], workdir: Path) -> list[str]:
    """One message per size that does not fit in the free space of ``workdir`` (sizes run one after another)."""
    probe = workdir if workdir.exists() else next(p for p in workdir.parents if p.exists())
    free = shutil.disk_usage(probe).free
    return [f"{label(n)} lines need about {disk_needed(n) / 1e9:.1f} GB free in {probe}; "
            f"{free / 1e9:.1f} GB are free. Free some space or choose another --workdir."
            for n in sizes if disk_needed(n) > free]


def ensure_data(lines: int, folder: Path, seed: int, say) -> Measured | None:
    """Generate the data set unless ``folder`` holds the same one; returns the generation's cost (None if reused)."""
    customers = lines // LINES_PER_CUSTOMER
    truth = folder / "truth.json"
    if truth.is_file():
        spec = json.loads(truth.read_text())["spec"]
        if (spec["customers"], spec["lines"], spec["seed"]) == (customers, lines, seed):
            say(f"  data: reusing {folder}")
            return None
    cmd = [sys.executable, "-m", "campaignlab.run.cli", "synth", "--customers", str(customers), "--lines",
           str(lines), "--out", str(folder), "--seed", str(seed), "--overwrite"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "lib")}
    folder.parent.mkdir(parents=True, exist_ok=True)
    code, _lines, sampler, t0, t1 = run_sampled(cmd, env, folder.parent / f"synth_{label(lines)}.log",
                                                 on_line=lambda m: say(f"    {m}"))
    if code != 0:
        raise SystemExit(f"campaignlab synth failed; see {folder.parent / f'synth_{label(lines)}.log'}")
    cpu, peak = sampler.window(t0, t1)
    return Measured("generate (campaignlab synth, not part of the run)", t1 - t0, cpu, peak)


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


# ------------------------------------------------------------------------------------------------ report
def print_table(lines: int, rows: list[Measured], say) -> None:
    say(f"\n{label(lines)} lines / {lines // LINES_PER_CUSTOMER:,} customers")
    say(f"{'':<52}{'wall s':>9}{'CPU s':>9}{'peak GB':>9}{'papermill s':>13}")
    for m in rows:
        pm = f"{m.papermill:>13.1f}" if m.papermill is not None else ""
        say(f"{m.name:<52}{m.wall:>9.1f}{m.cpu:>9.1f}{m.peak_bytes / 1e9:>9.2f}{pm}")
    say("(wall: from the runner's progress lines, kernel start and HTML export included; papermill s: the "
        "notebook's metadata.papermill.duration; peak: resident memory summed over the process tree)")


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
    names = [n for n in dict.fromkeys(r["item"] for r in results) if not n.startswith("generate")]
    colors = plt.get_cmap("tab20").colors
    for i, name in enumerate(names):
        pts = sorted((r["lines"], r["wall_s"], r["cpu_s"], r["peak_gb"]) for r in results if r["item"] == name)
        style = "--" if name.startswith("reference") else "-"
        width = 2.5 if name.startswith(("whole", "data work", "reference")) else 1.0
        for ax, k, floor in zip(axes, (1, 2, 3), (1e-2, 1e-2, 1e-3)):
            ax.plot([p[0] for p in pts], [max(p[k], floor) for p in pts], style, marker="o", lw=width,
                    color=colors[i % len(colors)], label=name)
    for ax, what in zip(axes, ("wall time (s)", "CPU time of the process tree (s)",
                               "peak memory of the process tree (GB)")):
        ax.set(xscale="log", yscale="log", xlabel="transaction lines", ylabel=what)
        ax.grid(True, which="both", alpha=0.3)
    axes[-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.suptitle(f"campaignlab suite cost against data size (10 lines per customer; {MACHINE})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_csv(results: list[dict], path: Path) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(results[0]))
        writer.writeheader()
        writer.writerows(results)


def measure_size(lines: int, args: argparse.Namespace, say) -> tuple[list[Measured], dict]:
    work = args.workdir / label(lines)
    data = work / "data"
    gen = ensure_data(lines, data, args.seed, say)
    rows = [gen] if gen else []
    extra = {"data_gb": folder_bytes(data) / 1e9}
    if not args.generate_only:
        if not args.no_suite:
            say("  suite:")
            suite, ok = run_suite(data / "campaign.yaml", work, say)
            rows += suite
            extra["run_ok"] = ok
            extra["cache_gb"] = folder_bytes(work / "cache") / 1e9
            extra["outputs_gb"] = folder_bytes(work / "outputs") / 1e9
            if not args.keep:
                shutil.rmtree(work / "cache", ignore_errors=True)
        say("  references:")
        for kind in ("duckdb", "pandas"):
            if kind == "pandas" and lines > args.pandas_max:
                say(f"    pandas skipped above {label(args.pandas_max)} lines (--pandas-max)")
                continue
            ref = run_reference(kind, data, work)
            if ref is None:
                say(f"    {kind} reference failed; see {work / f'reference_{kind}.log'}")
            else:
                rows.append(ref)
    return rows, extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=parse_size, default=[1_000_000, 10_000_000, 100_000_000],
                        help="transaction lines per data set (default 1M 10M 100M)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "outputs" / "_scale",
                        help="data, caches and runs (default outputs/_scale, git-ignored)")
    parser.add_argument("--out", type=Path, help="scale.csv and scale.png (default: --workdir)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pandas-max", type=parse_size, default=30_000_000,
                        help="largest size the pandas reference runs at (default 30M)")
    parser.add_argument("--dry-run", action="store_true", help="check disk space and print the plan, run nothing")
    parser.add_argument("--generate-only", action="store_true", help="generate the data sets and stop")
    parser.add_argument("--no-suite", action="store_true", help="references only")
    parser.add_argument("--keep", action="store_true", help="keep each size's cleaned-data cache")
    parser.add_argument("--reference", choices=["duckdb", "pandas"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.reference:  # a child process: one reference computation, its result as JSON on the last line
        result = (reference_duckdb if args.reference == "duckdb" else reference_pandas)(args.data)
        print(json.dumps(result))
        return 0

    def say(msg: str) -> None:
        print(msg, flush=True)

    problems = check_disk(args.sizes, args.workdir)
    for n in args.sizes:
        say(f"{label(n)} lines, {n // LINES_PER_CUSTOMER:,} customers: about {disk_needed(n) / 1e9:.1f} GB of disk")
    if problems:
        for p in problems:
            print(f"REFUSED {p}", file=sys.stderr)
        return 2
    if args.dry_run:
        say(f"disk ok in {args.workdir}; dry run: nothing generated or run")
        return 0
    out = args.out or args.workdir
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for n in args.sizes:
        say(f"\n== {label(n)} lines ==")
        rows, extra = measure_size(n, args, say)
        print_table(n, rows, say)
        say("  disk: " + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in extra.items()))
        results += [{"lines": n, "customers": n // LINES_PER_CUSTOMER, "item": m.name, "wall_s": round(m.wall, 2),
                     "cpu_s": round(m.cpu, 2), "peak_gb": round(m.peak_bytes / 1e9, 3),
                     "papermill_s": None if m.papermill is None else round(m.papermill, 2),
                     "machine": MACHINE} for m in rows]
    if results:
        write_csv(results, out / "scale.csv")
        plot(results, out / "scale.png")
        say(f"\nwrote {out / 'scale.csv'} and {out / 'scale.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
