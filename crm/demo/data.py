"""The demo directory: fictional people at fictional companies, generated from a fixed seed
so every run gives the same data. Emails use the reserved `.example` domain and phone
numbers come from the ranges set aside for fiction (UK 07700 900xxx, US 555-01xx)."""

from __future__ import annotations

import random
import re

from sqlalchemy.orm import Session

from crm.contacts.fields import clean_contact
from crm.contacts.services import Resolver, create_contact
from crm.models import Account, CompanyKind, Contact, Role
from crm.scope import owned

SEED = 20261124

FIRST_NAMES = """
Maya Jonah Priya Theo Amara Lucas Ines Kofi Hana Mateo Freya Dev Zara Elias Noor Oscar
Chioma Felix Sofia Rafael Leila Tomasz Aiko Marcus Yara Niall Camila Idris Astrid Jamal
Elena Ravi Saoirse Kwame Mei Luca Anouk Tariq Clara Emeka Ingrid Diego Nadia Soren Imani
Pablo Greta Yusuf Lena Andre Fatima Hugo Keiko Samuel Bianca Olu Marta Arjun Nina Malik
Rosa Henrik Ada Tobias Valentina Kenji Aisha Bruno Eva Omar Lucia Finn Zainab Mateus
Elif Callum Renata Jun Selin Ezra
""".split()
LAST_NAMES = """
Okafor Lindqvist Hartmann Moreau Castillo Nakamura Adeyemi Brennan Kowalski Haddad
Fischer Oduya Sato Rossi Delacroix Mensah Novak Bianchi Andersson Mbeki Ferreira Kim
Dubois Oyelaran Schneider Whitfield Alvarez Tanaka Byrne Achterberg Eze Sandoval Larsen
Petrov Quinn Mwangi Vasquez Holm Osei Romero Keller Yamada Afolabi Gallagher Costa
Jansen Ibrahim Weber Duarte Svensson Nwosu Marchetti Park Lefebvre Abara Hughes Santos
Bergstrom Kaplan Ndiaye Reyes Walsh Lindgren Obi Moretti Chen Fontaine Agarwal Ward
Nilsen Salazar Baptiste Ahmed Vogel Kruger
""".split()
WORDS = """
Northern Bluebird Velvet Copper Midnight Harbor Static Paper Golden Hollow Neon
Driftwood Orchard Signal Lantern Echo Satellite Cobalt Juniper Riverside Ember Gravity
Prism Atlas Marigold Analog Undertow Wildflower Tidal Falcon Meridian Saltwater Kestrel
Aurora Granite Quarry Velour
""".split()
KIND_PATTERNS = {
    CompanyKind.LABEL: ["{w} Records", "{w} {w2} Recordings", "{w} Sound", "{w} Music Group"],
    CompanyKind.MANAGEMENT: ["{w} Artist Management", "{w} Mgmt", "{s} & {s2} Management"],
    CompanyKind.AGENCY: ["{w} Touring", "{s} Booking Agency", "{w} Live"],
    CompanyKind.PR: ["{w} PR", "{w} Publicity", "{s} Press & PR"],
    CompanyKind.MEDIA: ["{w} Magazine", "The {w} Review", "{w} Weekly", "{w} Sessions (blog)"],
    CompanyKind.PLAYLIST: ["{w} Radio", "{w} Playlists", "{w} FM"],
    CompanyKind.PUBLISHER: ["{w} Publishing", "{w} Songs"],
    CompanyKind.OTHER: ["{w} Studios", "{w} Collective"],
}
ROLE_PLAN = [  # role, its share of the directory, the kind of company they work at, titles
    (
        Role.AR,
        14,
        CompanyKind.LABEL,
        ["A&R Manager", "Head of A&R", "A&R Scout", "A&R Coordinator"],
    ),
    (
        Role.LABEL_EXEC,
        6,
        CompanyKind.LABEL,
        ["Label Manager", "Managing Director", "Head of Marketing"],
    ),
    (Role.MANAGER, 16, CompanyKind.MANAGEMENT, ["Artist Manager", "Partner", "Day-to-day Manager"]),
    (
        Role.BOOKING_AGENT,
        14,
        CompanyKind.AGENCY,
        ["Booking Agent", "Senior Agent", "Agent Assistant"],
    ),
    (Role.PUBLICIST, 10, CompanyKind.PR, ["Publicist", "Head of PR", "Press Officer"]),
    (Role.CURATOR, 16, CompanyKind.PLAYLIST, ["Playlist Curator", "Music Director", "Radio Host"]),
    (
        Role.PRESS,
        14,
        CompanyKind.MEDIA,
        ["Music Editor", "Staff Writer", "Reviews Editor", "Blogger"],
    ),
    (Role.PRODUCER, 6, CompanyKind.OTHER, ["Producer", "Mixing Engineer"]),
    (Role.OTHER, 4, CompanyKind.PUBLISHER, ["Sync Manager", "Creative Manager"]),
]
PLACES = [
    ("United States", ["Los Angeles", "New York", "Nashville", "Atlanta", "Austin", "Chicago"], 30),
    ("United Kingdom", ["London", "Manchester", "Glasgow", "Bristol", "Leeds"], 22),
    ("Germany", ["Berlin", "Hamburg", "Cologne"], 8),
    ("Canada", ["Toronto", "Montreal", "Vancouver"], 7),
    ("Australia", ["Sydney", "Melbourne"], 6),
    ("France", ["Paris", "Lyon"], 5),
    ("Ireland", ["Dublin", "Cork"], 4),
    ("Sweden", ["Stockholm", "Gothenburg"], 4),
    ("Netherlands", ["Amsterdam", "Rotterdam"], 4),
    ("Nigeria", ["Lagos"], 3),
    ("Brazil", ["São Paulo", "Rio de Janeiro"], 3),
    ("Japan", ["Tokyo", "Osaka"], 2),
    ("Mexico", ["Mexico City"], 2),
]
GENRES = [
    "Indie Rock",
    "Hip-Hop",
    "R&B",
    "Electronic",
    "House",
    "Techno",
    "Folk",
    "Country",
    "Jazz",
    "Pop",
    "Punk",
    "Metal",
    "Soul",
    "Afrobeats",
    "Latin",
    "Ambient",
    "Singer-Songwriter",
]
TAGS = [
    "priority",
    "festival",
    "sync",
    "radio",
    "college radio",
    "warm intro",
    "met at SXSW",
    "europe",
    "tour support",
    "replied before",
    "newsletter",
]
NOTES = [
    "Prefers short emails with a private SoundCloud link.",
    "Met at a showcase; said to send the next single.",
    "Only takes pitches on Tuesdays.",
    "Looking for artists with a live following.",
    "Asked for an EPK and recent press.",
    "Shares a lot of new releases on Fridays.",
    "",
    "",
]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def _companies(rng: random.Random) -> dict[CompanyKind, list[tuple[str, str]]]:
    """(name, email domain) pairs per kind of company."""
    made: dict[CompanyKind, list[tuple[str, str]]] = {}
    seen: set[str] = set()
    for kind, patterns in KIND_PATTERNS.items():
        made[kind] = []
        while len(made[kind]) < 40:
            name = rng.choice(patterns).format(
                w=rng.choice(WORDS),
                w2=rng.choice(WORDS),
                s=rng.choice(LAST_NAMES),
                s2=rng.choice(LAST_NAMES),
            )
            if name in seen:
                continue
            seen.add(name)
            made[kind].append((name, _slug(name)[:24] + ".example"))
    return made


def _phone(rng: random.Random, country: str) -> str:
    if country == "United Kingdom":
        return f"+44 7700 900{rng.randrange(1000):03d}"
    if country == "United States":
        return f"+1 {rng.choice(['212', '310', '615', '404'])} 555 01{rng.randrange(100):02d}"
    return ""


def demo_rows(count: int, seed: int = SEED) -> list[dict[str, object]]:
    """`count` raw contact rows, the same for the same seed."""
    rng = random.Random(seed)
    companies = _companies(rng)
    roles = [plan for plan in ROLE_PLAN for _ in range(plan[1])]
    places = [place for place in PLACES for _ in range(place[2])]
    rows, emails = [], set()
    for _ in range(count):
        role, _share, kind, titles = rng.choice(roles)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company, domain = rng.choice(companies[kind])
        country, cities, _weight = rng.choice(places)
        local = f"{_slug(first)}.{_slug(last)}"
        email, n = f"{local}@{domain}", 1
        while email in emails:
            n += 1
            email = f"{local}{n}@{domain}"
        emails.add(email)
        handle = f"@{_slug(first)}{_slug(last)[:6]}" if rng.random() < 0.5 else ""
        rows.append(
            {
                "first_name": first,
                "last_name": last,
                "email": email,
                "phone": _phone(rng, country) if rng.random() < 0.6 else "",
                "role": role.value,
                "company": company,
                "title": rng.choice(titles),
                "city": rng.choice(cities),
                "country": country,
                "genres": rng.sample(GENRES, rng.choice([1, 1, 2, 2, 3])),
                "tags": rng.sample(TAGS, rng.choice([0, 0, 1, 1, 2])),
                "website": f"https://{domain}",
                "instagram": handle,
                "twitter": "",
                "tiktok": "",
                "linkedin": "",
                "notes": rng.choice(NOTES),
                "do_not_contact": rng.random() < 0.02,
            }
        )
    return rows


def load_demo(session: Session, account: Account, count: int = 3000) -> int:
    """Add the demo contacts an account does not have yet; returns how many were added."""
    existing = set(session.scalars(owned(Contact, account).with_only_columns(Contact.email_key)))
    kinds = {
        name: kind
        for kind, names in _companies(random.Random(SEED)).items()
        for name, _domain in names
    }
    added = 0
    resolver = Resolver(session, account)
    for row in demo_rows(count):
        if str(row["email"]).lower() in existing:
            continue
        cleaned = clean_contact(row)
        if not cleaned.ok:  # the generator makes valid rows; this guards against drift
            raise ValueError(f"demo row is invalid: {cleaned.errors}")
        contact = create_contact(session, account, cleaned.values, resolver)
        if contact.company is not None and contact.company.kind is None:
            contact.company.kind = kinds.get(contact.company.name)
        added += 1
    return added
