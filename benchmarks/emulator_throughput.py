"""Rally emulator throughput: seeding, paging, lookups and writes, against a baseline.

The baseline, measured in the same run, is the cheapest round trip the server offers
(``GET /_emulator/health``): ratios say how much each WSAPI operation costs on top of HTTP.

    .venv/bin/python benchmarks/emulator_throughput.py [--stories 10000] [--data]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from pantheon_git.rally.emulator import start


def timed(label: str, count: int, action: Callable[[], object], baseline: float | None) -> float:
    started = time.perf_counter()
    for _ in range(count):
        action()
    each = (time.perf_counter() - started) / count
    ratio = f"  ({each / baseline:5.1f}x baseline)" if baseline else ""
    print(f"{label:<46} {each * 1000:8.2f} ms{ratio}")
    return each


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--data", action="store_true", help="use an SQLite file, not memory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = str(Path(tmp) / "rally.sqlite") if args.data else None
        with start(seed=None, data=data) as rally:
            started = time.perf_counter()
            summary = rally.seed(
                stories=args.stories, epics=20, tasks_per_story=3, predecessors=2, seed=1
            )
            seeded = time.perf_counter() - started
            print(
                f"seed {summary['stories']} stories, {summary['tasks']} tasks, 20 epics: "
                f"{seeded:.2f} s ({'file' if data else 'memory'})"
            )
            client = httpx.Client(
                base_url=rally.url, headers={"ZSESSIONID": rally.api_key}, timeout=120
            )
            api = "/slm/webservice/v2.0"
            base = timed(
                "baseline GET /_emulator/health", 200, lambda: client.get("/_emulator/health"), None
            )

            def page_all() -> None:
                start_index = 1
                while True:
                    page = client.get(
                        f"{api}/hierarchicalrequirement",
                        params={
                            "fetch": "FormattedID,Name,ScheduleState,PlanEstimate,c_LockedBy,"
                            "PortfolioItem,Predecessors,LastUpdateDate",
                            "order": "ObjectID",
                            "pagesize": 2000,
                            "start": start_index,
                        },
                    ).json()["QueryResult"]
                    start_index += 2000
                    if start_index > page["TotalResultCount"]:
                        return

            timed(f"page all {args.stories} stories (2000/page)", 3, page_all, base)
            timed(
                "query one story by FormattedID",
                200,
                lambda: client.get(
                    f"{api}/hierarchicalrequirement",
                    params={"query": f'(FormattedID = "US{args.stories // 2}")', "fetch": "true"},
                ),
                base,
            )
            oid = client.get(
                f"{api}/hierarchicalrequirement",
                params={"query": "(FormattedID = US1)", "fetch": "ObjectID"},
            ).json()["QueryResult"]["Results"][0]["ObjectID"]
            timed(
                "update one c_ field",
                200,
                lambda: client.post(
                    f"{api}/hierarchicalrequirement/{oid}",
                    json={"HierarchicalRequirement": {"c_LockedBy": "a@example.com"}},
                ),
                base,
            )
            client.close()


if __name__ == "__main__":
    main()
