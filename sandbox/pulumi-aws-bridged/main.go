// Command pulumi-resource-aws serves pulumi-aws's tokens for the resource types and functions the sandbox's
// own plugin (sandbox/aws_plugin) serves, from terraform-provider-aws's own code.
//
// It is what pulumi-aws v7's provider binary is, cut down to those types: terraform-provider-aws's SDKv2 and
// Plugin Framework providers (from the fork's public xpprovider package, where pulumi-aws takes them from
// its patched-in shim package) muxed and bridged by pulumi-terraform-bridge, under pulumi-aws's tokens,
// with the rules pulumi-aws adds to the bridge (pulumi-aws provider/resources.go providerFromMeta, and the
// files cited in rules.go). The conformance run (sandbox/aws_conformance) drives it beside the sandbox's
// plugin; `python -m sandbox serve --aws-plugin bridged` runs the sandbox on it.
//
// The engine's plugin protocol is the bridge's: the first line of stdout is the port.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-provider-aws/xpprovider"
	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/x/muxer"
	"github.com/pulumi/pulumi-terraform-bridge/v3/unstable/metadata"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

// The resource types and functions served: terraform type -> pulumi-aws token (as pulumi-aws's
// awsTokenStrategy maps them; the tokens are those of the pulumi_aws SDK).
var resources = map[string]tokens.Type{
	"aws_vpc_peering_connection":          "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
	"aws_route":                           "aws:ec2/route:Route",
	"aws_vpc_security_group_ingress_rule": "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
	"aws_ec2_tag":                         "aws:ec2/tag:Tag",
	"aws_vpc":                             "aws:ec2/vpc:Vpc",
	"aws_subnet":                          "aws:ec2/subnet:Subnet",
	"aws_route_table":                     "aws:ec2/routeTable:RouteTable",
	"aws_route_table_association":         "aws:ec2/routeTableAssociation:RouteTableAssociation",
	"aws_security_group":                  "aws:ec2/securityGroup:SecurityGroup",
}

var functions = map[string]tokens.ModuleMember{
	"aws_region":                   "aws:index/getRegion:getRegion",
	"aws_vpc":                      "aws:ec2/getVpc:getVpc",
	"aws_route_tables":             "aws:ec2/getRouteTables:getRouteTables",
	"aws_route_table":              "aws:ec2/getRouteTable:getRouteTable",
	"aws_security_group":           "aws:ec2/getSecurityGroup:getSecurityGroup",
	"aws_vpc_security_group_rules": "aws:vpc/getSecurityGroupRules:getSecurityGroupRules",
	"aws_vpc_security_group_rule":  "aws:vpc/getSecurityGroupRule:getSecurityGroupRule",
	"aws_vpc_peering_connections":  "aws:ec2/getVpcPeeringConnections:getVpcPeeringConnections",
	"aws_vpc_peering_connection":   "aws:ec2/getVpcPeeringConnection:getVpcPeeringConnection",
}

// version is what GetPluginInfo answers: the pulumi_aws SDK the program uses asks the engine for this
// plugin at its own version, so the launcher passes it (PULUMI_AWS_VERSION); 7.0.0 otherwise.
func version() string {
	if v := os.Getenv("PULUMI_AWS_VERSION"); v != "" {
		return v
	}
	return "7.0.0"
}

func main() {
	ctx := context.Background()
	info, err := providerInfo(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The muxer's dispatch table, which pulumi-aws computes at tfgen time and embeds in its metadata.
	resolver, ok := info.P.(interface {
		ResolveDispatch(*tfbridge.ProviderInfo) (muxer.DispatchTable, error)
	})
	if !ok {
		fmt.Fprintln(os.Stderr, "the muxed provider cannot resolve its dispatch table")
		os.Exit(1)
	}
	dispatch, err := resolver.ResolveDispatch(info)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := metadata.Set(info.GetMetadata(), "mux", dispatch); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// No package schema is generated (pulumi-aws's comes from tfgen): GetSchema answers this stub, and the
	// bridge's experimental input type checker, which only warns, has nothing to check against.
	schema, err := json.Marshal(map[string]string{"name": "aws", "version": info.Version})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pftfbridge.MainWithMuxer(ctx, "aws", *info, schema)
}

func providerInfo(ctx context.Context) (*tfbridge.ProviderInfo, error) {
	framework, sdkv2, err := xpprovider.GetProvider(ctx)
	if err != nil {
		return nil, err
	}
	sdkv2.TerraformVersion = "1.0.0+compatible" // as pulumi-aws sets it
	p := pftfbridge.MuxShimWithDisjointgPF(ctx, shimv2.NewProvider(sdkv2), framework)
	info := &tfbridge.ProviderInfo{
		P:            p,
		Name:         "aws",
		Version:      version(),
		MetadataInfo: tfbridge.NewProviderMetadata([]byte("{}")),
		Config:       configInfo(),
		Resources:    map[string]*tfbridge.ResourceInfo{},
		DataSources:  map[string]*tfbridge.DataSourceInfo{},

		SkipValidateProviderConfigForPluginFramework: true,
		EnableAccurateBridgePreview:                  true,
		EnableRawStateDelta:                          true,
		PreConfigureCallback:                         preConfigure,
	}
	for tf, tok := range resources {
		info.Resources[tf] = &tfbridge.ResourceInfo{Tok: tok}
	}
	for tf, tok := range functions {
		info.DataSources[tf] = &tfbridge.DataSourceInfo{Tok: tok}
	}
	if err := applyRules(info, sdkv2.ResourcesMap); err != nil {
		return nil, err
	}
	return info, nil
}
