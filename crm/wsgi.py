"""The app for a production WSGI server: `gunicorn -w 2 -b 127.0.0.1:8000 'crm.wsgi:app'`."""

from crm import create_app, freeze_start_up_heap

app = create_app()
freeze_start_up_heap()
