"""typer commands only: parse, call the library, map errors to exit codes.

Every sentence shown to a person comes from `messages.py` (French first, English with --lang en or an
English locale); the language is chosen before the commands are declared, so `--help` speaks it too.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, cast

import typer

from anonymat import __version__, messages
from anonymat.errors import AnonymatError, ExitCode, escape_controls
from anonymat.messages import t
from anonymat.states import Order

messages.set_language(messages.choose_language(sys.argv))


def _help_for_people() -> None:
    """Help without Python types (<bool>, <list[Path]>, {inputs}), in the chosen language."""
    from typer import core, rich_utils
    from typer._click import core as click_core
    from typer._click import formatting

    def display_type(self, ctx):  # the option's METAVAR when it takes a value, nothing for a flag
        if isinstance(self, core.TyperArgument) or getattr(self, "is_flag", False):
            return None
        return self.metavar

    core.TyperOption.display_type_rich = display_type  # type: ignore[method-assign]
    core.TyperArgument.display_type_rich = display_type  # type: ignore[method-assign]

    def usage_name(self) -> str:  # SCANS... rather than {inputs}...
        name = self.display_name_raw
        return name + ("..." if self.nargs != 1 and not name.endswith("...") else "")

    core.TyperArgument._usage_display_name = usage_name  # type: ignore[method-assign]
    original_help_option = click_core.Command.get_help_option

    def get_help_option(self, ctx):
        option = original_help_option(self, ctx)
        if option is not None:
            option.help = t("opt.help")
        return option

    click_core.Command.get_help_option = get_help_option  # type: ignore[method-assign]
    if messages.language() == "fr":
        rich_utils.ARGUMENTS_PANEL_TITLE = "Arguments"
        rich_utils.OPTIONS_PANEL_TITLE = "Options"
        rich_utils.COMMANDS_PANEL_TITLE = "Commandes"
        rich_utils.ERRORS_PANEL_TITLE = "Erreur"
        rich_utils.DEFAULT_STRING = "[par défaut : {}]"
        rich_utils.REQUIRED_LONG_STRING = "[obligatoire]"
        rich_utils.ABORTED_TEXT = "Abandon."
        rich_utils.RICH_HELP = "Aide : [blue]'{command_path} {help_option}'[/]"
        original_usage = formatting.HelpFormatter.write_usage

        def write_usage(self, prog, args="", prefix=None):
            return original_usage(self, prog, args, "Utilisation : " if prefix is None else prefix)

        formatting.HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]
        original_error = rich_utils.rich_format_error

        def rich_format_error(error):  # the parser's refusals ("No such option"...) in French
            said = messages.parser_message(error.format_message())
            error.format_message = lambda: said
            original_error(error)

        rich_utils.rich_format_error = rich_format_error


_help_for_people()

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help=t("app.help", version=__version__),
    epilog=t("app.epilog"),
    context_settings={"help_option_names": ["-h", "--help"]},
)

_verbose = False


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"anonymat {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help=t("opt.version"))
    ] = False,
    lang: Annotated[str | None, typer.Option("--lang", metavar="fr|en", help=t("opt.lang"))] = None,
) -> None:
    """Global options (the language itself is chosen from argv before the commands are declared)."""
    if lang is not None and lang[:2].lower() not in messages.LANGUAGES:
        typer.echo("anonymat: " + t("cli.bad_lang", value=lang), err=True)
        raise typer.Exit(int(ExitCode.USAGE))


def _fail(err: BaseException) -> typer.Exit:
    """The one place exceptions become exit codes; tracebacks only with -v."""
    if _verbose:
        traceback.print_exception(err)
    if isinstance(err, AnonymatError):
        again = " ; " + t("cli.rerun") if err.exit_code == ExitCode.DISK_FULL else ""
        typer.echo(f"anonymat: {escape_controls(str(err))}{again}", err=True)
        return typer.Exit(int(err.exit_code))
    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
        typer.echo("anonymat: " + t("cli.disk_full", where=err.filename or "?"), err=True)
        return typer.Exit(int(ExitCode.DISK_FULL))
    typer.echo("anonymat: " + t("cli.unexpected", kind=type(err).__name__, error=err), err=True)
    return typer.Exit(int(ExitCode.INTERNAL))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _jobs(asked: int, scheduler: str | None) -> int:
    """--jobs: 0 is auto (the cores); more than the cores is capped, with one line saying so."""
    cores = _cores()
    if asked <= 0:
        return cores
    if asked > cores and scheduler is None:
        typer.echo("anonymat: " + t("cli.jobs_capped", asked=asked, cores=cores), err=True)
        return cores
    return asked


@app.command(help=t("process.help"), epilog=t("process.epilog"))
def process(
    inputs: Annotated[list[Path], typer.Argument(metavar="SCANS...", help=t("process.inputs"))],
    outdir: Annotated[Path, typer.Option("-o", "--outdir", metavar="DOSSIER", help=t("process.outdir"))],
    vault: Annotated[Path | None, typer.Option(metavar="DOSSIER", help=t("process.vault"))] = None,
    template: Annotated[str, typer.Option(metavar="NOM|FICHIER", help=t("process.template"))] = "cdg-est",
    jobs: Annotated[
        int, typer.Option("-j", "--jobs", metavar="N", show_default=False, help=t("process.jobs"))
    ] = 0,
    keep_blank: Annotated[bool, typer.Option(help=t("process.keep_blank"), show_default=False)] = False,
    order: Annotated[str, typer.Option(metavar="continuity|scan", help=t("process.order"))] = "continuity",
    jpeg_quality: Annotated[int, typer.Option(metavar="Q", help=t("process.jpeg_quality"))] = 40,
    max_page_kb: Annotated[int, typer.Option(metavar="KO", help=t("process.max_page_kb"))] = 150,
    force: Annotated[bool, typer.Option(help=t("process.force"), show_default=False)] = False,
    verify: Annotated[bool, typer.Option(help=t("process.verify"), show_default=False)] = True,
    scheduler: Annotated[
        str | None, typer.Option(metavar="tcp://HÔTE:PORT", help=t("process.scheduler"))
    ] = None,
    roster: Annotated[Path | None, typer.Option(metavar="FICHIER.csv", help=t("process.roster"))] = None,
    log: Annotated[Path | None, typer.Option("--log", metavar="FICHIER", help=t("process.log"))] = None,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help=t("opt.quiet"))] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help=t("opt.verbose"))] = False,
) -> None:
    global _verbose
    _verbose = verbose

    from anonymat.api import process_batch
    from anonymat.config import Options

    try:
        options = Options(
            inputs=tuple(inputs),
            outdir=outdir,
            vault=vault,
            template=template,
            jobs=_jobs(jobs, scheduler),
            keep_blank=keep_blank,
            order=cast(Order, order),  # Options makes it its Order, or validate() refuses it
            jpeg_quality=jpeg_quality,
            max_page_kb=max_page_kb,
            force=force,
            verify=verify,
            scheduler=scheduler,
            roster=roster,
            log=log,
            verbosity=-1 if quiet else (1 if verbose else 0),
        ).validate()
        code = process_batch(options)
    except Exception as err:  # noqa: BLE001 - the one handler
        raise _fail(err) from err
    raise typer.Exit(int(code))


@app.command(help=t("watch.help"), epilog=t("watch.epilog"))
def watch(
    indir: Annotated[Path, typer.Argument(metavar="ENTREE", help=t("watch.indir"))],
    outdir: Annotated[Path, typer.Option("-o", "--outdir", metavar="DOSSIER", help=t("process.outdir"))],
    template: Annotated[str, typer.Option(metavar="NOM|FICHIER", help=t("process.template"))] = "cdg-est",
    jobs: Annotated[
        int, typer.Option("-j", "--jobs", metavar="N", show_default=False, help=t("process.jobs"))
    ] = 0,
    order: Annotated[str, typer.Option(metavar="continuity|scan", help=t("process.order"))] = "continuity",
    vault: Annotated[Path | None, typer.Option(metavar="DOSSIER", help=t("process.vault"))] = None,
    roster: Annotated[Path | None, typer.Option(metavar="FICHIER.csv", help=t("process.roster"))] = None,
    log: Annotated[Path | None, typer.Option("--log", metavar="FICHIER", help=t("process.log"))] = None,
    interval: Annotated[float, typer.Option(metavar="S", help=t("watch.interval"))] = 2.0,
    settle: Annotated[float, typer.Option(metavar="S", help=t("watch.settle"))] = 5.0,
    once: Annotated[bool, typer.Option(help=t("watch.once"))] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help=t("opt.quiet"))] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help=t("opt.verbose"))] = False,
) -> None:
    global _verbose
    _verbose = verbose
    from anonymat.config import Options
    from anonymat.errors import UsageError
    from anonymat.run.watch import watch as watch_folder

    try:
        if not indir.is_dir():
            raise UsageError(t("at", where=indir, what=t("options.not_a_folder")))
        options = Options(
            inputs=(indir,),
            outdir=outdir,
            vault=vault,
            template=template,
            jobs=_jobs(jobs, None),
            order=cast(Order, order),  # Options makes it its Order, or validate() refuses it
            roster=roster,
            log=log,
            verbosity=-1 if quiet else (1 if verbose else 0),
        ).validate()
        code = watch_folder(indir, options, interval=interval, settle=settle, once=once)
    except Exception as err:  # noqa: BLE001 - the one handler
        raise _fail(err) from err
    raise typer.Exit(int(code))


@app.command("verify", help=t("verify.help"))
def verify_cmd(
    outdir: Annotated[Path, typer.Argument(metavar="DOSSIER", help=t("verify.outdir"))],
    roster: Annotated[Path | None, typer.Option(metavar="FICHIER.csv", help=t("verify.roster"))] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help=t("opt.verbose"))] = False,
) -> None:
    global _verbose
    _verbose = verbose
    from anonymat.review.roster import load_roster
    from anonymat.review.verify import print_report, verify_outdir

    try:
        names = load_roster(roster) if roster is not None else None
        results = verify_outdir(outdir, roster=names)
    except Exception as err:  # noqa: BLE001
        raise _fail(err) from err
    print_report(results)
    raise typer.Exit(0 if all(r.ok for r in results) else int(ExitCode.NEEDS_REVIEW))


@app.command(help=t("samples.help"))
def samples(
    outdir: Annotated[Path, typer.Argument(metavar="DOSSIER", help=t("samples.outdir"))],
    copies: Annotated[int, typer.Option(metavar="N", help=t("samples.copies"))] = 4,
    seed: Annotated[int, typer.Option(metavar="N", help=t("samples.seed"))] = 1,
    form: Annotated[str, typer.Option(metavar="NOM", help=t("samples.form"))] = "cdg-est",
) -> None:
    from anonymat.synth import make_corpus

    try:
        truth = make_corpus(outdir, copies=copies, seed=seed, form=form)
    except Exception as err:  # noqa: BLE001
        raise _fail(err) from err
    pages = sum(len(c["pages"]) for c in truth["copies"])
    typer.echo(t("samples.done", copies=len(truth["copies"]), pages=pages, outdir=outdir))


@app.command("evaluate", help=t("evaluate.help"), epilog=t("evaluate.epilog"))
def evaluate_cmd(
    outdir: Annotated[Path, typer.Argument(metavar="DOSSIER", help=t("evaluate.outdir"))],
    truth: Annotated[Path, typer.Option(metavar="VERITE.json", help=t("evaluate.truth"))],
    junit: Annotated[Path | None, typer.Option(metavar="FICHIER.xml", help=t("evaluate.junit"))] = None,
    ocr: Annotated[bool, typer.Option(help=t("evaluate.ocr"), show_default=False)] = True,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help=t("opt.verbose"))] = False,
) -> None:
    global _verbose
    _verbose = verbose
    from anonymat.review import evaluate

    try:
        result = evaluate.evaluate(outdir, evaluate.load_truth(truth), ocr_pages=ocr)
        evaluate.print_table(result)
        if junit is not None:
            evaluate.write_junit(result, junit)
    except Exception as err:  # noqa: BLE001
        raise _fail(err) from err
    raise typer.Exit(0 if result.passed else int(ExitCode.NEEDS_REVIEW))


@app.command(help=t("doctor.help"))
def doctor() -> None:
    from anonymat.doctor import missing_required, run_checks

    checks = run_checks()
    for check in checks:
        mark = t("doctor.ok") if check.ok else t("doctor.missing" if check.required else "doctor.absent")
        typer.echo(f"{mark} {check.name}: {check.detail}")
    missing = missing_required(checks)
    for check in checks:
        if not check.ok:
            typer.echo(t("doctor.how", name=check.name, fix=check.fix))
    if missing:
        typer.echo(t("doctor.n_missing", n=len(missing)), err=True)
        raise typer.Exit(int(ExitCode.MISSING_DEPENDENCY))
    typer.echo(t("doctor.all_good"))


@app.command(help=t("fix.help"))
def fix(
    outdir: Annotated[Path, typer.Argument(metavar="DOSSIER", help=t("fix.outdir"))],
    number: Annotated[str | None, typer.Argument(metavar="NUMERO", help=t("fix.number"))] = None,
    order: Annotated[str | None, typer.Option(metavar="3,1,2", help=t("fix.order"))] = None,
    move: Annotated[str | None, typer.Option(metavar="PAGE:NUMERO", help=t("fix.move"))] = None,
    drop: Annotated[str | None, typer.Option(metavar="PAGE", help=t("fix.drop"))] = None,
    add: Annotated[str | None, typer.Option(metavar="FICHIER:PAGE[@POS]", help=t("fix.add"))] = None,
    template: Annotated[str | None, typer.Option(metavar="FICHIER", help=t("fix.template"))] = None,
    csv: Annotated[Path | None, typer.Option("--csv", metavar="FICHIER.csv", help=t("fix.csv"))] = None,
    resolved: Annotated[bool, typer.Option(help=t("fix.resolved"))] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help=t("opt.verbose"))] = False,
) -> None:
    global _verbose
    _verbose = verbose
    from anonymat.errors import UsageError
    from anonymat.review import fix as fixing

    try:
        if csv is not None:
            if number is not None or order or move or drop or add:
                raise UsageError(t("fix.csv_and_number"))
            fixes = fixing.read_csv_fixes(csv, resolved=resolved)
        elif number is None:
            raise UsageError(t("fix.no_number"))
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
        from anonymat.run import lock

        with lock.hold(outdir, "fix"):  # never while a `process` writes the same folder
            done = fixing.apply_fixes(outdir, fixes, template=template)
        lines = fixing.order_lines(outdir, done or list(dict.fromkeys(f.number for f in fixes)))
    except Exception as err:  # noqa: BLE001 - the one handler
        raise _fail(err) from err
    if done:
        typer.echo(t("fix.done", numbers=", ".join(done), report=outdir / "report.html"))
    else:
        typer.echo(t("fix.nothing"))
    for line in lines:
        typer.echo(line)


template_app = typer.Typer(
    no_args_is_help=True, help=t("template.help"), context_settings={"help_option_names": ["-h", "--help"]}
)
app.add_typer(template_app, name="template")


@template_app.command("learn", help=t("learn.help"))
def template_learn(
    scans: Annotated[list[Path], typer.Argument(metavar="SCANS...", help=t("learn.scans"))],
    output: Annotated[Path, typer.Option("-o", "--output", metavar="FICHIER.json", help=t("learn.output"))],
    preview: Annotated[Path | None, typer.Option(metavar="FICHIER.png", help=t("learn.preview"))] = None,
    name: Annotated[str | None, typer.Option(metavar="NOM", help=t("learn.name"))] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help=t("opt.verbose"))] = False,
) -> None:
    global _verbose
    _verbose = verbose
    from anonymat.page import learn
    from anonymat.page.template import parse_template

    try:
        learned = learn.learn(scans, name or learn.safe_name(output))
        learn.write_template(learned.data, output)
        picture = preview or output.with_suffix(".png")
        image, how = learn.preview(parse_template(learned.data, str(output)), learn.first_written(scans))
        learn.write_png(image, picture)
    except Exception as err:  # noqa: BLE001 - the one handler
        raise _fail(err) from err
    typer.echo(t("learn.done", output=output, pages=learned.pages, preview=picture, how=how))
    for line in learned.missing:
        typer.echo(t("learn.not_found", what=line))
    typer.echo(t("learn.next", output=output))


@template_app.command("show", help=t("show.help"))
def template_show(
    template: Annotated[str, typer.Argument(metavar="MODELE", help=t("show.template"))],
    scan: Annotated[Path, typer.Argument(metavar="SCAN", help=t("show.scan"))],
    output: Annotated[Path, typer.Option("-o", "--output", metavar="FICHIER.png", help=t("show.output"))],
    page: Annotated[int, typer.Option(metavar="N", help=t("show.page"))] = 1,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help=t("opt.verbose"))] = False,
) -> None:
    global _verbose
    _verbose = verbose
    from anonymat.page import learn
    from anonymat.page.template import load_template

    try:
        image, how = learn.preview(load_template(template), scan, page - 1)
        learn.write_png(image, output)
    except Exception as err:  # noqa: BLE001 - the one handler
        raise _fail(err) from err
    typer.echo(t("show.done", output=output, how=how))


def main() -> None:  # pragma: no cover - console entry
    sys.exit(app())
