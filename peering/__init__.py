"""Peer AWS VPCs with Heroku Private Spaces: stack config, pre-flight checks and the component.

The public API: ``HerokuPeering`` with ``HerokuPeeringArgs`` and ``IngressArgs`` (ids may be Outputs), and
``config_keys`` (each field of the args with its stack-config key). The stack-config program reads its config
into the same ``HerokuPeeringArgs`` and checks every peering at once with ``program.preflight.checked_together``,
whose plans the components are made from; the component package (``component_package/``) serves ``HerokuPeering`` to
other languages through these names only.
"""

import importlib
from typing import TYPE_CHECKING, Any

from .model.args import HerokuPeeringArgs, IngressArgs, config_keys

if TYPE_CHECKING:
    from .program.component import HerokuPeering


def __getattr__(name: str) -> Any:
    """``HerokuPeering`` on first use: importing ``peering`` (as the doctor does) loads no Pulumi."""
    if name == "HerokuPeering":
        return importlib.import_module(".program.component", __name__).HerokuPeering
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["HerokuPeering", "HerokuPeeringArgs", "IngressArgs", "config_keys"]
