# ruff: noqa: E501  (email text reads better unwrapped)
"""The starter library every new account gets: short, specific query emails written for
independent artists, each with fallbacks so an empty field never shows as a gap."""

from crm.models import TemplatePurpose

STARTER_TEMPLATES = [
    {
        "name": "A&R query",
        "purpose": TemplatePurpose.AR_QUERY,
        "subject": '{{ artist.name }} – "{{ release.title | default("new music") }}" for {{ contact.company | default("your roster") }}',
        "body": """Hi {{ contact.first_name | default("there") }},

I'm {{ me.name }}, writing for {{ artist.name }}. I think "{{ release.title | default("our new single") }}" fits what {{ contact.company | default("your label") }} has been signing lately.

Private stream: {{ release.stream_url | default("(link on request)") }}

We're building this release independently and are looking for a label partner. If it's a fit, could we set up a 15-minute call?

Thanks for listening,
{{ me.name }}
{{ me.email }}
""",
    },
    {
        "name": "Manager query",
        "purpose": TemplatePurpose.MANAGER_QUERY,
        "subject": "{{ artist.name }} – looking for management",
        "body": """Hi {{ contact.first_name | default("there") }},

I'm {{ me.name }}, and I look after {{ artist.name }} for now. We're growing past what we can run ourselves and your work with {{ contact.company | default("your artists") }} is why I'm writing to you first.

Our latest: "{{ release.title | default("new release") }}" – {{ release.stream_url | default("stream on request") }}

Would you be open to a short call in the next couple of weeks?

Best,
{{ me.name }}
{{ me.email }}
""",
    },
    {
        "name": "Booking-agent inquiry",
        "purpose": TemplatePurpose.BOOKING_INQUIRY,
        "subject": '{{ artist.name }} – live booking in {{ contact.city | default("your city") }}',
        "body": """Hi {{ contact.first_name | default("there") }},

{{ artist.name }} is planning shows around "{{ release.title | default("the new record") }}" (out {{ release.release_date | default("soon") }}) and we'd love to play {{ contact.city | default("your city") }}.

Live and recent material: {{ release.stream_url | default("links on request") }}

Are you taking on new acts for next season? Happy to send numbers and a tech rider.

Thanks,
{{ me.name }}
{{ me.email }}
""",
    },
    {
        "name": "Playlist-curator pitch",
        "purpose": TemplatePurpose.PLAYLIST_PITCH,
        "subject": 'For your playlist: {{ artist.name }} – "{{ release.title | default("new single") }}"',
        "body": """Hi {{ contact.first_name | default("there") }},

Quick one: "{{ release.title | default("our new single") }}" by {{ artist.name }} comes out {{ release.release_date | default("soon") }}, and I think it sits well on {{ contact.company | default("your playlist") }}.

Listen: {{ release.stream_url | default("(link on request)") }}

No worries if it's not a fit – thanks for keeping an ear open for independent artists.

{{ me.name }}
""",
    },
    {
        "name": "Press / blog pitch",
        "purpose": TemplatePurpose.PRESS_PITCH,
        "subject": '{{ artist.name }} – "{{ release.title | default("new release") }}" (premiere or review?)',
        "body": """Hi {{ contact.first_name | default("there") }},

I'm {{ me.name }} with {{ artist.name }}. We have "{{ release.title | default("a new release") }}" coming out {{ release.release_date | default("soon") }} and would love {{ contact.company | default("your publication") }} to hear it first.

Private stream: {{ release.stream_url | default("(link on request)") }}

We can offer an exclusive premiere, an interview or photos – whatever works for you.

Thank you,
{{ me.name }}
{{ me.email }}
""",
    },
    {
        "name": "First follow-up",
        "purpose": TemplatePurpose.FOLLOW_UP,
        "subject": 'Re: {{ artist.name }} – "{{ release.title | default("new music") }}"',
        "body": """Hi {{ contact.first_name | default("there") }},

Just floating this back to the top of your inbox – here's the stream again in case the first email got buried: {{ release.stream_url | default("(link on request)") }}

Thanks,
{{ me.name }}
""",
    },
    {
        "name": "Second follow-up",
        "purpose": TemplatePurpose.FOLLOW_UP,
        "subject": 'Last note: {{ artist.name }} – "{{ release.title | default("new music") }}"',
        "body": """Hi {{ contact.first_name | default("there") }},

I'll leave it here after this one. If "{{ release.title | default("the release") }}" isn't right for {{ contact.company | default("you") }} now, no problem at all – I'd still love to keep you posted on what {{ artist.name }} does next.

All the best,
{{ me.name }}
""",
    },
    {
        "name": "Thank-you after a reply",
        "purpose": TemplatePurpose.THANK_YOU,
        "subject": "Thank you from {{ artist.name }}",
        "body": """Hi {{ contact.first_name | default("there") }},

Thank you for getting back to us – it means a lot to an independent act. I'll keep you in the loop on "{{ release.title | default("the release") }}" and anything else that might suit {{ contact.company | default("you") }}.

Best,
{{ me.name }}
{{ me.email }}
""",
    },
]
