import * as pulumi from "@pulumi/pulumi";
import * as herokuPeering from "@pulumi/heroku-peering";

const config = new pulumi.Config();
const main = new herokuPeering.HerokuPeering("main", {
    space: config.require("space"),
    vpcId: config.require("vpcId"),
    ingress: [{
        securityGroupId: config.require("securityGroupId"),
        protocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        description: "Heroku dynos to PostgreSQL",
    }],
});

export const pcxId = main.pcxId;
export const herokuStatus = main.herokuStatus;
