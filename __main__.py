"""Peer AWS VPCs with Heroku Private Spaces: read the stack config, check it, build, export.

A mistake raises a ``StackPlanError`` (a ``pulumi.RunError``: one readable message, no traceback) before
anything is registered.
"""

import pulumi

from peering.program.component import HerokuPeering
from peering.program.config import read_stack_config
from peering.program.preflight import checked_together

stack = read_stack_config()
checked = checked_together(stack)
peerings = [HerokuPeering(peering.name, peering.args, checked=checked) for peering in stack]

pulumi.export("pcx_ids", {p.peering_name: p.pcx_id for p in peerings})
pulumi.export("heroku_status", {p.peering_name: p.heroku_status for p in peerings})
pulumi.export("routed_cidrs", {p.peering_name: p.routed_cidrs for p in peerings})
pulumi.export("route_ids", {p.peering_name: [r.id for r in p.routes] for p in peerings})
pulumi.export("rule_ids", {p.peering_name: [r.id for r in p.rules] for p in peerings})
