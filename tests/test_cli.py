"""The command line speaks German (help for every command and option, with the defaults), and
every command the README shows is one the command line and the Makefile accept."""

from __future__ import annotations

import argparse
import re
import shlex

import pytest

from analysis import config, pipeline
from analysis.__main__ import parser

README = (config.ROOT / "README.md").read_text(encoding="utf-8")
#: Words argparse writes in English when nobody translates them.
ENGLISH = ("usage:", "show this help", "options:", "positional arguments", "default:", "error:")
#: English words in a help text: what the help said before it was German.
ENGLISH_WORDS = r"\b(the|of|and|for|with|file|folder|number|write|read|also|rows|per)\b"


def _commands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


@pytest.mark.parametrize("name", sorted(_commands()))
def test_every_command_and_option_has_german_help_with_its_default(name):
    command = _commands()[name]
    text = command.format_help()
    assert text.startswith("Aufruf: ") and "Optionen:" in text, text
    assert not any(word in text for word in ENGLISH), text
    for action in command._actions:
        if not action.option_strings or action.help == argparse.SUPPRESS:
            continue
        assert action.help and not re.search(ENGLISH_WORDS, action.help), (name, action.option_strings, action.help)
        if action.default not in (None, False, argparse.SUPPRESS) and action.dest != "help":
            assert "(Standard: " in command._get_formatter()._expand_help(action), (name, action.option_strings)


def test_top_level_help_and_errors_are_german(capsys):
    assert not any(word in parser().format_help() for word in ENGLISH)
    with pytest.raises(SystemExit) as exit_:
        parser().parse_args(["run", "--by", "kreis"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "Fehler: " in err and "ungültige Wahl" in err and "usage" not in err


def _readme_commands() -> list[list[str]]:
    """Every `python -m analysis …` line of the README's code and inline code, optional
    `[…]` parts left out."""
    found = re.findall(r"(?:\.venv/bin/)?python -m analysis ([^`#\n…]+)", README)
    return [args for line in found if (args := shlex.split(re.sub(r"\[[^\]]*\]", "", line))) and "-h" not in args]


def test_the_readme_shows_commands_the_command_line_accepts():
    commands = _readme_commands()
    assert len(commands) >= 10
    for args in commands:
        parser().parse_args(args)  # exits with code 2 on anything the parser does not accept


def test_the_readmes_make_targets_and_papermill_parameters_exist():
    makefile = (config.ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z-]+):", makefile, re.MULTILINE))
    for target in set(re.findall(r"`make ([a-z-]+)", README)):
        assert target in targets, target
    for notebook, params in re.findall(
        r"papermill (notebooks/\S+\.ipynb) \S+((?: -p \S+ (?:\"[^\"]*\"|\S+))+)", README
    ):
        names = set(re.findall(r"-p (\S+)", params))
        assert names and names <= pipeline._parameters(notebook.split("/")[-1]), (notebook, names)


def test_the_readme_explains_the_command_for_an_activated_venv():
    assert "source .venv/bin/activate" in README and "kommunen-analysis" in README
