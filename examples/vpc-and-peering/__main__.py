"""A network made by this program, peered with a Heroku Private Space by the ``HerokuPeering`` component.

The VPC, route table and security group ids are Outputs: the component checks them against the
space once they are known, before it requests the peering. Run it on the sandbox from the project's
root: ``python -m sandbox up --program examples/vpc-and-peering``. In your own repository, make this
project importable (copy ``peering/`` and ``providers/``, or install it) and run ``pulumi up``.
"""

import ipaddress

import pulumi
import pulumi_aws as aws

from peering import HerokuPeering, HerokuPeeringArgs, IngressArgs

config = pulumi.Config()
cidr = ipaddress.ip_network(config.get("vpcCidr") or "172.20.0.0/16")
tags = {"project": pulumi.get_project(), "stack": pulumi.get_stack()}

vpc = aws.ec2.Vpc("app", cidr_block=str(cidr), enable_dns_hostnames=True, tags={"Name": "app", **tags})
table = aws.ec2.RouteTable("app", vpc_id=vpc.id, tags={"Name": "app", **tags})
for index, block in enumerate(list(cidr.subnets(new_prefix=24))[:2]):
    subnet = aws.ec2.Subnet(f"app-{index}", vpc_id=vpc.id, cidr_block=str(block), tags={"Name": f"app-{index}", **tags})
    aws.ec2.RouteTableAssociation(f"app-{index}", subnet_id=subnet.id, route_table_id=table.id)
database = aws.ec2.SecurityGroup("database", vpc_id=vpc.id, description="PostgreSQL for the app", tags=tags)

peering = HerokuPeering(
    "app",
    HerokuPeeringArgs(
        space=config.get("space") or "demo-space",
        vpc_id=vpc.id,
        route_table_ids=[table.id],
        ingress=[IngressArgs(database.id, "tcp", 5432, 5432, "Heroku dynos to PostgreSQL")],
        tags=tags,
    ),
)

pulumi.export("vpc_id", vpc.id)
pulumi.export("route_table_id", table.id)
pulumi.export("pcx_id", peering.pcx_id)
pulumi.export("heroku_status", peering.heroku_status)
