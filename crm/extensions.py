"""Extension objects, created once and unbound; `create_app` binds them."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"

csrf = CSRFProtect()

# Memory storage suits one process; set RATELIMIT_STORAGE_URI (e.g. redis://) for several.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_app(app) -> None:
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
