"""Command line: ``campaignlab run | interactive | validate | new | export-targets | diff | synth``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from campaignlab import iorw
from campaignlab.formatting import describe_write_fault
from campaignlab.params import ParamsError, find_project_root, load_params, slugify
from campaignlab.steps import portfolio as pstep


def _all_params(root: Path) -> list[Path]:
    return sorted((p for p in (root / "params").glob("*.yaml") if p.name != "defaults.yaml"),
                  key=lambda p: [int(t) if t.isdigit() else t for t in p.stem.replace("_", " ").split()])


def cmd_run(args: argparse.Namespace) -> int:
    from campaignlab.run import runner

    root = find_project_root()
    paths = _all_params(root) if args.all else [Path(p) for p in args.params]
    if not paths:
        print("Name one or more params files, or --all.", file=sys.stderr)
        return 2
    results, failures = runner.run_many(paths, jobs=args.jobs, root=root,
                                        outputs_dir=Path(args.outputs) if args.outputs else None,
                                        notebooks=args.notebooks or None)
    for r in results:
        html = r.report_dir / iorw.RunFiles.REVIEW_HTML
        print(f"{r.campaign_id}: {html if html.exists() else r.report_dir} ({r.seconds:.0f} s)")
    for f in failures:
        print(f"\n{f}", file=sys.stderr)
    outputs = Path(args.outputs) if args.outputs else root / "outputs"
    if (outputs / iorw.RunFiles.INDEX_HTML).exists():
        print(f"index of all reports: {outputs / iorw.RunFiles.INDEX_HTML}")
    print(f"{len(results)} campaign(s) ran, {len(failures)} failed.")
    return 1 if failures else 0


def cmd_validate(args: argparse.Namespace) -> int:
    from campaignlab import iorw

    root = find_project_root()
    paths = _all_params(root) if args.all else [Path(p) for p in args.params]
    from campaignlab.data.checks import check_campaign_inputs, transactions_span

    bad = 0
    sources: dict[tuple[str, str], dict] = {}  # (data source, cleaning) -> its tables (each source is read once)
    for path in paths:
        try:
            params = load_params(path)
            if args.data:
                key = (params.data, params.cleaning.model_dump_json())
                if key not in sources:
                    sources[key] = iorw.read_source(iorw.connect(), params.data,
                                                    encoding=params.cleaning.csv_encoding,
                                                    separator=params.cleaning.csv_separator,
                                                    decimal_comma=params.cleaning.decimal_comma)
                check_campaign_inputs(sources[key], campaign=params.campaign, control_arm=params.control_arm,
                                      params_path=str(path), source=params.data,
                                      span=transactions_span(sources[key]["transactions"]),
                                      planned_split=params.response.planned_split)
            print(f"ok  {path}  ({params.id})")
        except (ParamsError, ValueError) as exc:
            bad += 1
            print(f"ERROR {exc}", file=sys.stderr)
    return 1 if bad else 0


def cmd_new(args: argparse.Namespace) -> int:
    root = find_project_root()
    slug = slugify(args.id)
    target = Path(args.output) if args.output else root / "params" / f"{slug}.yaml"
    if target.exists():
        print(f"{target} exists already; choose another id or edit that file.", file=sys.stderr)
        return 1
    import yaml

    from campaignlab import iorw

    fields = {"id": slug, "campaign": args.campaign}
    if args.data:
        fields["data"] = args.data
    if args.control_arm:
        fields["control_arm"] = args.control_arm
    # safe_dump quotes what YAML would misread (a '#' in a path, 'no' as an arm name, 'a: b').
    lines = [yaml.safe_dump(fields, sort_keys=False, allow_unicode=True).rstrip()]
    lines.append("# Everything else comes from params/defaults.yaml; copy a key here to change it for this campaign.")
    iorw.write_text(target, "\n".join(lines) + "\n")
    try:
        load_params(target)
    except ParamsError as exc:
        iorw.remove_file(target)
        print(f"ERROR {exc}", file=sys.stderr)
        return 1
    print(f"wrote {target}; check it with `campaignlab validate {target} --data`")
    return 0


def cmd_interactive(args: argparse.Namespace) -> int:
    from campaignlab.run import runner

    try:
        built = runner.run_interactive(args.params, args.upto, say=runner.say)
    except runner.RunFailed as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return 1
    params = load_params(args.params)
    where = iorw.default_run_dir(params.id)
    print(f"built {', '.join(built)} in {where}" if built else f"{where} is up to date for {args.upto}")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:

    print(pstep.diff_runs(Path(args.a), Path(args.b)).to_string(index=False))
    return 0


def cmd_export_targets(args: argparse.Namespace) -> int:
    from campaignlab.steps.segment import export_targets
    from campaignlab.steps.targeting import export_uplift_targets

    root = find_project_root()
    params = load_params(args.params)
    run_dir = Path(args.run) if args.run else root / "outputs" / params.id
    share = args.holdout_share if args.holdout_share is not None else params.segmentation.holdout_share
    out_dir = Path(args.out) if args.out else None
    if args.uplift == bool(args.dimension or args.segments):
        print("ERROR Choose either --uplift --share S (the top share by predicted uplift) or --dimension D "
              "--segments ... (segments of 02_segment).", file=sys.stderr)
        return 2
    if args.uplift and args.share is None:
        print("ERROR --uplift needs --share, the share of the test's customers to target (e.g. 0.3).", file=sys.stderr)
        return 2
    if not args.uplift and not (args.dimension and args.segments):
        print("ERROR --dimension and --segments go together (e.g. --dimension rfm_segment --segments champions).",
              file=sys.stderr)
        return 2
    try:
        if args.uplift:
            paths = [export_uplift_targets(run_dir, share=args.share, holdout_share=share,
                                           seed=params.segmentation.seed, out_dir=out_dir)]
        else:
            paths = export_targets(run_dir, dimension=args.dimension, segments=args.segments, holdout_share=share,
                                   seed=params.segmentation.seed, out_dir=out_dir)
    except (ValueError, FileNotFoundError) as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return 1
    for p in paths:
        print(f"wrote {p}")
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    from campaignlab.data.synth import SynthSpec
    from campaignlab.synth_io import write_synth_dataset

    try:
        spec = SynthSpec(customers=args.customers, lines=args.lines, seed=args.seed, arms=args.arms,
                         holdout_share=args.holdout_share, history=args.history, effects=tuple(args.effect))
        written = write_synth_dataset(spec, Path(args.out), campaign_id=args.id, overwrite=args.overwrite,
                                      progress=lambda m: print(m, flush=True))
    except (ValueError, FileExistsError) as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return 2
    rows = ", ".join(f"{name} {n:,}" for name, n in written.rows.items())
    print(f"wrote {written.folder} in {written.seconds:.1f} s: {rows}")
    for arm, t in written.truth.items():
        print(f"planted: {arm} order rate x {1 + t['lift']:.3f} in the window, expected "
              f"+{t['incremental_orders_per_customer']:.4f} orders per customer")
    print(f"params: {written.params_path}  (campaignlab run {written.params_path})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="campaignlab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the notebook suite for campaigns")
    run.add_argument("params", nargs="*", help="params files (params/<campaign_id>.yaml)")
    run.add_argument("--all", action="store_true", help="every params file in params/")
    run.add_argument("--jobs", type=int, default=1, help="campaigns run in parallel (default 1)")
    run.add_argument("--outputs", help="outputs folder (default: outputs/)")
    run.add_argument("--notebooks", nargs="*", help="only these notebooks, e.g. 01_clean 02_segment")
    run.set_defaults(func=cmd_run)

    val = sub.add_parser("validate", help="check params files (and with --data, the data) without running")
    val.add_argument("params", nargs="*")
    val.add_argument("--all", action="store_true")
    val.add_argument("--data", action="store_true", help="also read and validate the data each file names")
    val.set_defaults(func=cmd_validate)

    new = sub.add_parser("new", help="scaffold a params file for a new campaign")
    new.add_argument("id", help="campaign slug, e.g. spring_sale_2024")
    new.add_argument("--campaign", required=True, help="campaign_id in the data's campaigns table")
    new.add_argument("--data", help="folder of canonical tables (default: the bundled data)")
    new.add_argument("--control-arm", help="arm name of the holdout group, if any")
    new.add_argument("--output", help="where to write (default params/<id>.yaml)")
    new.set_defaults(func=cmd_new)

    tgt = sub.add_parser("export-targets", help="write CRM target lists (send / holdout) for chosen segments, or "
                                                "for the top share by predicted uplift")
    tgt.add_argument("params", help="the campaign's params file (its report gives the segments)")
    tgt.add_argument("--dimension", help="e.g. rfm_segment, value_tier, lifecycle, tag_income")
    tgt.add_argument("--segments", nargs="+", help="segment values to export, e.g. champions at_risk")
    tgt.add_argument("--uplift", action="store_true", help="export the top --share of the randomized test's "
                                                           "customers by predicted uplift (03_response's targeting)")
    tgt.add_argument("--share", type=float, help="with --uplift: share of customers to target, e.g. 0.3")
    tgt.add_argument("--holdout-share", type=float, help="share kept as holdout (default: params segmentation.holdout_share)")
    tgt.add_argument("--run", help="run folder (default outputs/<campaign_id>)")
    tgt.add_argument("--out", help="folder for the CSV files (default <run folder>/targets)")
    tgt.set_defaults(func=cmd_export_targets)

    inter = sub.add_parser("interactive", help="build what a notebook opened in Lab needs, in "
                                               "outputs/_interactive/<campaign_id> (the published report is untouched)")
    inter.add_argument("params", help="the campaign's params file")
    inter.add_argument("--upto", default="05_review",
                       choices=["01_clean", "02_segment", "03_response", "04_retention", "05_review"],
                       help="the notebook to be run in Lab: the notebooks before it are built (default 05_review)")
    inter.set_defaults(func=cmd_interactive)

    diff = sub.add_parser("diff", help="compare two runs' summary.json")
    diff.add_argument("a", help="a run folder or summary.json")
    diff.add_argument("b", help="another run folder or summary.json")
    diff.set_defaults(func=cmd_diff)

    _add_synth(sub)
    return parser


def _add_synth(sub) -> None:
    """``campaignlab synth``: its options."""
    syn = sub.add_parser("synth", help="generate a canonical data set of any size with a planted campaign effect")
    syn.add_argument("--customers", type=int, required=True, help="number of customers")
    syn.add_argument("--lines", type=int, required=True, help="transaction lines to aim at (the count varies a little)")
    syn.add_argument("--out", required=True, help="folder for the Parquet tables, campaign.yaml and truth.json")
    syn.add_argument("--seed", type=int, default=0, help="random seed (same seed and sizes, same files; default 0)")
    syn.add_argument("--arms", type=int, default=1, help="treatment arms (default 1)")
    syn.add_argument("--holdout-share", type=float, default=0.2,
                     help="share of the targeted held out as a randomized control (default 0.2; 0 = no holdout)")
    syn.add_argument("--history", action=argparse.BooleanOptionalAction, default=True,
                     help="a year of history before the campaign (default), or --no-history for 90 days")
    syn.add_argument("--effect", type=float, nargs="+", default=[0.1],
                     help="planted lift of the order rate in the campaign window, one for all arms or one per arm "
                          "(default 0.1 = +10%%)")
    syn.add_argument("--id", help="the params file's id (default synth_<customers>_<lines>)")
    syn.add_argument("--overwrite", action="store_true", help="replace a data set already in --out")
    syn.set_defaults(func=cmd_synth)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ParamsError as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        # A read-only, full or forbidden folder (the data cache, say) is said in one sentence, not a traceback.
        message = describe_write_fault(exc, exc.filename or Path.cwd())
        if message is None:
            raise
        print(f"ERROR {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
