"""The package's tests share the project's fixtures (no ambient Heroku credentials, private sandboxes), and the
ones that run Pulumi on the package ask for ``installed_package`` first (package_install.py says why)."""

import pytest

from sandbox.pulumi_cli import ensure_cli
from tests.support.sandboxes import _no_ambient_heroku_credentials, make_sandbox

from .package_install import install_package

__all__ = ["_no_ambient_heroku_credentials", "make_sandbox"]


@pytest.fixture(scope="session")
def installed_package(tmp_path_factory: pytest.TempPathFactory) -> None:
    install_package(ensure_cli(print), tmp_path_factory.mktemp("package-install"))
