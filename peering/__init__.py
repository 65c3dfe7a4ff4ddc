"""Peer AWS VPCs with Heroku Private Spaces: stack config, pre-flight checks and the component.

Importable by other Pulumi programs: build ``PeeringSpec``s, run ``preflight.plan_all`` and
create one ``HerokuPeering`` per plan.
"""
