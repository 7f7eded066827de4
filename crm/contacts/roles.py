"""A contact's role guessed from what an address book says about them: no export has a
"role" column, but nearly every one has a job title, a company and groups. The guess is
stored as such (Contact.role_inferred) until a person confirms or changes it.

The patterns are tried in order, and the first that matches wins: "A&R Manager" is A&R,
not a manager; "Label Manager" runs a label; "Playlist Editor" curates rather than writes.
They read English and the common European languages (German, French, Spanish, Italian,
Portuguese, Dutch, Swedish), on folded text (lower case, accents off)."""

from __future__ import annotations

import re
from functools import lru_cache

from crm.models.contacts import Role
from crm.text import fold


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w&])(?:" + "|".join(patterns) + r")(?![\w&])")


# From a job title, or a group the contact is in ("Booking Agents", "Press").
TITLE_PATTERNS: tuple[tuple[re.Pattern[str], Role], ...] = (
    (
        _words(
            r"a ?& ?r",
            r"a ?and ?r",
            r"a ?\+ ?r",
            r"artists? (?:and|&) repertoire",
            r"(?:talent )?scout",
            r"direct(?:eur|rice|or|ora) artistique",
            r"ar manager",
        ),
        Role.AR,
    ),
    (
        _words(
            r"playlists?(?: \w+)?",
            r"curat(?:or|ors|eur|rice|ore|ora|ion)",
            r"kurator\w*",
            r"playlist editor",
            r"music programmer",
            r"programmat(?:or|eur|rice)",
        ),
        Role.CURATOR,
    ),
    (
        _words(
            r"publicists?",
            r"publicity",
            r"p\.?r\.?",
            r"public relations",
            r"relations? presse",
            r"press (?:officer|agent|relations|manager)",
            r"head of (?:press|pr|publicity)",
            r"attach[e]e? de presse",
            r"pressesprecher\w*",
            r"pressereferent\w*",
            r"jef[ea] de prensa",
            r"prensa y comunicacion",
            r"ufficio stampa",
            r"addett[oa] stampa",
            r"assessor(?:ia)? de imprensa",
            r"persvoorlichter",
            r"pressansvarig",
            r"promo(?:tion)?s?(?: manager)?",
            r"radio (?:promoter|promotion|plugger)",
            r"pluggers?",
            r"comms",
            r"communications?",
        ),
        Role.PUBLICIST,
    ),
    (
        _words(
            r"booking(?: \w+)?",
            r"bookers?",
            r"agents?",
            r"agente",
            r"agentin",
            r"agentur",
            r"talent buyers?",
            r"buyers?",
            r"tourneur",
            r"promoters?",
            r"veranstalter\w*",
            r"programador(?:a)?",
            r"agenzia",
            r"agencia",
            r"boekingskantoor",
        ),
        Role.BOOKING_AGENT,
    ),
    (
        _words(
            r"label (?:manager|head|boss|director|owner|executive|exec)",
            r"labels?",
            r"head of (?:label|marketing|music|catalog(?:ue)?)",
            r"ceo",
            r"coo",
            r"president",
            r"(?:co-?)?found(?:er|ers|erin)",
            r"owner",
            r"managing director",
            r"geschaftsfuhrer\w*",
            r"director general",
            r"directeur general",
            r"general manager",
            r"vp",
            r"svp",
            r"evp",
            r"vice president",
            r"label executive",
            r"marketing(?: \w+)?",
            r"inhaber\w*",
            r"fundador(?:a)?",
            r"fondat(?:eur|rice|ore|rici)",
        ),
        Role.LABEL_EXEC,
    ),
    (
        _words(
            r"(?:artist |tour |band |day[- ]to[- ]day )?manag(?:er|ers|erin|ement|ing)",
            r"mgmt",
            r"manager d'artistes?",
            r"kunstlermanag\w*",
            r"represent(?:ante|ant)",
            r"gestor(?:a)?",
            r"gerant(?:e)?",
            r"manageur",
        ),
        Role.MANAGER,
    ),
    (
        _words(
            r"journalists?",
            r"journaliste",
            r"journalistin",
            r"(?:music )?writers?",
            r"editors?",
            r"(?:chef)?redakteur\w*",
            r"redact(?:eur|rice|or|ora)",
            r"redattore",
            r"periodista",
            r"giornalista",
            r"jornalista",
            r"critics?",
            r"critique",
            r"reporters?",
            r"bloggers?",
            r"columnists?",
            r"radio (?:host|dj|presenter|producer)",
            r"hosts?",
            r"presenters?",
            r"broadcasters?",
            r"djs?",
            r"moderator\w*",
            r"locutor(?:a)?",
            r"animat(?:eur|rice)",
            r"conduttore",
            r"press",
            r"presse",
            r"prensa",
            r"stampa",
            r"media",
            r"radio",
            r"podcast(?:er)?",
        ),
        Role.PRESS,
    ),
    (
        _words(
            r"(?:record |music |executive )?produc(?:er|ers|teur|trice|tor|tora)",
            r"produzent\w*",
            r"produttore",
            r"(?:mix(?:ing)?|mastering|recording) engineer",
            r"engineer",
            r"beatmaker",
        ),
        Role.PRODUCER,
    ),
)

# From the company's name, when the title says nothing: "Nordic Mgmt", "Blue Note Records".
COMPANY_PATTERNS: tuple[tuple[re.Pattern[str], Role], ...] = (
    (_words(r"playlists?"), Role.CURATOR),
    (
        _words(r"pr", r"publicity", r"public relations", r"communications?", r"comms"),
        Role.PUBLICIST,
    ),
    (
        _words(
            r"agency",
            r"agencies",
            r"booking",
            r"agentur",
            r"agencia",
            r"agenzia",
            r"agence",
            r"talent",
            r"live",
            r"concerts?",
            r"touring",
            r"entertainment agency",
        ),
        Role.BOOKING_AGENT,
    ),
    (_words(r"management", r"mgmt", r"managers?", r"artist services"), Role.MANAGER),
    (
        _words(
            r"records?",
            r"recordings",
            r"label",
            r"music group",
            r"disques",
            r"discos",
            r"schallplatten",
            r"dischi",
            r"discografica",
            r"tontrager",
        ),
        Role.LABEL_EXEC,
    ),
    (
        _words(
            r"magazine",
            r"mag",
            r"zine",
            r"radio",
            r"fm",
            r"blog",
            r"media",
            r"news",
            r"times",
            r"journal",
            r"review",
            r"podcast",
            r"press",
            r"gazette",
            r"tribune",
            r"weekly",
            r"daily",
            r"bbc",
            r"npr",
            r"kexp",
        ),
        Role.PRESS,
    ),
    (_words(r"studios?", r"productions?"), Role.PRODUCER),
)


def _first(patterns: tuple[tuple[re.Pattern[str], Role], ...], text: str) -> Role | None:
    folded = fold(text)
    if not folded:
        return None
    for pattern, role in patterns:
        if pattern.search(folded):
            return role
    return None


@lru_cache(maxsize=8192)
def role_from_title(title: str) -> Role | None:
    return _first(TITLE_PATTERNS, title)


@lru_cache(maxsize=8192)
def role_from_company(company: str) -> Role | None:
    return _first(COMPANY_PATTERNS, company)


def infer_role(title: str = "", company: str = "", groups: list[str] | None = None) -> Role | None:
    """The role the title states, else the one a group names, else the company's kind."""
    return (
        role_from_title(title)
        or next((r for g in groups or () if (r := role_from_title(g))), None)
        or role_from_company(company)
    )
