"""Write ``docs/benchmarks.md`` (a table, notes, details) and ``docs/benchmarks.png``.

Input: what ``python -m benchmarks`` collected, one entry per benchmark::

    {"name": "list_streams", "title": "...", "seconds": 31.2,
     "figures": [...], "details": {...}, "error": None}

Figures are the dicts of :func:`benchmarks.support.figure`.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent.parent / "docs"
PLOT_NAME = "benchmarks.png"


def _number(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if not isinstance(value, int | float):
        return str(value)
    if unit == "share" and 0 <= value <= 1.5:
        return f"{value:.1%}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _ratio(figure: dict[str, Any]) -> str:
    ratio = figure.get("ratio")
    if ratio is None:
        return "-"
    if figure.get("unit") == "share":
        return f"{ratio:.1%}"
    return f"{ratio:.2f}x"


def _met(figure: dict[str, Any]) -> str:
    met = figure.get("met")
    if met is None:
        return "(no bar)"
    return "**met**" if met else "**NOT met**"


def table(results: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| Benchmark | Figure | Ours | Baseline | Ratio | Bar | Met |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for result in results:
        if result.get("error"):
            lines.append(
                f"| {result['name']} | did not finish (see notes) | - | - | - | - | **failed** |"
            )
            continue
        for figure in result["figures"]:
            unit = figure.get("unit", "")
            shown_unit = "" if unit == "share" else f" {unit}"
            lines.append(
                f"| {result['name']} | {figure['metric']} | "
                f"{_number(figure.get('ours'))}{shown_unit} | "
                f"{_number(figure.get('baseline'))}{shown_unit} | {_ratio(figure)} | "
                f"{figure.get('bar') or '-'} | {_met(figure)} |"
            )
    return lines


def notes(results: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for result in results:
        if result.get("error"):
            lines.append(f"- **{result['name']}** did not finish: {result['error']}")
            continue
        for figure in result["figures"]:
            if figure.get("note"):
                lines.append(f"- {result['name']} — {figure['metric']}: {figure['note']}")
    return lines


def plot(results: list[dict[str, Any]], path: Path) -> bool:
    """Ratios as horizontal bars, the bar of each figure as a tick; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    rows = [
        (f"{r['name']}: {f['metric']}", f)
        for r in results
        if not r.get("error")
        for f in r["figures"]
        if f.get("ratio") is not None and f.get("unit") != "share"
    ]
    shares = [
        (f"{r['name']}: {f['metric']}", f)
        for r in results
        if not r.get("error")
        for f in r["figures"]
        if f.get("ratio") is not None and f.get("unit") == "share"
    ]
    panels = [(rows, "ratio to the baseline measured in the same run (x)"),
              (shares, "share (of the limit, or of requests)")]  # fmt: skip
    panels = [(p, label) for p, label in panels if p]
    if not panels:
        return False
    heights = [max(1.6, 0.55 * len(p) + 0.9) for p, _ in panels]
    figure, axes = plt.subplots(
        len(panels), 1, figsize=(11, sum(heights)), gridspec_kw={"height_ratios": heights}
    )
    axes = axes if len(panels) > 1 else [axes]
    for axis, (items, label) in zip(axes, panels, strict=True):
        names = [_wrap(name) for name, _ in items][::-1]
        values = [f["ratio"] for _, f in items][::-1]
        colors = [
            "#2e7d32" if f.get("met") else "#c62828" if f.get("met") is False else "#78909c"
            for _, f in items
        ][::-1]
        axis.barh(names, values, color=colors)
        for index, (_, f) in enumerate(items[::-1]):
            threshold = _threshold(f)
            where = max(values[index], threshold or 0.0)
            axis.text(where, index, f" {_ratio(f)}", va="center", fontsize=8)
            if threshold is not None:
                axis.plot([threshold, threshold], [index - 0.4, index + 0.4], color="black", lw=2)
        if label.startswith("ratio"):
            axis.axvline(1.0, color="#999999", lw=0.8, ls="--")
        axis.set_xlabel(label)
        axis.tick_params(axis="y", labelsize=8)
        axis.set_xlim(0, max(values + [_threshold(f) or 0 for _, f in items]) * 1.25)
    axes[0].set_title("tap-vibes / target-vibes (black tick: the bar; green met, red not met)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def _threshold(figure: dict[str, Any]) -> float | None:
    bar = (figure.get("bar") or "").replace("x", "").replace("%", "").split()
    if len(bar) != 2 or bar[0] not in (">=", ">", "<", "<="):
        return None
    try:
        value = float(bar[1])
    except ValueError:
        return None
    return value / 100 if "%" in (figure.get("bar") or "") else value


def _wrap(text: str, width: int = 60) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


def write(
    results: list[dict[str, Any]],
    *,
    total_seconds: float,
    profile_lines: list[str] | None = None,
    docs: Path = DOCS,
) -> Path:
    docs.mkdir(parents=True, exist_ok=True)
    plotted = plot(results, docs / PLOT_NAME)
    figures = [f for r in results if not r.get("error") for f in r["figures"]]
    bars = [f for f in figures if f.get("met") is not None]
    met = sum(1 for f in bars if f["met"])
    failed = [r["name"] for r in results if r.get("error")]
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`python -m benchmarks`); do not edit by hand. Every figure",
        "compares against a baseline measured in the same run on the same machine, because",
        "absolute numbers on a shared machine drift; absolute numbers are shown too.",
        "",
        f"- Machine: {platform.machine()}, {_cpus()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}",
        f"- Whole run: {total_seconds:.0f} s; bars met: {met} of {len(bars)}"
        + (f"; benchmarks that failed: {', '.join(failed)}" if failed else ""),
        "",
        "## Results",
        "",
        *table(results),
        "",
    ]
    if plotted:
        lines += [f"![Benchmark ratios]({PLOT_NAME})", ""]
    lines += ["## Notes", "", *notes(results), ""]
    lines += [
        "Method notes: emulator and programs each run as their own subprocess on loopback; "
        "rounds alternate ours and the baseline and keep each one's best; records/s leave "
        "interpreter start-up out (measured from the first byte of output, or by "
        "subtracting a one-record run). Analysis of the profile: "
        "[benchmarks/profile_notes.md](../benchmarks/profile_notes.md).",
        "",
    ]
    if profile_lines:
        title = "## Where tap-vibes spends its time (list streams profile)"
        lines += [title, "", *profile_lines, ""]
    lines += ["## Details (raw)", ""]
    for result in results:
        lines += [
            f"<details><summary>{result['name']} ({result.get('seconds', 0):.0f} s)</summary>",
            "",
            "```json",
            json.dumps(result.get("details") or {"error": result.get("error")}, indent=2),
            "```",
            "",
            "</details>",
            "",
        ]
    path = docs / "benchmarks.md"
    path.write_text("\n".join(lines))
    return path


def _cpus() -> int:
    import os

    return os.cpu_count() or 0
