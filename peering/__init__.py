"""Peer AWS VPCs with Heroku Private Spaces: stack config, pre-flight checks and the component.

Importable by other Pulumi programs: ``peering.component.HerokuPeering`` with ``HerokuPeeringArgs``
(ids may be Outputs); the stack-config program checks every peering at once with
``lookups.plan_all`` and passes each checked plan to the component.
"""
