"""Merge fields in query emails, rendered safely.

Jinja2's sandbox alone is not enough (it has had escapes, and renders `{{ 'a' * 10**9 }}`
happily), so a template is parsed and its syntax tree checked against an allowlist before
it is saved or rendered: text, `{{ group.field }}` for the fields below, and the `default`
filter with a string. Anything else (calls, other filters, attribute walks, loops, tests,
globals such as `cycler` or `lipsum`) is refused with a message. What is rendered is a
dict of plain strings, so even a template that slipped past the check reaches nothing."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

FIELDS: dict[str, tuple[str, ...]] = {
    "contact": ("first_name", "last_name", "full_name", "company", "title", "city"),
    "release": ("title", "stream_url", "epk_url", "release_date"),
    "artist": ("name",),
    "me": ("name", "email"),
}
ALL_FIELDS = [f"{group}.{name}" for group, names in FIELDS.items() for name in names]
# How the field picker names each field, in the user's words (the syntax stays underneath).
FIELD_LABELS = {
    "contact.first_name": "First name",
    "contact.last_name": "Last name",
    "contact.full_name": "Full name",
    "contact.company": "Their company",
    "contact.title": "Their job title",
    "contact.city": "Their city",
    "release.title": "Release title",
    "release.stream_url": "Streaming link",
    "release.epk_url": "EPK link",
    "release.release_date": "Release date",
    "artist.name": "Artist name",
    "me.name": "My name",
    "me.email": "My email",
}
# Chips that insert a field with a fallback for when it is empty.
FIELD_FALLBACKS = {"contact.first_name": "there", "contact.company": "your team"}
MAX_SUBJECT = 200
MAX_BODY = 10_000
MAX_RENDERED = 20_000
# A merge field takes one fallback, perhaps a few in a row; never hundreds.
MAX_FALLBACKS = 5
NESTED_TOO_DEEP = (
    "A merge field is nested too deeply; write it like {{ contact.first_name }} with at"
    ' most one | default("...").'
)
# Marks around a value that came from a fallback, so a preview can highlight it.
FALLBACK_START, FALLBACK_END = "\ue000", "\ue001"


@dataclass
class Problem:
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.line is not None:
            where = f"Line {self.line}" + (f", column {self.column}" if self.column else "")
            where += ": "
        return where + self.message


class TemplateError(ValueError):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _default(value: object, fallback: str = "") -> str:
    """`default` that also covers empty values; marks the fallback for previews."""
    if value in (None, "") or not str(value).strip():
        return f"{FALLBACK_START}{fallback}{FALLBACK_END}"
    return value


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)
    env.filters = {"default": _default}
    env.tests = {}
    env.globals = {}
    return env


ENV = _environment()


def _locate_syntax_error(source: str, error: TemplateSyntaxError) -> Problem:
    """Jinja reports a line; find the tag on it that fails, for a column too."""
    line = error.lineno or 1
    lines = source.splitlines() or [""]
    text = lines[min(line, len(lines)) - 1]
    column = None
    for match in re.finditer(r"\{[{%#]", text):
        tag_end = text.find("}}" if match.group() == "{{" else "%}", match.end())
        fragment = text[match.start() : tag_end + 2] if tag_end != -1 else text[match.start() :]
        try:
            ENV.parse(fragment)
        except TemplateSyntaxError:
            column = match.start() + 1
            break
    message = error.message or "Syntax error"
    if "unexpected end of template" in message or "expected token 'end of print" in message:
        message = "A merge field is not closed: write it as {{ contact.first_name }}."
    return Problem(message, line, column)


def _check_expression(node: nodes.Node, problems: list[Problem], depth: int = 0) -> None:
    line = getattr(node, "lineno", None)
    if depth > MAX_FALLBACKS:
        problems.append(Problem(NESTED_TOO_DEEP, line))
        return
    if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
        group, name = node.node.name, node.attr
        if group in FIELDS and name in FIELDS[group]:
            return
        field = f"{group}.{name}"
        close = [] if "_" == name[:1] else difflib.get_close_matches(field, ALL_FIELDS, n=1)
        hint = f" Did you mean {{{{ {close[0]} }}}}?" if close else ""
        problems.append(Problem(f"Unknown merge field “{field}”.{hint}", line))
        return
    if isinstance(node, nodes.Filter):
        if node.name != "default" or node.kwargs or node.dyn_args or node.dyn_kwargs:
            problems.append(
                Problem(f"Only the default filter is allowed here, not “{node.name}”.", line)
            )
            return
        if len(node.args) > 1 or any(
            not (isinstance(a, nodes.Const) and isinstance(a.value, str)) for a in node.args
        ):
            problems.append(Problem('Write a fallback as default("text").', line))
            return
        _check_expression(node.node, problems, depth + 1)
        return
    if isinstance(node, nodes.Name):
        choices = ", ".join(sorted(FIELDS))
        problems.append(
            Problem(
                f"“{node.name}” is not a merge field; use one of {choices} with a field, "
                "like {{ contact.first_name }}.",
                line,
            )
        )
        return
    problems.append(
        Problem(
            "Only merge fields like {{ contact.first_name }} are allowed, with an optional "
            '| default("...").',
            line,
        )
    )


def check(source: str, limit: int = MAX_BODY, label: str = "Body") -> list[Problem]:
    """Everything wrong with a template, for messages at save time (empty when fine)."""
    if len(source) > limit:
        return [Problem(f"{label} is {len(source):,} characters; the limit is {limit:,}.")]
    try:
        tree = ENV.parse(source)
    except TemplateSyntaxError as error:
        return [_locate_syntax_error(source, error)]
    except RecursionError:
        return [Problem(NESTED_TOO_DEEP)]
    problems: list[Problem] = []
    for node in tree.body:
        if not isinstance(node, nodes.Output):
            problems.append(
                Problem(
                    "Only text and merge fields are allowed ({% ... %} blocks are not).",
                    getattr(node, "lineno", None),
                )
            )
            continue
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                continue
            _check_expression(child, problems)
    if not problems:
        # Compiled here too, where a failure can be told to the user, but only once every
        # expression is a merge field: Jinja's compiler folds constants, so compiling
        # {{ 'a' * 300000000 }} would build that string (seconds and 300 MB).
        try:
            ENV.compile(tree)
        except RecursionError:
            return [Problem(NESTED_TOO_DEEP)]
    return problems


def render(source: str, context: dict[str, dict[str, str]], *, marked: bool = False) -> str:
    """Render a checked template. With `marked`, fallbacks keep their marks for previews."""
    problems = check(source, limit=max(MAX_BODY, MAX_SUBJECT))
    if problems:
        raise TemplateError(problems)
    clean = {
        group: {k: _unmark(str(v or "")) for k, v in values.items()}
        for group, values in context.items()
    }
    output = ENV.from_string(source).render(clean)
    if len(output) > MAX_RENDERED:
        raise TemplateError([Problem(f"The email would be over {MAX_RENDERED:,} characters.")])
    return output if marked else _unmark(output)


def render_subject(source: str, context: dict[str, dict[str, str]], *, marked=False) -> str:
    """A subject on one line: a line break can never reach an email header."""
    return " ".join(render(source, context, marked=marked).split())


def _unmark(text: str) -> str:
    return text.replace(FALLBACK_START, "").replace(FALLBACK_END, "")
