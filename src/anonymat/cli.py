"""typer commands only: parse, call the library, map errors to exit codes."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer

from anonymat import __version__
from anonymat.errors import AnonymatError, ExitCode

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Anonymize scanned handwritten exam copies (anonymat " + __version__ + ").",
)

_verbose = False


def _fail(err: BaseException) -> typer.Exit:
    """The one place exceptions become exit codes; tracebacks only with -v."""
    if _verbose:
        traceback.print_exception(err)
    if isinstance(err, AnonymatError):
        typer.echo(f"anonymat: {err}", err=True)
        return typer.Exit(int(err.exit_code))
    typer.echo(
        f"anonymat: unexpected error: {type(err).__name__}: {err} (run again with -v for details)", err=True
    )
    return typer.Exit(int(ExitCode.USAGE))


@app.command()
def process(
    inputs: Annotated[list[Path], typer.Argument(help="Scanned files or folders (PDF, TIFF, JPEG, PNG).")],
    outdir: Annotated[Path, typer.Option("-o", "--outdir", help="Folder for the anonymized copies.")],
    vault: Annotated[
        Path | None, typer.Option(help="Folder for identity crops (lifting anonymity later).")
    ] = None,
    template: Annotated[
        str, typer.Option(help="Built-in template name or a template JSON file.")
    ] = "cdg-est",
    jobs: Annotated[int, typer.Option(help="Pages analysed in parallel (default: number of cores).")] = 0,
    keep_blank: Annotated[bool, typer.Option(help="Keep blank pages in the output PDFs.")] = False,
    order: Annotated[str, typer.Option(help="'continuity' (reorder by the text) or 'scan'.")] = "continuity",
    jpeg_quality: Annotated[int, typer.Option(help="JPEG quality of the output pages.")] = 40,
    max_page_kb: Annotated[
        int,
        typer.Option(
            help="Largest output page at 200 dpi, in KB: denser pages get a lower quality (0: no limit)."
        ),
    ] = 150,
    force: Annotated[bool, typer.Option(help="Redo copies already present in OUTDIR.")] = False,
    verify: Annotated[bool, typer.Option(help="Check every output after writing it.")] = True,
    scheduler: Annotated[
        str | None, typer.Option(help="Run on a Dask cluster: tcp://HOST:PORT of `dask scheduler`.")
    ] = None,
    roster: Annotated[
        Path | None,
        typer.Option(help="CSV of the candidates' names (nom;prenom): flag copies whose body names one."),
    ] = None,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No progress, only errors.")] = False,
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="More detail, tracebacks on errors.")
    ] = False,
) -> None:
    """Anonymize every copy found in INPUT... into OUTDIR."""
    global _verbose
    _verbose = verbose
    import os

    from anonymat.api import process_batch
    from anonymat.config import Options

    try:
        options = Options(
            inputs=tuple(inputs),
            outdir=outdir,
            vault=vault,
            template=template,
            jobs=jobs or (os.cpu_count() or 1),
            keep_blank=keep_blank,
            order=order,
            jpeg_quality=jpeg_quality,
            max_page_kb=max_page_kb,
            force=force,
            verify=verify,
            scheduler=scheduler,
            roster=roster,
            verbosity=-1 if quiet else (1 if verbose else 0),
        ).validate()
        code = process_batch(options)
    except Exception as err:  # noqa: BLE001 - the one handler
        raise _fail(err) from err
    raise typer.Exit(int(code))


@app.command("verify")
def verify_cmd(
    outdir: Annotated[Path, typer.Argument(help="An OUTDIR written by `anonymat process`.")],
    roster: Annotated[
        Path | None,
        typer.Option(help="CSV of the candidates' names (nom;prenom): fail a copy whose header shows one."),
    ] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Check that every copy in OUTDIR is complete and carries no identity."""
    global _verbose
    _verbose = verbose
    from anonymat.roster import load_roster
    from anonymat.verify import print_report, verify_outdir

    try:
        names = load_roster(roster) if roster is not None else None
        results = verify_outdir(outdir, roster=names)
    except Exception as err:  # noqa: BLE001
        raise _fail(err) from err
    print_report(results)
    raise typer.Exit(0 if all(r.ok for r in results) else int(ExitCode.NEEDS_REVIEW))


@app.command()
def samples(
    outdir: Annotated[Path, typer.Argument(help="Where to write the scans and truth.json.")],
    copies: Annotated[int, typer.Option(help="How many exam copies.")] = 4,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same bytes.")] = 1,
    form: Annotated[
        str, typer.Option(help="Form layout (cdg-est, rule-banner, left-id, ...) or 'mixed'.")
    ] = "cdg-est",
) -> None:
    """Generate realistic synthetic scanned copies (and their truth file, for tests only)."""
    from anonymat.synth import make_corpus

    try:
        truth = make_corpus(outdir, copies=copies, seed=seed, form=form)
    except Exception as err:  # noqa: BLE001
        raise _fail(err) from err
    pages = sum(len(c["pages"]) for c in truth["copies"])
    typer.echo(f"wrote {len(truth['copies'])} copies, {pages} scanned pages, to {outdir}")


@app.command()
def doctor() -> None:
    """Check that tesseract, its French data and the barcode readers are installed."""
    from anonymat.doctor import missing_required, run_checks

    checks = run_checks()
    for check in checks:
        mark = "ok     " if check.ok else ("MISSING" if check.required else "absent ")
        typer.echo(f"{mark} {check.name}: {check.detail}")
    missing = missing_required(checks)
    for check in checks:
        if not check.ok:
            typer.echo(f"  to install {check.name}: {check.fix}")
    if missing:
        typer.echo(f"{len(missing)} required component(s) missing.", err=True)
        raise typer.Exit(int(ExitCode.MISSING_DEPENDENCY))
    typer.echo("everything anonymat needs is installed.")


@app.command()
def fix(
    outdir: Annotated[Path, typer.Argument(help="An OUTDIR written by `anonymat process`.")],
    number: Annotated[str | None, typer.Argument(help="The copy to fix (its anonymity number).")] = None,
    order: Annotated[
        str | None,
        typer.Option(help="New page order: page numbers as the report shows them (3,1,2) or FILE:PAGE."),
    ] = None,
    move: Annotated[
        str | None, typer.Option(help="PAGE:OTHERNUMBER: move page PAGE to the end of copy OTHERNUMBER.")
    ] = None,
    drop: Annotated[str | None, typer.Option(help="Remove page PAGE (or PAGE,PAGE) from the copy.")] = None,
    add: Annotated[
        str | None,
        typer.Option(help="FILE:PAGE[@POSITION]: attach an unassigned page (last, or at POSITION)."),
    ] = None,
    template: Annotated[
        str | None, typer.Option(help="With --add: the template FILE `process` was given.")
    ] = None,
    csv: Annotated[
        Path | None, typer.Option("--csv", help="CSV with a `number,order` header: reorder many copies.")
    ] = None,
    resolved: Annotated[bool, typer.Option(help="Clear all the copy's review reasons (checked).")] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Reorder, move or drop pages of copies in OUTDIR by hand; rebuilds only those copies."""
    global _verbose
    _verbose = verbose
    from anonymat import fix as fixing
    from anonymat.errors import UsageError

    try:
        if csv is not None:
            if number is not None or order or move or drop or add:
                raise UsageError("--csv replaces NUMBER and --order/--move/--drop: give one or the other")
            fixes = fixing.read_csv_fixes(csv, resolved=resolved)
        elif number is None:
            raise UsageError("give the copy's NUMBER (or --csv FILE)")
        else:
            fixes = [
                fixing.Fix(
                    number=number,
                    order=fixing.parse_positions(order, "--order") if order is not None else None,
                    move=fixing.parse_move(move) if move is not None else None,
                    drop=fixing.parse_positions(drop, "--drop") if drop is not None else (),
                    resolved=resolved,
                    add=fixing.parse_add(add) if add is not None else None,
                )
            ]
        done = fixing.apply_fixes(outdir, fixes, template=template)
        lines = fixing.order_lines(outdir, done or list(dict.fromkeys(f.number for f in fixes)))
    except Exception as err:  # noqa: BLE001 - the one handler
        raise _fail(err) from err
    if done:
        typer.echo(f"fixed {', '.join(done)}; report: {outdir / 'report.html'}")
    else:
        typer.echo("nothing to change: already as asked (no file written)")
    for line in lines:
        typer.echo(line)


template_app = typer.Typer(
    no_args_is_help=True, help="Onboard a new form: learn its template, check it on a scan."
)
app.add_typer(template_app, name="template")


@template_app.command("learn")
def template_learn(
    scans: Annotated[list[Path], typer.Argument(help="Scans of filled-in copies (some with the flap open).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The template JSON to write.")],
    preview: Annotated[
        Path | None, typer.Option(help="The preview PNG (default: next to the template, .png).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="The template's name (default: the file name).")] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Learn the template of a form from a few scans; write it and a preview with every zone drawn."""
    global _verbose
    _verbose = verbose
    from anonymat import learn
    from anonymat.template import parse_template

    try:
        learned = learn.learn(scans, name or learn.safe_name(output))
        learn.write_template(learned.data, output)
        picture = preview or output.with_suffix(".png")
        image, how = learn.preview(parse_template(learned.data, str(output)), learn.first_written(scans))
        learn.write_png(image, picture)
    except Exception as err:  # noqa: BLE001 - the one handler
        raise _fail(err) from err
    typer.echo(f"learned {output} from {learned.pages} pages; preview {picture} ({how})")
    for line in learned.missing:
        typer.echo(f"not found: {line}")
    typer.echo(f"check the preview, then: anonymat process SCANS -o OUTDIR --template {output}")


@template_app.command("show")
def template_show(
    template: Annotated[str, typer.Argument(help="A built-in template name or a template JSON file.")],
    scan: Annotated[Path, typer.Argument(help="A scanned page (PDF, TIFF, JPEG or PNG).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The preview PNG to write.")],
    page: Annotated[int, typer.Option(help="Which page of the scan (1 = the first).")] = 1,
    verbose: Annotated[bool, typer.Option("-v", "--verbose")] = False,
) -> None:
    """Draw a template's zones over a scan, placed as `process` would place them."""
    global _verbose
    _verbose = verbose
    from anonymat import learn
    from anonymat.template import load_template

    try:
        image, how = learn.preview(load_template(template), scan, page - 1)
        learn.write_png(image, output)
    except Exception as err:  # noqa: BLE001 - the one handler
        raise _fail(err) from err
    typer.echo(f"wrote {output}: {how}")


def main() -> None:  # pragma: no cover - console entry
    sys.exit(app())
