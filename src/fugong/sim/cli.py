"""``fugong sim``: build a simulated province (feeds, truth, manifest) from the command line."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from fugong.cli_output import parse_day
from fugong.sim import DEFAULT_DIRT, DEFAULT_END, DEFAULT_START, generate

app = typer.Typer(
    help="Simulator: a synthetic Zhejiang with every department's feed and the ground truth.", no_args_is_help=True
)


@app.command("generate")
def generate_command(
    out: Path = typer.Option(..., "--out", help="Folder to write feeds/, truth/ and manifest.json into"),
    scale: str = typer.Option("tiny", "--scale", help="tiny (3 counties), demo (90 counties) or province"),
    seed: int = typer.Option(2020, "--seed", help="Random seed; the same seed gives the same bytes"),
    first: str | None = typer.Option(None, "--from", help=f"First day, YYYY-MM-DD (default {DEFAULT_START})"),
    last: str | None = typer.Option(None, "--to", help=f"Last day, YYYY-MM-DD (default {DEFAULT_END})"),
    dirt: float = typer.Option(DEFAULT_DIRT, "--dirt", help="Rate of each kind of dirt, 0..1 (0: clean feeds)"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar"),
    counties: str | None = typer.Option(
        None, "--counties", help="Only these counties, comma-separated codes, at the scale's density (benchmarks)"
    ),
) -> None:
    """Generate a province: every feed in the formats departments send, the truth beside them, a manifest."""
    start = parse_day(first, "--from") or DEFAULT_START
    end = parse_day(last, "--to") or DEFAULT_END
    began = time.perf_counter()
    manifest = generate(
        out,
        scale=scale,  # type: ignore[arg-type]  # checked by generate, which names the scales it knows
        seed=seed,
        start=start,
        end=end,
        dirt=dirt,
        progress=progress,
        counties=counties.split(",") if counties is not None else None,
    )
    rows = sum(f.rows for f in manifest.files)
    seconds = time.perf_counter() - began
    typer.echo(
        f"{manifest.scale} province, seed {manifest.seed}, {start}..{end}, dirt {manifest.dirt}: "
        f"{len(manifest.files)} files, {rows:,} rows in {seconds:.1f} s -> {out / 'manifest.json'}"
    )
