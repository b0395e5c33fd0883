"""Command line: ``python -m masreview validate`` (and the contributor commands).

Exit status 0 when everything is valid, 1 with one message per problem otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from masreview.data import paths

from masreview.data import vocab
from masreview.data.loading import load_dataset
from masreview.data.model import DataValidationError


def cmd_validate(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve() if args.root else paths.repo_root()
    try:
        ds = load_dataset(root)
        from masreview.book.contribute import chapter_issues
        from masreview.present.reproduction import reproduction_issues

        gate = reproduction_issues(ds) + chapter_issues(root, ds)
        if gate:
            raise DataValidationError(gate)
    except DataValidationError as e:
        print(str(e), file=sys.stderr)
        return 1
    n_rows = sum(len(t) for s in ds.sources.values() for t in s.tables.values())
    print(f"data/ is valid: {len(ds.sources)} sources in {len(ds.cohorts)} cohorts, {n_rows} rows.")
    return 0


def cmd_new_source(args: argparse.Namespace) -> int:
    from masreview.book.contribute import ContributeError, new_screened, new_source

    root = Path(args.root).resolve() if args.root else paths.repo_root()
    try:
        if args.status != "included":
            if args.cohort:
                raise ContributeError("--cohort is for included reports: a screened report has no cohort")
            created = new_screened(root, args.source_id, args.status, reason=args.reason, note=args.note,
                                   design=args.design, population=args.population)
        elif args.design is None:
            raise ContributeError("--design is required for an included report")
        else:
            created = new_source(root, args.source_id, args.design, population=args.population, cohort=args.cohort)
    except ContributeError as e:
        print(f"new-source: {e}", file=sys.stderr)
        return 2
    print(f"Created source {args.source_id} ({args.design or args.status}):")
    for p in created:
        print(f"  {p.relative_to(root)}")
    print("Next: replace every TODO in these files (the loader refuses any left), then run\n"
          "  python -m masreview validate\n  make book")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from masreview.generate.files import generate

    root = Path(args.root).resolve() if args.root else paths.repo_root()
    status = 0
    for a in args.folders:
        folder = Path(a) if Path(a).is_absolute() or Path(a).exists() else root / a
        try:
            written = generate(folder)
        except DataValidationError as e:
            print(str(e), file=sys.stderr)
            status = 1
            continue
        if not written:
            print(f"{a}: declares no generator (reconstruction.yaml or trajectories.yaml)", file=sys.stderr)
        for p in written:
            print(f"wrote {p}")
    return status


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m masreview", description=__doc__.splitlines()[0])
    p.add_argument("--root", help="repository root (default: the one this package is installed from)")
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="check every file under data/ and the links between them")
    v.set_defaults(func=cmd_validate)
    n = sub.add_parser("new-source", help="create the data folder, chapter, citation stub and table-of-contents "
                                          "entry of a newly published source (never overwrites)")
    n.add_argument("source_id", help="firstauthor-year-shortname, lowercase (e.g. chen-2026-pediatr-rheumatol; "
                                      "author-not-shown-2019-blood-abstract-1042 when the page read shows no author)")
    n.add_argument("--design", choices=list(vocab.DESIGNS),
                   help="required for an included report; optional for a screened one (its place on the evidence map)")
    n.add_argument("--status", default="included", choices=list(vocab.STATUSES),
                   help="included (default); excluded or awaiting: only the record, citation and changelog line")
    n.add_argument("--reason", choices=list(vocab.EXCLUSION_REASONS), help="why an excluded report is excluded")
    n.add_argument("--note", help="one sentence on the exclusion, for readers")
    n.add_argument("--population", choices=list(vocab.POPULATIONS), help="adult, paediatric or mixed (also for a screened report: its place on the evidence map)")
    n.add_argument("--cohort", help="an existing cohort id, when the source reports patients already in the review")
    n.set_defaults(func=cmd_new_source)
    g = sub.add_parser("generate", help="write the tables a source's reconstruction.yaml / trajectories.yaml declare")
    g.add_argument("folders", nargs="+", help="source folders, e.g. data/sources/li-2025-front-immunol")
    g.set_defaults(func=cmd_generate)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
