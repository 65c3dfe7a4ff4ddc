"""Peer AWS VPCs with Heroku Private Spaces: read the stack config, check it, build, export.

A mistake raises a ``PlanError`` (a ``pulumi.RunError``: one readable message, no traceback) before
anything is registered.
"""

import pulumi

from peering.model.stack_config import config_getter, read_peerings, stack_config_keys
from peering.program.component import HerokuPeering
from peering.program.preflight import checked_together

stack = read_peerings(config_getter(pulumi.Config()), stack_config_keys())
with checked_together(stack):
    peerings = [HerokuPeering(peering.name, peering.args) for peering in stack]

pulumi.export("pcx_ids", {p.peering_name: p.pcx_id for p in peerings})
pulumi.export("heroku_status", {p.peering_name: p.heroku_status for p in peerings})
pulumi.export("routed_cidrs", {p.peering_name: p.routed_cidrs for p in peerings})
pulumi.export("route_ids", {p.peering_name: [r.id for r in p.routes] for p in peerings})
pulumi.export("rule_ids", {p.peering_name: [r.id for r in p.rules] for p in peerings})
