"""The benchmarks' reports and the documents' figures, rendered from the committed results JSON.

Nothing is measured here: the reports are rendered from ``bench/results/*.json`` and compared
with what the runs printed (``report_markdown``), and ``python -m bench.readme --check`` proves
that the README's and bench/RESULTS.md's figures are those of the JSON.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import headtohead, lowpass, readme, report, report_cpu
from bench.store import load_results


@pytest.mark.parametrize(
    ("name", "render"),
    [
        ("cpu-latest", report_cpu.report),
        ("headtohead-latest", headtohead.report),
        ("headtohead-t1-latest", headtohead.report),
    ],
)
def test_reports_render_as_the_runs_printed_them(name: str, render: object) -> None:
    data = load_results(name)
    assert render(data) == data["report_markdown"]  # type: ignore[operator]


def test_lowpass_report_is_its_table() -> None:
    text = lowpass.report(load_results("lowpass-latest"))
    assert text.startswith("| workload (1 thread) |") and text.endswith("|\n")
    assert text.count("\n") == 5  # header, rule, three workloads


def test_template_directives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "t.md").write_text(
        "%section a\nx=$x\n%if shown\nshown ${x}s\n%end\n%if hidden\nnever\n%end\n"
        "%section b\nlast\n"
    )
    monkeypatch.setattr(report, "TEMPLATES", tmp_path)
    values = {"x": "1", "shown": True, "hidden": ""}
    assert report.render("t.md", values) == "x=1\nshown 1s\nlast"
    assert report.render("t.md", values, ["b"]) == "last"
    assert report.sections("t.md") == ["a", "b"]
    with pytest.raises(KeyError):
        report.render("t.md", {"shown": False, "hidden": False})


def test_documents_quote_the_results_json() -> None:
    problems = readme.check()
    assert not problems, "\n".join(problems) + "\n(python -m bench.readme --write regenerates)"


def test_readme_check_names_each_figure_that_differs(tmp_path: Path) -> None:
    doc = tmp_path / "README.md"
    doc.write_text(
        "takes <!-- bench:readme-fft-1t -->1.51x / 1.99x / 1.48x<!-- /bench:readme-fft-1t -->\n"
        "<!-- bench:nonsense -->?<!-- /bench:nonsense -->\n"
    )
    problems = readme.check(docs={"README.md": doc})
    text = "\n".join(problems)
    assert "block readme-fft-1t differs" in text and "1.99x" in text
    assert "no <!-- bench:readme-cpu --> block" in text
    assert "unknown block <!-- bench:nonsense -->" in text
    assert readme.write(docs={"README.md": doc}) == ["README.md"]
    assert "1.51x / 1.66x / 1.48x<!-- /bench:readme-fft-1t -->" in doc.read_text()


def test_run_log_takes_a_new_full_run(tmp_path: Path) -> None:
    import json
    import shutil

    from bench import runlog
    from bench.store import RESULTS_DIR

    for name in ("cpu-latest", "cpu-runs"):
        shutil.copy(RESULTS_DIR / f"{name}.json", tmp_path)
    data = load_results("cpu-latest")
    run = tmp_path / "cpu-20990101-000000.json"
    run.write_text(json.dumps(dict(data, config=dict(data["config"], quick=True))))
    with pytest.raises(ValueError, match="--quick"):
        runlog.add_run(run, results_dir=tmp_path)
    shutil.copy(tmp_path / "cpu-latest.json", run)  # the new run is the latest one
    assert runlog.add_run(run, results_dir=tmp_path) == f"18:45, `{data['machine']['git_commit']}`"
    log = load_results("cpu-runs", tmp_path)
    assert len(log["runs"]) == 7
    assert [r.get("results") for r in log["runs"]].count("cpu-latest.json") == 1
    assert runlog.problems(tmp_path) == []
    assert runlog.add_run(run, new_engine=True, results_dir=tmp_path)
    log = load_results("cpu-runs", tmp_path)
    assert len(log["runs"]) == 1 and log["medians"] == runlog.summary(data, log)
