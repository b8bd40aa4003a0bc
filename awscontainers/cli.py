"""The ``awscontainers`` command: ``awscontainers room ...`` runs a workshop room (start it,
issue join codes, see and reset the room); ``awscontainers modes`` prints who runs what in each
hosting mode; ``awscontainers compare`` compares a workload's cost."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

ROOM_FILE_ENV = "AWSCONTAINERS_ROOM_FILE"


def _room_file(args: argparse.Namespace) -> Path:
    if args.room_file:
        return Path(args.room_file)
    if os.environ.get(ROOM_FILE_ENV):
        return Path(os.environ[ROOM_FILE_ENV])
    return Path.home() / ".awscontainers" / "room.json"


def _read_room(args: argparse.Namespace) -> dict:
    from .errors import LabError

    path = _room_file(args)
    try:
        room = json.loads(path.read_text())
        if not isinstance(room, dict) or not {"url", "public_url", "room_key"} <= set(room):
            raise ValueError("missing fields")
    except (OSError, ValueError) as exc:
        raise LabError(
            f"No room file at {path} ({exc}).",
            hint="start the room first (`awscontainers room start`), or pass --room-file.",
        ) from exc
    return room


def _port(text: str) -> int:
    from .errors import LabError
    from .server import check_port

    try:
        return check_port(int(text))
    except (ValueError, LabError) as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (1-65535)") from exc


def _room_start(args: argparse.Namespace) -> int:
    from .errors import LabError
    from .room import RoomKeys
    from .server import start_server

    path = _room_file(args)
    keys = None
    if path.exists() and not args.new_key:
        # The same key again: join codes already handed out keep working after a restart.
        try:
            keys = RoomKeys(_read_room(args)["room_key"])
        except LabError as exc:
            raise LabError(
                f"The room file {path} cannot be read, so the room's key is unknown.",
                hint="fix or remove it, or start with new credentials for everyone: "
                "awscontainers room start --new-key",
            ) from exc
    keys = keys or RoomKeys.new()
    room = start_server(port=args.port, host=args.host, keys=keys)
    public = args.public_url or room.url
    if args.host in ("0.0.0.0", "") and not args.public_url:
        public = room.url.replace("127.0.0.1", socket.gethostname())
    path.parent.mkdir(parents=True, exist_ok=True)
    # The room key opens every account in the room: only the instructor may read it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"url": room.url, "public_url": public, "room_key": keys.room_key}, f)

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    print(
        f"Room running at {room.url} (learners reach it at {public}); Ctrl-C stops it.",
        flush=True,
    )
    print(f"Room file (keep it to yourself): {path}")
    print("Join codes: awscontainers room join alice bob ...   The room: awscontainers room show")
    try:
        room.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        room.stop()
    return 0


def _room_join(args: argparse.Namespace) -> int:
    from .room import JoinCode, RoomKeys

    room = _read_room(args)
    keys = RoomKeys(room["room_key"])
    url = args.url or room["public_url"]
    for name in args.learners:
        credential = keys.credential(name)
        code = JoinCode(url, credential.access_key, credential.secret_key).encode()
        print(f"{name}\t{code}")
    return 0


def _admin(args: argparse.Namespace) -> Any:
    from .room import RoomKeys
    from .server import RoomAdmin

    room = _read_room(args)
    return RoomAdmin(room["url"], RoomKeys(room["room_key"]).instructor_token())


def _room_show(args: argparse.Namespace) -> int:
    census = _admin(args).census()
    if args.format == "json":
        print(json.dumps(census, indent=2))
        return 0
    from .tables import Table

    columns = (
        "learner",
        "account_id",
        "calls",
        "idle_seconds",
        "ecs_clusters",
        "container_instances",
        "instances",
        "eks_clusters",
        "nodegroups",
        "fargate_profiles",
        "network_interfaces",
        "hourly_usd",
    )
    rows = [{"learner": name, **row} for name, row in census["learners"].items()]
    print(
        str(Table([{c: r[c] for c in columns} for r in rows], title="The room"))
        if rows
        else "Nobody has joined yet."
    )
    print(
        f"Everyone together: ${census['hourly_usd']:.4f} an hour on demand (EC2 instances "
        "and EKS control planes; tasks and pods run on those)."
    )
    return 0


def _room_reset(args: argparse.Namespace) -> int:
    from .errors import InvalidParameterError

    if bool(args.learner) == bool(args.all):
        raise InvalidParameterError(
            "Say whom to reset: one learner's name, or --all.",
            hint="awscontainers room reset alice   |   awscontainers room reset --all",
        )
    done = _admin(args).reset(None if args.all else args.learner)
    print(f"reset: {', '.join(done) if done else 'nobody (no learner has joined)'}")
    print("Their labs must be opened again: Lab(join=...) in a new kernel.")
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

    from .chooser import recommend
    from .costs import compare, compare_over_day, load_prices, steady_and_over_day
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
    # A workload with a load over the day is also priced following it, and the
    # recommendation weighs that figure: it is what the autoscaled bill would be.
    over_day = compare_over_day(workload, prices) if workload.has_load else None
    # One comparison feeds both outputs, so the recommendation quotes the same numbers.
    recommendation = recommend(workload, prices, comparison=over_day or comparison)
    if args.format == "json":
        data = comparison.to_dict()
        if over_day is not None:
            data["over_day"] = [e.to_dict() for e in over_day.estimates]
        data["recommendation"] = recommendation.to_dict()
        print(json.dumps(data, indent=2))
    else:
        print(comparison.table())
        print()
        print(_fleet_notes(comparison))
        print()
        if over_day is not None:
            print(steady_and_over_day(comparison, over_day))
            print()
            print("Recommended on the monthly cost following the load:")
        print(recommendation)
    return 0


def _fleet_notes(comparison: Any) -> str:
    """What the table leaves out, per mode: each EC2 fleet beside its lower bound and the
    naive plan, and the other notes of an estimate (the price table is in the title)."""
    out = ["Notes per mode:"]
    for estimate in comparison:
        notes = [n for n in estimate.notes if n != f"Prices: {estimate.prices}."]
        if estimate.feasible and notes:
            out.append(f"{estimate.name}:")
            out += [f"  - {note}" for note in notes]
    return "\n".join(out)


def _teardown(args: argparse.Namespace) -> int:
    """Find what labs left in the real account from their tags, show it with its hourly
    cost, ask, delete it in dependency order, and look again until nothing is left."""
    from . import saved_ledger
    from .errors import InvalidParameterError
    from .leftovers import cleanup_lab, find, priced, remove

    if bool(args.lab) == bool(args.all_mine):
        raise InvalidParameterError(
            "Say which lab's resources to delete: --lab LAB_ID, or --all-mine.",
            hint="awscontainers teardown --lab lab-7   |   awscontainers teardown --all-mine "
            "(the lab id is in the warning a reopened Lab prints, or in lab.lab_id).",
        )
    finder = cleanup_lab(args.lab or "-", profile_name=args.profile, region=args.region)
    where = f"account {finder.account_id}, {finder.region}"
    label = f"lab {args.lab}" if args.lab else "any awscontainers lab"
    for round_ in range(1, args.rounds + 1):
        left = find(finder, args.lab)
        if not left:
            print(f"Nothing tagged by {label} is left in {where}.")
            for saved in saved_ledger.read_all(finder.account_id, finder.region):
                if args.all_mine or saved.get("lab_id") == args.lab:
                    Path(saved["path"]).unlink(missing_ok=True)
            return 0
        labs = {
            lab_id: cleanup_lab(lab_id, profile_name=args.profile, region=args.region)
            for lab_id in left
        }
        tables = {lab_id: priced(labs[lab_id], records) for lab_id, records in left.items()}
        count = sum(len(records) for records in left.values())
        hourly = sum(row["usd_per_hour"] for table in tables.values() for row in table)
        for table in tables.values():
            print(table)
        print(f"{count} resources tagged by {label} in {where}, costing {hourly:.4f} USD an hour.")
        if round_ == 1 and not args.yes:
            if not sys.stdin.isatty():
                raise InvalidParameterError(
                    "Not deleting without a yes: there is no terminal to ask in.",
                    hint="run it again with --yes to delete what is listed above.",
                )
            answer = input(f"Delete these {count} resources? [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                print("Nothing deleted.")
                return 1
        for lab_id, records in left.items():
            done, problems = remove(labs[lab_id], records)
            for line in done:
                print(f"deleted {line}")
            for problem in problems:
                print(f"not yet: {problem}")
    left = find(finder, args.lab)
    if left:
        print(
            f"{sum(len(r) for r in left.values())} resources are still there after "
            f"{args.rounds} rounds (AWS may still be deleting what they depend on); run the "
            "same command again in a few minutes."
        )
        return 1
    print(f"Nothing tagged by {label} is left in {where}.")
    return 0


#: ``awscontainers --help``: plain text, as a terminal shows it.
DESCRIPTION = """\
Learn and compare the ways AWS runs containers, with no AWS account.

  awscontainers compare examples/workload.yaml   monthly cost of a workload in every
                                                 hosting mode, and a recommendation
  awscontainers modes                            who runs what in each hosting mode
  awscontainers diagrams                         write the responsibility diagrams
  awscontainers room start | join | show | reset run a workshop room
  awscontainers teardown --lab LAB_ID            delete what a real-AWS lab left behind
                                                 (found from its tags), after asking

`awscontainers COMMAND --help` tells more about one command."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="awscontainers",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def room_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--room-file",
            default=None,
            help=f"where the room's URL and key are kept (default ~/.awscontainers/room.json, "
            f"or ${ROOM_FILE_ENV})",
        )

    def start_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to let other machines in")
        p.add_argument("--port", type=_port, default=5000)
        p.add_argument("--public-url", default=None, help="the URL learners reach the room at")
        p.add_argument("--new-key", action="store_true", help="new credentials for everyone")
        room_options(p)
        p.set_defaults(func=_room_start)

    room = sub.add_parser("room", help="run a workshop room (start, join, show, reset)")
    room_sub = room.add_subparsers(dest="room_command", required=True)
    start_options(room_sub.add_parser("start", help="start the room (Ctrl-C stops it)"))
    join = room_sub.add_parser("join", help="print a join code for each learner named")
    join.add_argument("learners", nargs="+", metavar="name")
    join.add_argument("--url", default=None, help="the room's URL as learners reach it")
    room_options(join)
    join.set_defaults(func=_room_join)
    show = room_sub.add_parser("show", help="who is in the room and what each has running")
    show.add_argument("--format", choices=("table", "json"), default="table")
    room_options(show)
    show.set_defaults(func=_room_show)
    reset = room_sub.add_parser("reset", help="empty one learner's account, or everyone's")
    reset.add_argument("learner", nargs="?", default=None)
    reset.add_argument("--all", action="store_true")
    room_options(reset)
    reset.set_defaults(func=_room_reset)
    # The old name: `awscontainers server` starts a room too.
    start_options(sub.add_parser("server", help="the same as `awscontainers room start`"))

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
    teardown = sub.add_parser(
        "teardown",
        help="find what real-AWS labs left (from their tags), show its hourly cost, and "
        "delete it in dependency order",
    )
    teardown.add_argument("--lab", default=None, metavar="LAB_ID", help="the lab's id (lab.lab_id)")
    teardown.add_argument(
        "--all-mine", action="store_true", help="every resource tagged by any awscontainers lab"
    )
    teardown.add_argument("--yes", action="store_true", help="delete without asking")
    teardown.add_argument("--profile", default=None, help="the AWS profile (default: as boto3)")
    teardown.add_argument("--region", default=None, help="the region (default: us-east-1)")
    teardown.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="look again and delete what is left, up to this many times (default 3)",
    )
    teardown.set_defaults(func=_teardown)
    args = parser.parse_args(argv)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    """Run a command; what the user can fix is printed with its next step, never a
    traceback, and the exit code is 2 (as argparse uses for a bad command line)."""
    from .errors import LabError

    try:
        return args.func(args)
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly, as Unix tools do.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stays open until exit
        return 0
    except LabError as err:
        # The user's to fix: say what and how, without a traceback.
        print(f"awscontainers {args.command}: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"awscontainers {args.command}: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
