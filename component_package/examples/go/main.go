package main

import (
	"example.com/pulumi-heroku-peering/sdk/go/herokupeering"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		peering, err := herokupeering.NewHerokuPeering(ctx, "main", &herokupeering.HerokuPeeringArgs{
			Space: cfg.Require("space"),
			VpcId: pulumi.String(cfg.Require("vpcId")),
			Ingress: []herokupeering.IngressInput{
				herokupeering.IngressArgs{
					SecurityGroupId: pulumi.String(cfg.Require("securityGroupId")),
					Protocol:        pulumi.StringRef("tcp"),
					FromPort:        pulumi.IntRef(5432),
					ToPort:          pulumi.IntRef(5432),
					Description:     pulumi.StringRef("Heroku dynos to PostgreSQL"),
				},
			},
		})
		if err != nil {
			return err
		}
		ctx.Export("pcxId", peering.PcxId)
		ctx.Export("herokuStatus", peering.HerokuStatus)
		return nil
	})
}
