"""Heroku side of a Private Space peering: the Platform API client and the acceptance resource.

Importing this package has no side effects, so the dynamic-provider host can unpickle the
provider by reference.
"""

__version__ = "0.1.0"
