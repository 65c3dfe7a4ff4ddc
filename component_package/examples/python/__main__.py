import pulumi
import pulumi_heroku_peering as heroku_peering

config = pulumi.Config()
main = heroku_peering.HerokuPeering(
    "main",
    space=config.require("space"),
    vpc_id=config.require("vpcId"),
    ingress=[
        heroku_peering.IngressArgs(
            security_group_id=config.require("securityGroupId"),
            protocol="tcp",
            from_port=5432,
            to_port=5432,
            description="Heroku dynos to PostgreSQL",
        )
    ],
)
pulumi.export("pcxId", main.pcx_id)
pulumi.export("herokuStatus", main.heroku_status)
