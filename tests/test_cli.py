"""The command line, end to end on real files: init, import (every format), stats, show, demo."""

from __future__ import annotations

import json
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dailypapers.cli import main
from dailypapers.store import Store
from dailypapers.store.tables import listings, papers

SEED_PAGES = {
    "000_a698594fd367af3c.txt": "2025-10-29",
    "001_ab32788f6e812e41.txt": "2025-10-31",
    "002_f535a4afee1ab158.txt": "2025-12-10",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(__import__("os").environ):
        if name.startswith("DAILYPAPERS_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code, out, _ = run(capsys, *args, "--json")
    return code, json.loads(out)


def test_init_is_idempotent_and_makes_a_private_secret(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = tmp_path / "d"
    code, out, _ = run(capsys, "--data-dir", str(data), "init")
    assert code == 0 and out.startswith("initialised")
    assert stat.S_IMODE((data / "secret_key").stat().st_mode) == 0o600
    secret = (data / "secret_key").read_text()
    code, out, _ = run(capsys, "init", "--data-dir", str(data))
    assert code == 0 and out.startswith("already initialised")
    assert (data / "secret_key").read_text() == secret


def test_seed_pages_give_163_entries_of_157_papers(
    capsys: pytest.CaptureFixture[str], shared_data: Path, tmp_path: Path
) -> None:
    data = str(tmp_path / "d")
    totals = {"added": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    for name, page_date in SEED_PAGES.items():
        path = str(shared_data / "seeds" / name)
        code, summary = run_json(
            capsys, "import", path, "--page-date", page_date, "--data-dir", data
        )
        assert code == 0, summary["errors"]
        for key in totals:
            totals[key] += summary[key]
    # 163 cards carry "• N authors · date"; three more (one per page) show only a title and an
    # abstract. All 166 are kept: 160 distinct papers, six of them listed on two pages.
    assert totals == {"added": 160, "updated": 6, "unchanged": 0, "rejected": 0}
    assert run_json(capsys, "stats", "--data-dir", data)[1]["papers"] == 160
    store = Store(f"sqlite:///{tmp_path / 'd' / 'dailypapers.sqlite3'}")
    with store.engine.connect() as conn:
        dated = select(func.count()).where(
            papers.c.author_count.is_not(None), papers.c.published.is_not(None)
        )
        assert conn.execute(dated).scalar_one() == 157
        assert conn.execute(select(func.count()).select_from(listings)).scalar_one() == 166
    store.close()
    # Re-importing reports every record unchanged.
    for name, page_date in SEED_PAGES.items():
        path = str(shared_data / "seeds" / name)
        code, summary = run_json(
            capsys, "import", path, "--page-date", page_date, "--data-dir", data
        )
        assert (code, summary["added"], summary["updated"]) == (0, 0, 0)
        assert summary["unchanged"] > 0


def test_seed_page_without_its_date_is_rejected_with_a_reason(
    capsys: pytest.CaptureFixture[str], shared_data: Path, tmp_path: Path
) -> None:
    path = str(shared_data / "seeds" / "000_a698594fd367af3c.txt")
    code, summary = run_json(capsys, "--data-dir", str(tmp_path / "d"), "import", path)
    assert code == 3
    assert summary["rejected"] > 0
    assert "--page-date" in summary["errors"][0]["reason"]


@pytest.mark.parametrize(
    ("relative", "fmt", "code", "added"),
    [
        ("arxiv-kaggle/wanng-ide_arxiv-metadata-oai-snapshot_first200.jsonl", "auto", 0, 200),
        # 1,131 lines, one of them a second copy of cs/0006008.
        ("arxiv-kaggle/arxiv-browse_abs_converted.jsonl", "kaggle", 0, 1130),
        # 1,191 good files: 1,130 papers plus 60 older versions of them under orig/; one is empty.
        ("arxiv-abs/arxiv-browse_test_abs_files.tar.gz", "auto", 3, 1130),
        ("arxiv-api-atom/xml/q_testing_s0_m100_cfe7536492ca.xml", "auto", 0, 100),
        # Line 128 is the feed's own error item, not a paper.
        ("hf-papers/michaelmarkert_rss_hf_papers_feed_history.jsonl.gz", "auto", 3, 11021),
        ("hf-papers/misaki-wang_hf_bot_2026-02.jsonl", "auto", 0, 783),
    ],
)
def test_real_recordings_import(
    capsys: pytest.CaptureFixture[str],
    shared_data: Path,
    tmp_path: Path,
    relative: str,
    fmt: str,
    code: int,
    added: int,
) -> None:
    data = str(tmp_path / "d")
    path = str(shared_data / relative)
    first_code, summary = run_json(capsys, "--data-dir", data, "import", path, "--format", fmt)
    assert (first_code, summary["added"]) == (code, added), summary["errors"][:3]
    assert run_json(capsys, "--data-dir", data, "stats")[1]["papers"] == added
    _, again = run_json(capsys, "--data-dir", data, "import", path, "--format", fmt)
    assert again["added"] == 0 and again["updated"] == 0
    assert again["unchanged"] == summary["added"] + summary["updated"] + summary["unchanged"]
    assert again["rejected"] == summary["rejected"]


def test_abs_tar_reports_the_malformed_file(
    capsys: pytest.CaptureFixture[str], shared_data: Path, tmp_path: Path
) -> None:
    path = str(shared_data / "arxiv-abs" / "arxiv-browse_test_abs_files.tar.gz")
    code, summary = run_json(capsys, "--data-dir", str(tmp_path / "d"), "import", path)
    assert code == 3 and summary["rejected"] == 1
    assert summary["errors"][0]["where"].endswith("math-ph/papers/0509/0509037.abs")


def test_oai_pmh_records_import(
    capsys: pytest.CaptureFixture[str], shared_data: Path, tmp_path: Path
) -> None:
    xml_dir = shared_data / "arxiv-oaipmh" / "xml"
    listed = [p for p in xml_dir.iterdir() if "listrecords" in p.name]
    assert listed
    code, summary = run_json(capsys, "--data-dir", str(tmp_path / "d"), "import", *map(str, listed))
    assert code == 0 and summary["added"] == 2


def test_show_and_stats(
    capsys: pytest.CaptureFixture[str], shared_data: Path, tmp_path: Path
) -> None:
    data = str(tmp_path / "d")
    path = str(
        shared_data / "arxiv-kaggle" / "wanng-ide_arxiv-metadata-oai-snapshot_first200.jsonl"
    )
    run(capsys, "--data-dir", data, "import", path)
    code, paper = run_json(capsys, "--data-dir", data, "show", "https://arxiv.org/abs/0704.0001v2")
    assert code == 0
    assert paper["id"] == "0704.0001"
    assert paper["title"].startswith("Calculation of prompt diphoton production cross sections")
    assert paper["authors"][0]["name"] == "C. Balázs"
    assert paper["publishedAt"].startswith("2007-04-02")
    assert paper["categories"] == ["hep-ph"]
    assert paper["version"] == 2
    code, out, _ = run(capsys, "--data-dir", data, "show", "0704.0001")
    assert code == 0 and "Calculation of prompt diphoton" in out
    code, _, err = run(capsys, "--data-dir", data, "show", "2401.99999")
    assert code == 4 and "no paper '2401.99999'" in err
    code, _, err = run(capsys, "--data-dir", data, "show", "not-an-id")
    assert code == 2 and "not an arXiv id" in err


def test_bad_usage_and_unreadable_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "x", "--format", "word"])
    assert exit_info.value.code == 2
    capsys.readouterr()
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01 nothing anyone would call a paper")
    missing = tmp_path / "missing.json"
    code, summary = run_json(
        capsys, "--data-dir", str(tmp_path / "d"), "import", str(junk), str(missing)
    )
    assert code == 3 and summary["rejected"] == 2
    assert "cannot tell the format" in summary["errors"][0]["reason"]
    assert summary["errors"][1]["reason"] == "No such file or directory"


def test_demo_imports_the_bundled_papers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = str(tmp_path / "demo")
    code, out, _ = run(capsys, "--data-dir", data, "demo", "--no-serve", "--keep-dates")
    assert code == 0 and "783 papers added" in out
    stats = run_json(capsys, "--data-dir", data, "stats")[1]
    assert stats["papers"] == 783
    assert (stats["first_listing"], stats["last_listing"]) == ("2026-02-02", "2026-02-27")
    code, paper = run_json(capsys, "--data-dir", data, "show", "2601.23265")
    assert paper["title"] == "PaperBanana: Automating Academic Illustration for AI Scientists"
    assert paper["upvotes"] == 188
    assert paper["listings"] == [{"date": "2026-02-02", "rank": 1, "submitter": None}]


def test_the_demo_speaks_of_today(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Started without --keep-dates, the demo's newest list is today's, every date moved by
    as many days; started again, it keeps the days it chose."""
    data = ["--data-dir", str(tmp_path / "demo")]
    today = datetime.now(UTC).date()
    assert run(capsys, *data, "demo", "--no-serve")[0] == 0
    stats = run_json(capsys, *data, "stats")[1]
    moved = (today - date(2026, 2, 27)).days
    first = (date(2026, 2, 2) + timedelta(days=moved)).isoformat()
    assert (stats["first_listing"], stats["last_listing"]) == (first, today.isoformat())
    paper = run_json(capsys, *data, "show", "2601.23265")[1]
    assert paper["listings"] == [{"date": first, "rank": 1, "submitter": None}]
    code, out, _ = run(capsys, *data, "demo", "--no-serve")
    assert code == 0 and "783 unchanged" in out
    assert run_json(capsys, *data, "stats")[1]["last_listing"] == today.isoformat()


def test_index_and_search(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "demo")]
    run(capsys, *data, "demo", "--no-serve", "--keep-dates")
    code, out, _ = run(capsys, *data, "index", "--lexical-only")
    assert code == 0 and out.startswith("indexed 783 papers")
    lexical = ("--mode", "lexical")
    code, found = run_json(
        capsys, *data, "search", '"academic illustration"', "--limit", "3", *lexical
    )
    assert code == 0 and found["hits"][0]["paper"]["id"] == "2601.23265"
    assert "<mark>" in found["hits"][0]["titleSnippet"]
    code, out, _ = run(capsys, *data, "search", "zzzzqqqq", *lexical)
    assert code == 0 and out.strip() == "no papers match 'zzzzqqqq'"


def test_eval_beir_on_scifact_reaches_the_lexical_goal(
    capsys: pytest.CaptureFixture[str], shared_data: Path, tmp_path: Path
) -> None:
    data = ["--data-dir", str(tmp_path / "d")]
    code, result = run_json(capsys, *data, "eval", "beir", str(shared_data / "scifact"))
    assert code == 0
    assert (result["queries"], result["docs"], result["mode"]) == (300, 5183, "lexical")
    # Published BM25 0.665, SQLite FTS5 0.686; see docs/benchmarks.md.
    assert result["ndcg@10"] >= 0.68 and result["recall@100"] >= 0.9
    code, _, err = run(capsys, *data, "eval", "beir", str(tmp_path / "missing"))
    assert code == 2 and "missing" in err


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_leave_the_hub_unimported(flag: str) -> None:
    """The quick commands answer without the store, the indexes or the web (which take a second
    to import): the whole process, as a shell runs it."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from dailypapers import cli\n"
        f"try:\n    cli.main([{flag!r}])\nexcept SystemExit as exc:\n    assert exc.code == 0\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'sqlalchemy', "
        "'tantivy', 'torch', 'fastapi', 'numpy'} or m.startswith('dailypapers.hub'))\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "dailypapers" in done.stdout
    assert "HEAVY []" in done.stderr, done.stderr
