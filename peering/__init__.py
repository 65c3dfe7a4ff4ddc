"""Peer AWS VPCs with Heroku Private Spaces: stack config, pre-flight checks and the component.

Importable by other Pulumi programs: ``peering.component.HerokuPeering`` with ``HerokuPeeringArgs``
(ids may be Outputs). The stack-config program reads its config into the same ``HerokuPeeringArgs``
and checks every peering at once with ``preflight.checked_together`` before making the components.
"""
