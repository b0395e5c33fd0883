"""Command line: ``python -m masreview validate`` (and the contributor commands).

Exit status 0 when everything is valid, 1 with one message per problem otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import paths
from .loading import DataValidationError, load_dataset


def cmd_validate(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve() if args.root else paths.repo_root()
    try:
        ds = load_dataset(root)
    except DataValidationError as e:
        print(str(e), file=sys.stderr)
        return 1
    n_rows = sum(len(t) for s in ds.sources.values() for t in s.tables.values())
    print(f"data/ is valid: {len(ds.sources)} sources in {len(ds.cohorts)} cohorts, {n_rows} rows.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m masreview", description=__doc__.splitlines()[0])
    p.add_argument("--root", help="repository root (default: the one this package is installed from)")
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="check every file under data/ and the links between them")
    v.set_defaults(func=cmd_validate)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
