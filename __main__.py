"""Peer AWS VPCs with Heroku Private Spaces: read the stack config, check it, build, export."""

import pulumi

from peering.component import HerokuPeering, HerokuPeeringArgs
from peering.errors import PlanError
from peering.lookups import Lookups, heroku_token_from_stack, plan_all
from peering.stack_config import config_getter, read_specs, stack_config_keys

config = pulumi.Config()
try:
    specs = read_specs(config_getter(config), stack_config_keys())
    plans = plan_all(specs, Lookups(heroku_token_from_stack()))
except PlanError as error:
    # A user mistake: one readable message, no traceback, nothing registered.
    raise pulumi.RunError(str(error)) from None

peerings = [HerokuPeering(plan.spec.name, HerokuPeeringArgs.from_spec(plan.spec), plan=plan) for plan in plans]

pulumi.export("pcx_ids", {p.peering_name: p.pcx_id for p in peerings})
pulumi.export("heroku_status", {p.peering_name: p.heroku_status for p in peerings})
pulumi.export("routed_cidrs", {p.peering_name: p.routed_cidrs for p in peerings})
pulumi.export("route_ids", {p.peering_name: [r.id for r in p.routes] for p in peerings})
pulumi.export("rule_ids", {p.peering_name: [r.id for r in p.rules] for p in peerings})
