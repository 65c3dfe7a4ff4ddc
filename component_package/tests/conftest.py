"""The package's tests share the project's fixtures: no ambient Heroku credentials, private sandboxes."""

from tests.support.sandboxes import _no_ambient_heroku_credentials, make_sandbox

__all__ = ["_no_ambient_heroku_credentials", "make_sandbox"]
