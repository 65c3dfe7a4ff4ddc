"""Peer AWS VPCs with Heroku Private Spaces: stack config, pre-flight checks and the component.

The public API: ``HerokuPeering`` with ``HerokuPeeringArgs`` and ``IngressArgs`` (ids may be Outputs), and
``config_keys`` (each field of the args with its stack-config key). The stack-config program reads its config
into the same ``HerokuPeeringArgs`` and checks every peering at once with ``preflight.checked_together``
before making the components; the component package (``component_package/``) serves ``HerokuPeering`` to
other languages through these names only.
"""

from .model.args import HerokuPeeringArgs, IngressArgs, config_keys
from .program.component import HerokuPeering

__all__ = ["HerokuPeering", "HerokuPeeringArgs", "IngressArgs", "config_keys"]
