"""A click command that speaks Swedish: its help, its usage line and its errors.

`finsam check` is run by the associations' contact persons, who read Swedish; click's own words
("Usage:", "Options:", "Show this message and exit.", "Error: ...", "Try ... for help.") are
English. A command made with ``cls=SwedishCommand`` prints them in Swedish, and turns the usage
errors click itself finds (an unknown option) into Swedish sentences too.
"""

from __future__ import annotations

import click


def _in_swedish(error: click.UsageError) -> str:
    """click's own usage error as a Swedish sentence (an unknown option; others as click says)."""
    if isinstance(error, click.NoSuchOption):
        guesses = " eller ".join(sorted(error.possibilities or ()))
        return f"Flaggan {error.option_name} finns inte." + (
            f" Menade du {guesses}?" if guesses else ""
        )
    return error.format_message()


class SwedishUsageError(click.UsageError):
    """A usage error (exit status 2) shown in Swedish: the usage line, a hint, 'Fel: ...'.
    Raised from a command's callback, it finds the command's context itself."""

    def __init__(self, message: str, ctx: click.Context | None = None) -> None:
        super().__init__(message, ctx or click.get_current_context(silent=True))

    def show(self, file=None) -> None:
        if file is None:
            file = click.get_text_stream("stderr")
        color = self.ctx.color if self.ctx is not None else None
        if self.ctx is not None:
            hint = f"Skriv '{self.ctx.command_path} --help' för att få hjälp."
            click.echo(f"{self.ctx.get_usage()}\n{hint}\n", file=file, color=color)
        click.echo(f"Fel: {self.format_message()}", file=file, color=color)


class SwedishCommand(click.Command):
    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="Användning: ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        options = [
            record
            for param in self.get_params(ctx)
            if not isinstance(param, click.Argument)
            and (record := param.get_help_record(ctx)) is not None
        ]
        if options:
            with formatter.section("Flaggor"):
                formatter.write_dl(options)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "Visa den här hjälpen och avsluta."
        return option

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except SwedishUsageError:
            raise
        except click.UsageError as error:
            raise SwedishUsageError(_in_swedish(error), ctx) from error
