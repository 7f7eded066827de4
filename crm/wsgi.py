"""The app for a production WSGI server: `gunicorn -w 2 -b 127.0.0.1:8000 'crm.wsgi:app'`.

Everything made while assembling the app (mappers, compiled templates, routing tables) lives
as long as the process. Freezing it out of the garbage collector's sight keeps the full
collections that now and then follow a request short: on the board of a large account they
took 70 ms or more without it (benchmarks/dashboard.py)."""

import gc

from crm import create_app

app = create_app()
gc.collect()
gc.freeze()
