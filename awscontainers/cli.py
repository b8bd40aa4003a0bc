"""The ``awscontainers`` command: ``awscontainers server`` starts a shared moto server for a
workshop room; ``awscontainers modes`` prints who runs what in each hosting mode."""

from __future__ import annotations

import argparse
import sys


def _server(args: argparse.Namespace) -> int:
    from .server import start_server

    server = start_server(port=args.port, host=args.host)
    print(f"moto server running at {server.url} (Ctrl-C stops it)")
    print(
        "Learners connect with: "
        f'Lab(endpoint_url="http://<this-host>:{args.port}", learner="<name>")'
    )
    try:
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def _modes(args: argparse.Namespace) -> int:
    from .modes import responsibility_table

    print(responsibility_table().to_text())
    return 0


def _diagrams(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .draw.render import default_renderer
    from .draw.responsibility import write_diagrams

    # Find the renderer first, so a missing one fails before any file is written.
    renderer = default_renderer()
    for path in write_diagrams(Path(args.out)):
        print(f"wrote {path}")
    print(f"rendered with {renderer.describe()}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    import json

    from .chooser import recommend
    from .costs import compare, load_prices
    from .errors import LabError
    from .workload import Workload

    try:
        workload = Workload.from_file(args.workload)
        prices = load_prices(args.prices)
    except LabError as err:
        # A bad file is the user's to fix: say what and how, without a traceback.
        print(f"awscontainers compare: {err}", file=sys.stderr)
        return 2
    comparison = compare(workload, prices)
    # One comparison feeds both outputs, so the recommendation quotes the same numbers.
    recommendation = recommend(workload, prices, comparison=comparison)
    if args.format == "json":
        data = comparison.to_dict()
        data["recommendation"] = recommendation.to_dict()
        print(json.dumps(data, indent=2))
    else:
        print(comparison.table())
        print()
        print(recommendation)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="awscontainers", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    server = sub.add_parser("server", help="start a shared moto server for a workshop")
    server.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to let other machines in")
    server.add_argument("--port", type=int, default=5000)
    server.set_defaults(func=_server)
    modes = sub.add_parser("modes", help="print who runs what in each hosting mode")
    modes.set_defaults(func=_modes)
    diagrams = sub.add_parser("diagrams", help="write the responsibility diagrams (.gv + .svg)")
    diagrams.add_argument("--out", default="diagrams", help="folder to write into")
    diagrams.set_defaults(func=_diagrams)
    compare = sub.add_parser(
        "compare", help="compare a workload's monthly cost in every hosting mode"
    )
    compare.add_argument(
        "workload", help="workload file (YAML or JSON), e.g. examples/workload.yaml"
    )
    compare.add_argument("--format", choices=("table", "json"), default="table")
    compare.add_argument(
        "--prices",
        default=None,
        help="a price table of the same shape as "
        "awscontainers/data/prices.yaml (default: the packaged one)",
    )
    compare.set_defaults(func=_compare)
    args = parser.parse_args(argv)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    """Run a command; what the user can fix is printed with its next step, never a
    traceback, and the exit code is 2 (as argparse uses for a bad command line)."""
    from .errors import LabError

    try:
        return args.func(args)
    except LabError as err:
        print(f"awscontainers {args.command}: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"awscontainers {args.command}: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
