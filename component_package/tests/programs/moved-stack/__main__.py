"""This repository's stack program moved to the package: the single form's peering `main` from the same stack
config keys, exported as the program exports it; with `ownNetworkCidr`, another peering of a VPC, route table
and security group this program makes (their ids are outputs when the component gets them), through an AWS
provider of its own (the stack's AWS settings, given explicitly), which the component's children and its
pre-flight use too."""

import pulumi
import pulumi_aws as aws
import pulumi_heroku_peering as heroku_peering

config = pulumi.Config()
space = config.require("space")
api_url = config.get("herokuApiUrl")


def rule(item: dict) -> heroku_peering.IngressArgs:
    return heroku_peering.IngressArgs(
        security_group_id=item["securityGroupId"],
        protocol=item.get("protocol"),
        from_port=item.get("fromPort"),
        to_port=item.get("toPort"),
        description=item.get("description"),
    )


peerings = {
    "main": heroku_peering.HerokuPeering(
        "main",
        space=space,
        vpc_id=config.require("vpcId"),
        api_url=api_url,
        ingress=[rule(item) for item in config.get_object("ingress") or []],
    )
}
cidr = config.get("ownNetworkCidr")
if cidr:
    settings = pulumi.Config("aws")
    explicit = aws.Provider(
        "explicit",
        region=settings.require("region"),
        access_key=settings.get("accessKey"),
        secret_key=settings.get_secret("secretKey"),
        endpoints=settings.get_object("endpoints"),
        skip_credentials_validation=True,
        skip_requesting_account_id=True,
        skip_metadata_api_check=True,
    )
    own = pulumi.ResourceOptions(provider=explicit)
    vpc = aws.ec2.Vpc("own", cidr_block=cidr, opts=own)
    table = aws.ec2.RouteTable("own", vpc_id=vpc.id, opts=own)
    group = aws.ec2.SecurityGroup("own", vpc_id=vpc.id, description="reached from the space's dynos", opts=own)
    peerings["own"] = heroku_peering.HerokuPeering(
        "own",
        space=space,
        vpc_id=vpc.id,
        route_table_ids=[table.id],
        api_url=api_url,
        ingress=[heroku_peering.IngressArgs(security_group_id=group.id, protocol="tcp", from_port=5432, to_port=5432)],
        opts=pulumi.ResourceOptions(providers={"aws": explicit}),
    )

pulumi.export("pcx_ids", {name: p.pcx_id for name, p in peerings.items()})
pulumi.export("heroku_status", {name: p.heroku_status for name, p in peerings.items()})
pulumi.export("routed_cidrs", {name: p.routed_cidrs for name, p in peerings.items()})
pulumi.export("route_ids", {name: p.route_ids for name, p in peerings.items()})
pulumi.export("rule_ids", {name: p.rule_ids for name, p in peerings.items()})
