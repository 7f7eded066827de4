"""Merge fields render right, fall back when empty, and nothing else gets through."""

import tracemalloc

import pytest

from crm.mail_templates.rendering import ALL_FIELDS, TemplateError, check, render, render_subject
from crm.mail_templates.starter import STARTER_TEMPLATES

FULL = {
    "contact": {
        "first_name": "Ana",
        "last_name": "Okafor",
        "full_name": "Ana Okafor",
        "company": "Bluebird Records",
        "title": "A&R",
        "city": "London",
    },
    "release": {
        "title": "Night Drive",
        "stream_url": "https://s.example/x",
        "epk_url": "https://s.example/epk",
        "release_date": "14 March 2026",
    },
    "artist": {"name": "The Night Owls"},
    "me": {"name": "Sam", "email": "sam@owls.example"},
}
EMPTY = {group: {name: "" for name in values} for group, values in FULL.items()}
# A contact with every field empty, and no release: what a hurried pitch may meet.
EMPTY_CONTACT = {**FULL, "contact": EMPTY["contact"], "release": EMPTY["release"]}


@pytest.mark.parametrize("field", ALL_FIELDS)
def test_every_field_renders(field):
    group, name = field.split(".")
    assert render("{{ " + field + " }}", FULL) == FULL[group][name]


def test_default_covers_empty_and_missing_values():
    source = '{{ contact.first_name | default("there") }}'
    assert render(source, FULL) == "Ana"
    assert render(source, EMPTY) == "there"
    whitespace = {**EMPTY, "contact": {**EMPTY["contact"], "first_name": "   "}}
    assert render(source, whitespace) == "there"
    assert render("{{ contact.first_name }}!", EMPTY) == "!"


def test_fallbacks_are_marked_for_previews_only():
    marked = render('Hi {{ contact.first_name | default("there") }}', EMPTY, marked=True)
    assert marked == "Hi \ue000there\ue001"
    assert render('Hi {{ contact.first_name | default("there") }}', EMPTY) == "Hi there"


def test_a_subject_never_carries_a_line_break():
    context = {**FULL, "artist": {"name": "Evil\r\nBcc: all@example.com"}}
    subject = render_subject("Hi\n{{ artist.name }}", context)
    assert "\n" not in subject and "\r" not in subject
    assert subject == "Hi Evil Bcc: all@example.com"


def test_unknown_fields_are_caught_by_name_with_a_suggestion():
    problems = check("Hi {{ contact.frist_name }}")
    assert [str(p) for p in problems] == [
        "Line 1: Unknown merge field “contact.frist_name”. Did you mean {{ contact.first_name }}?"
    ]


@pytest.mark.parametrize(
    ("source", "line", "column"),
    [
        ("Hi {{ contact.first_name ", 1, 4),
        ("ok\nand {{ contact. }}", 2, 5),
        ("a\nb\n{% if %}", 3, 1),
    ],
)
def test_syntax_errors_say_where(source, line, column):
    [problem] = check(source)
    assert (problem.line, problem.column) == (line, column)


INJECTIONS = [
    "{{ config }}",
    "{{ self }}",
    "{{ self.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ contact.__class__ }}",
    "{{ contact.first_name.__class__.__base__ }}",
    "{{ contact['first_name'] }}",
    "{{ contact.first_name.upper() }}",
    "{{ contact.first_name | attr('__class__') }}",
    "{{ contact.first_name | upper }}",
    "{{ contact.first_name | default(contact.__class__) }}",
    "{{ 'a' * 300000000 }}",
    "{{ range(10**9) | list }}",
    "{% for x in range(100) %}{{ x }}{% endfor %}",
    "{% set x = 1 %}",
    "{% include 'base.html' %}",
    "{% extends 'base.html' %}",
    "{% import 'macros.html' as m %}",
    "{{ request }}",
    "{{ g }}",
    "{{ url_for('accounts.login') }}",
    "{% macro m() %}{% endmacro %}",
    "{{ contact.first_name if contact else '' }}",
    "{{ 7 * 7 }}",
]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_template_injection_payloads_are_refused(payload):
    assert check(payload), payload
    with pytest.raises(TemplateError):
        render(payload, FULL)


def test_rendered_size_and_template_length_are_capped():
    assert "limit is 10,000" in str(check("x" * 10_001)[0])
    with pytest.raises(TemplateError, match="over 20,000 characters"):
        render(
            "{{ contact.first_name }}" * 100,
            {**FULL, "contact": {**FULL["contact"], "first_name": "x" * 1000}},
        )


@pytest.mark.parametrize("starter", STARTER_TEMPLATES, ids=lambda t: t["name"])
def test_the_starter_library_renders_cleanly_for_an_empty_contact(starter):
    assert not check(starter["subject"]) and not check(starter["body"])
    subject = render_subject(starter["subject"], EMPTY_CONTACT)
    body = render(starter["body"], EMPTY_CONTACT)
    for text in (subject, body):
        assert "{{" not in text and "}}" not in text
        assert "Hi ," not in text and '""' not in text and " ," not in text
    assert body.startswith("Hi there,")


def test_a_refused_expression_is_never_worked_out():
    """Jinja's compiler folds constants: checking {{ 'a' * 300000000 }} must refuse it
    without building the 300 MB string."""
    tracemalloc.start()
    try:
        assert check("{{ 'a' * 300000000 }}")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000
