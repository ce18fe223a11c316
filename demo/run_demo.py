"""`make demo`: Vibes -> DuckDB through Meltano, then a CRM file -> Vibes, all against the emulator.

1. Installs Meltano (pinned) and the project's plugins, unless already there.
2. Starts vibes-emulator with a company of ``--persons`` persons, durable in .demo/emulator.db,
   and writes the ids of its persons to a file for tap-vibes (Vibes has no person list; the
   emulator's control plane stands in for the CRM's list of ids).
3. ``meltano run vibes-to-warehouse`` (tap-vibes -> target-duckdb), then checks that, per
   stream, the rows the warehouse received equal the RECORD messages the tap emitted.
4. ``meltano run vibes-extracts-to-warehouse``: the emulator writes a day of Vibes' daily
   extract files, tap-vibes-extracts (tap-vibes with ``extracts_path``) loads the messages,
   push messages, URL clicks and wallet page views into DuckDB; prints messages by delivery
   status.
5. ``meltano run crm-to-vibes`` (demo/data/crm_contacts.csv -> target-vibes), then reads the
   contacts back from Vibes.
6. Prints what happened, where the data is and a query; stops everything it started.

The second run continues from Meltano's state (kept in .demo/) and is incremental.
``--fresh`` forgets earlier runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from demo import processes, report
from demo.crm_file import BAD_CONTACT
from demo.environment import DEMO_DIR, MELTANO, ROOT, ensure_plugins, loader_python, meltano_env
from demo.logs import RunLog, parse_run
from demo.readback import read_back
from vibes_emulator.testing import EmulatorProcess

SCHEMA = "vibes"
EXAMPLE_QUERY = (
    "SELECT l.name AS subscription_list, count(*) FILTER (WHERE s.active) AS subscribed, "
    "count(*) FILTER (WHERE NOT s.active) AS opted_out "
    "FROM vibes.subscribers s JOIN vibes.subscription_lists l ON l.id = s.subscription_list_id "
    "GROUP BY 1 ORDER BY 2 DESC"
)
KEPT_FILES = (
    "emulator.db",
    "warehouse.duckdb",
    "warehouse.duckdb.wal",
    "meltano.db",
    "person_ids.csv",
    "dead_letters.jsonl",
    "last_run.json",
    "logs",
    "extracts",
)
TABLES_QUERY = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'vibes'"
REQUIRED_STREAMS = ("persons", "subscribers", "broadcasts", "wallet_items")
ANALYTICS_QUERY = (
    "SELECT m.message_status, count(*) AS messages, count(DISTINCT m.person_key) AS persons, "
    "coalesce(sum(c.clicks), 0) AS clicks FROM vibes.messages m LEFT JOIN (SELECT message_id, "
    "count(*) AS clicks FROM vibes.url_clicks GROUP BY 1) c ON c.message_id = m.message_id "
    "GROUP BY 1 ORDER BY 2 DESC"
)
ANALYTICS_QUERY_NO_CLICKS = (
    "SELECT message_status, count(*) AS messages, count(DISTINCT person_key) AS persons "
    "FROM vibes.messages GROUP BY 1 ORDER BY 2 DESC"
)


class DemoFailed(Exception):
    """A step of the demo went wrong; the message says which and what to look at."""


def say(text: str = "") -> None:
    print(text, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=3000, help="persons in the seeded company")
    parser.add_argument("--state-dir", type=Path, default=DEMO_DIR, help="where runs keep data")
    parser.add_argument("--fresh", action="store_true", help="forget earlier runs first")
    return parser.parse_args(argv)


class Demo:
    """One run of the demo; every file it keeps lives in ``state_dir``."""

    def __init__(self, state_dir: Path, persons: int) -> None:
        self.dir = state_dir.resolve()
        self.persons = persons
        self.warehouse = self.dir / "warehouse.duckdb"
        self.emulator_db = self.dir / "emulator.db"
        self.ids_file = self.dir / "person_ids.csv"
        self.last_run = self.dir / "last_run.json"
        self.extracts = self.dir / "extracts"
        # An earlier run counts once its extract-load step succeeded (it wrote last_run.json).
        self.first_run = not (self.emulator_db.exists() and self.last_run.exists())
        self.env: dict[str, str] = {}

    # ---- steps ------------------------------------------------------------------------
    def start_emulator(self) -> EmulatorProcess:
        if self.first_run:
            # A half-finished earlier run leaves nothing behind that could mislead this one.
            forget_runs(self.dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        seed = ["--seed", str(self.persons)] if self.first_run else []
        emulator = EmulatorProcess(
            "--db", str(self.emulator_db), "--extracts-dir", str(self.extracts), *seed
        ).start()
        what = f"seeded with {self.persons:,} persons" if seed else "data kept from the last run"
        say(f"vibes-emulator is serving at {emulator.url} ({what}; {self.emulator_db})")
        self.env = meltano_env(
            {
                "VIBES_EMULATOR_URL": emulator.url,
                "MELTANO_DATABASE_URI": f"sqlite:///{self.dir / 'meltano.db'}",
                "TAP_VIBES_PERSON_IDS_FILE": str(self.ids_file),
                "TAP_VIBES_EXTRACTS_EXTRACTS_PATH": str(self.extracts / "files" / "out"),
                "TARGET_DUCKDB_FILEPATH": str(self.warehouse),
                "TARGET_VIBES_DEAD_LETTER_PATH": str(self.dir / "dead_letters.jsonl"),
            }
        )
        return emulator

    def write_person_ids(self, emulator: EmulatorProcess) -> int:
        persons = emulator.control.persons()
        with self.ids_file.open("w", encoding="utf-8") as handle:
            handle.write("person_key\n")
            handle.writelines(f"{p['person_key']}\n" for p in persons)
        say(
            f"Wrote {len(persons):,} person ids to {self._show(self.ids_file)} from the emulator's "
            "GET /_emulator/persons: Vibes has no person list, so this stands in for the id "
            "list your CRM or warehouse would give tap-vibes."
        )
        return len(persons)

    def meltano_run(
        self, job: str, tap: str, target: str, resources: dict[str, str] | None = None
    ) -> tuple[RunLog, float]:
        command = [str(MELTANO), "--log-format=json", "--environment=dev", "run", job]
        say(f"\n$ meltano run {job}   ({tap} -> {target})")
        finished = processes.run(
            command, env=self.env, cwd=ROOT, log_path=self.dir / "logs" / f"{job}.log"
        )
        log = parse_run(finished.output, tap, target, resources)
        if finished.returncode != 0:
            details = "\n  ".join(log.problems[-8:]) or finished.output[-3000:]
            raise DemoFailed(
                f"meltano run {job} exited {finished.returncode}; full log: "
                f"{self._show(self.dir / 'logs' / f'{job}.log')}\n  {details}"
            )
        return log, finished.seconds

    def warehouse_rows(self, since: datetime) -> dict[str, int]:
        """Rows per table that this run loaded (upserted rows carry this run's extraction time)."""
        tables = [r["table_name"] for r in self.query(TABLES_QUERY)]
        if not tables:
            return {}
        stamp = since.strftime("%Y-%m-%d %H:%M:%S.%f")
        # Table names come from the warehouse's own catalog, the stamp from the clock.
        sql = " UNION ALL ".join(
            f"SELECT '{t}' AS stream, count(*) AS n FROM {SCHEMA}.\"{t}\" "  # noqa: S608
            f"WHERE _sdc_extracted_at >= TIMESTAMP '{stamp}'"
            for t in tables
        )
        return {str(r["stream"]): int(r["n"]) for r in self.query(sql)}

    def query(self, sql: str, *, as_json: bool = True) -> Any:
        command = [
            str(loader_python()),
            str(ROOT / "demo" / "query.py"),
            "--db",
            str(self.warehouse),
        ]
        result = subprocess.run(
            [*command, *(["--json"] if as_json else []), sql],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise DemoFailed(f"query of {self.warehouse} failed: {result.stderr.strip()[-2000:]}")
        return json.loads(result.stdout) if as_json else result.stdout

    def _show(self, path: Path) -> str:
        return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)

    # ---- the whole run ----------------------------------------------------------------
    def run(self) -> None:
        started = time.monotonic()
        ensure_plugins(say)
        emulator = self.start_emulator()
        try:
            self.write_person_ids(emulator)
            self.extract_load()
            self.analytics_extracts(emulator)
            self.reverse_etl(emulator)
            stats = emulator.control.stats()
        finally:
            emulator.stop()
            processes.stop_all()
        say(
            f"\nThe emulator answered {stats.get('requests', 0):,} requests in this run "
            f"({stats.get('by_status', {}).get('429', 0)} of them 429). Everything the demo "
            f"started is stopped. Took {time.monotonic() - started:.0f} s."
        )

    def extract_load(self) -> None:
        previous = self._previous_run()
        since = datetime.now(UTC).replace(tzinfo=None)
        log, seconds = self.meltano_run("vibes-to-warehouse", "tap-vibes", "target-duckdb")
        rows = self.warehouse_rows(since)
        full_load = previous["full_load"] if previous else None
        say(report.extract_table(log.tap, rows, full_load))
        records = {name: f.records for name, f in log.tap.items()}
        mismatches = report.check_rows(log.tap, rows)
        if mismatches:
            raise DemoFailed(
                "the warehouse does not hold what the tap emitted:\n  "
                + "\n  ".join(map(str, mismatches))
            )
        say(
            "Check passed: per stream, the rows DuckDB received equal the records tap-vibes "
            f"emitted ({seconds:.0f} s)."
        )
        total = sum(records.values())
        if full_load is None:
            missing = [s for s in REQUIRED_STREAMS if not records.get(s)]
            if missing:
                raise DemoFailed(f"the first run emitted no records for {', '.join(missing)}")
            say(
                f"First run: a full load of {total:,} records. Run `make demo` again to see an "
                "incremental run."
            )
            full_load = records
        else:
            say(
                f"INCREMENTAL RUN: Meltano handed tap-vibes the state saved by the last run "
                f"(state id dev:tap-vibes-to-target-duckdb), so it emitted {total:,} records "
                f"instead of the {sum(full_load.values()):,} of the full load: only what changed "
                "since, such as the persons the CRM leg updated. Persons are still read one by "
                "one (Vibes cannot list changed persons); the bookmark filters them."
            )
        self.last_run.write_text(json.dumps({"full_load": full_load, "records": records}))
        say(
            f"\nYour data is in DuckDB: {self._show(self.warehouse)} (schema {SCHEMA}, one "
            "table per stream)."
        )
        say(f'Look at it with:\n  python3 demo/query.py "{EXAMPLE_QUERY}"')
        say(self.query(EXAMPLE_QUERY, as_json=False).rstrip())

    def analytics_extracts(self, emulator: EmulatorProcess) -> None:
        """A day of Vibes' extract files, loaded by tap-vibes-extracts; messages by status."""
        # A few passes added to phones meanwhile (the emulator's simulated subscriber
        # activity), so the day has wallet page views as well as messages and clicks.
        emulator.control.call(
            "POST",
            "activity",
            {"rate": 1000, "count": 20, "kinds": ["pass_install"], "seed": 1, "wait": True},
        )
        day = extract_day(self.extracts / "files" / "out", datetime.now(UTC).date())
        written = emulator.control.call("POST", "extracts", {"date": day.isoformat()})
        say(
            f"\nThe emulator wrote the extract files of {day} into "
            f"{self._show(self.extracts / 'files' / 'out')}, as Vibes leaves them on its SFTP "
            "server: " + ", ".join(f"{n} ({c:,} rows)" for n, c in written["files"].items())
        )
        since = datetime.now(UTC).replace(tzinfo=None)
        log, seconds = self.meltano_run(
            "vibes-extracts-to-warehouse", "tap-vibes-extracts", "target-duckdb"
        )
        rows = self.warehouse_rows(since)
        rows = {name: rows.get(name, 0) for name in log.tap}
        say(report.extract_table(log.tap, rows))
        mismatches = report.check_rows(log.tap, rows)
        if mismatches:
            raise DemoFailed(
                "the warehouse does not hold what the tap emitted:\n  "
                + "\n  ".join(map(str, mismatches))
            )
        say(
            f"Check passed ({seconds:.0f} s). tap-vibes-extracts reads only the files dated after "
            "its bookmark (the last file date), so each run loads the new day."
        )
        tables = {r["table_name"] for r in self.query(TABLES_QUERY)}
        if "messages" not in tables:
            raise DemoFailed("the warehouse has no messages table after the extracts run")
        query = ANALYTICS_QUERY if "url_clicks" in tables else ANALYTICS_QUERY_NO_CLICKS
        say(f"\nMessages by delivery status, with the clicks on their short links:\n  {query}")
        say(self.query(query, as_json=False).rstrip())

    def reverse_etl(self, emulator: EmulatorProcess) -> None:
        log, seconds = self.meltano_run(
            "crm-to-vibes", "tap-crm-contacts", "target-vibes", {"crm_contacts": "persons"}
        )
        if any(f.records for f in log.target.values()):
            say(report.load_table(log.target, seconds))
        else:
            say(
                "target-vibes received no records: the CRM file has not changed since the last "
                "run (the CSV source keeps a bookmark on it), so there was nothing to send."
            )
        if any(f.outcomes.get("rejected") for f in log.target.values()):
            dead_letters = self.dir / "dead_letters.jsonl"
            say(
                f"Rejected contacts are kept, with Vibes' reasons, in {self._show(dead_letters)} "
                "(the CRM file has one bad phone number on purpose); nothing is dropped silently."
            )
        results = read_back(
            emulator.url, emulator.company_key, (emulator.username, emulator.password)
        )
        say("\nThe CRM's contacts, read back from Vibes (GET .../mobiledb/persons/external/{id}):")
        rows = [r.row() for r in results]
        say(
            report.table(
                ["contact_id", "mdn", "first_name", "last_name", "loyalty_tier", "updated_at"], rows
            )
        )
        landed = sum(1 for r in results if r.matches)
        say(f"{landed} of {len(results)} contacts are in Vibes exactly as the CRM has them.")
        missing = [
            r.contact.contact_id
            for r in results
            if not r.matches and r.contact.contact_id != BAD_CONTACT[0]
        ]
        if missing:
            raise DemoFailed(
                f"contacts missing or different in Vibes: {', '.join(missing)}; see "
                f"{self._show(self.dir / 'logs' / 'crm-to-vibes.log')} and the dead letters"
            )

    def _previous_run(self) -> dict[str, Any] | None:
        if self.first_run:
            return None
        data: dict[str, Any] = json.loads(self.last_run.read_text())
        return data


def extract_day(folder: Path, today: date) -> date:
    """Today, or the day after the newest extract already there (a second run the same day
    writes the next day's files, as Vibes would the next morning)."""
    days = [date.fromisoformat(p.stem.rsplit("_", 1)[-1]) for p in folder.glob("messages_*_*.txt")]
    return max([today, *(d + timedelta(days=1) for d in days)])


def forget_runs(state_dir: Path) -> None:
    """Delete what earlier runs kept (only the demo's own files, whatever the directory)."""
    for name in KEPT_FILES:
        path = state_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.fresh:
        forget_runs(args.state_dir)
    demo = Demo(args.state_dir, args.persons)
    say(f"tap-vibes demo: {'first run' if demo.first_run else 'again, from the last run'}")
    try:
        with processes.cleanup_on_signals():
            demo.run()
    except (DemoFailed, RuntimeError) as exc:
        print(f"\nDEMO FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    except (KeyboardInterrupt, processes.Interrupted) as exc:
        why = str(exc) or "SIGINT"
        print(f"\nDEMO INTERRUPTED ({why}); everything it started is stopped.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
