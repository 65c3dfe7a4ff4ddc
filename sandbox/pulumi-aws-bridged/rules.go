package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	awsbase "github.com/hashicorp/aws-sdk-go-base/v2"
	basediag "github.com/hashicorp/aws-sdk-go-base/v2/diag"
	sdkschema "github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shim "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// The rules pulumi-aws v7 adds to the bridge for these types (pulumi-aws provider/resources.go
// providerFromMeta): the provider config's defaults, the region and tags PreCheckCallbacks
// (provider/region.go, provider/tags.go), autonaming of `name` (provider/autonaming.go), the
// "Managed by Pulumi" description (its upstream patch 0018 changes terraform's default), and the
// credentials check before Configure (provider/config.go).

func configInfo() map[string]*tfbridge.SchemaInfo {
	return map[string]*tfbridge.SchemaInfo{
		"region":                      {Default: &tfbridge.DefaultInfo{EnvVars: []string{"AWS_REGION", "AWS_DEFAULT_REGION"}}},
		"skip_region_validation":      {Default: &tfbridge.DefaultInfo{Value: true}},
		"skip_credentials_validation": {Default: &tfbridge.DefaultInfo{Value: false}},
		"skip_metadata_api_check":     {Type: "boolean"},
		"access_key":                  {Secret: tfbridge.True()},
		"secret_key":                  {Secret: tfbridge.True()},
		"token":                       {Secret: tfbridge.True()},
	}
}

func applyRules(info *tfbridge.ProviderInfo, sdkv2 map[string]*sdkschema.Resource) error {
	for key, res := range info.Resources {
		tf := info.P.ResourcesMap().Get(key)
		if tf == nil {
			return fmt.Errorf("terraform-provider-aws has no resource %s", key)
		}
		var checks []tfbridge.PreCheckCallback
		// pulumi-aws applies the tags callback to SDKv2 resources with tags and tags_all (tags not
		// computed-only); the framework's resources compute tags_all themselves.
		if _, isSDKv2 := sdkv2[key]; isSDKv2 && hasTagsAndTagsAll(tf) {
			checks = append(checks, applyTags)
		}
		// Every resource with a usable (not deprecated) region argument.
		if region, ok := tf.Schema().GetOk("region"); ok && region.Deprecated() == "" {
			checks = append(checks, applyRegion)
		}
		if len(checks) > 0 {
			res.PreCheckCallback = chain(checks)
		}
		if name, ok := tf.Schema().GetOk("name"); ok && (name.Optional() || name.Required()) {
			if res.Fields == nil {
				res.Fields = map[string]*tfbridge.SchemaInfo{}
			}
			res.Fields["name"] = tfbridge.AutoName("name", 255, "-")
		}
	}
	group := info.Resources["aws_security_group"]
	group.Fields["description"] = &tfbridge.SchemaInfo{Default: &tfbridge.DefaultInfo{Value: "Managed by Pulumi"}}
	// pulumi-aws names these sets as terraform does (the pulumi_aws SDK's SecurityGroup.ingress and .egress),
	// where the bridge would pluralize them.
	group.Fields["ingress"] = &tfbridge.SchemaInfo{Name: "ingress"}
	group.Fields["egress"] = &tfbridge.SchemaInfo{Name: "egress"}
	return nil
}

func chain(checks []tfbridge.PreCheckCallback) tfbridge.PreCheckCallback {
	return func(ctx context.Context, config, meta resource.PropertyMap) (resource.PropertyMap, error) {
		var err error
		for _, check := range checks {
			if config, err = check(ctx, config, meta); err != nil {
				return nil, err
			}
		}
		return config, nil
	}
}

func hasTagsAndTagsAll(res shim.Resource) bool {
	tags, ok := res.Schema().GetOk("tags")
	if !ok {
		return false
	}
	if _, ok := res.Schema().GetOk("tags_all"); !ok {
		return false
	}
	return !(tags.Computed() && !tags.Optional())
}

// applyRegion: the resource's own region input, else the provider's (pulumi-aws region.go: upstream sets
// it in an interceptor, after the bridge's Check, so pulumi-aws sets it before).
func applyRegion(_ context.Context, config, meta resource.PropertyMap) (resource.PropertyMap, error) {
	ret := config.Copy()
	if r, ok := config["region"]; ok && !r.IsNull() {
		return ret, nil
	}
	if r, ok := meta["region"]; ok && !r.IsNull() {
		ret["region"] = r
	}
	return ret, nil
}

// applyTags: tagsAll = the provider's default tags merged with the resource's, less ignoreTags'
// keys and key prefixes; {} when none (pulumi-aws tags.go applyTags/mergeTags); unknown when any
// of it is unknown.
func applyTags(_ context.Context, config, meta resource.PropertyMap) (resource.PropertyMap, error) {
	ret := config.Copy()
	tags := resource.NewObjectProperty(resource.PropertyMap{})
	if t, ok := config["tags"]; ok {
		tags = t
	}
	if resource.NewObjectProperty(meta).ContainsUnknowns() || tags.ContainsUnknowns() {
		ret["tagsAll"] = resource.MakeComputed(resource.NewStringProperty(""))
		return ret, nil
	}
	all := map[string]string{}
	if d, ok := meta["defaultTags"]; ok && d.IsObject() {
		if t, ok := d.ObjectValue()["tags"]; ok && t.IsObject() {
			copyStrings(all, t.ObjectValue())
		}
	}
	if tags.IsObject() {
		copyStrings(all, tags.ObjectValue())
	}
	if ignore, ok := meta["ignoreTags"]; ok && ignore.IsObject() {
		keys := stringList(ignore.ObjectValue()["keys"])
		prefixes := stringList(ignore.ObjectValue()["keyPrefixes"])
		for k := range all {
			if ignored(k, keys, prefixes) {
				delete(all, k)
			}
		}
	}
	out := resource.PropertyMap{}
	for k, v := range all {
		out[resource.PropertyKey(k)] = resource.NewStringProperty(v)
	}
	ret["tagsAll"] = resource.NewObjectProperty(out)
	return ret, nil
}

func copyStrings(to map[string]string, from resource.PropertyMap) {
	for k, v := range from {
		if v.IsString() {
			to[string(k)] = v.StringValue()
		} else if v.IsNull() {
			to[string(k)] = ""
		}
	}
}

func stringList(v resource.PropertyValue) []string {
	var out []string
	if v.IsArray() {
		for _, item := range v.ArrayValue() {
			if item.IsString() {
				out = append(out, item.StringValue())
			}
		}
	}
	return out
}

func ignored(key string, keys, prefixes []string) bool {
	for _, k := range keys {
		if key == k {
			return true
		}
	}
	for _, p := range prefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

const (
	noCredentials = "No valid credential sources found.\n" +
		"Please see https://www.pulumi.com/registry/packages/aws/installation-configuration/ for more information " +
		"about providing credentials.\n" +
		"NEW: You can use Pulumi ESC to set up dynamic credentials with AWS OIDC to ensure the correct and valid " +
		"credentials are used.\n" +
		"Learn more: https://www.pulumi.com/registry/packages/aws/installation-configuration/#dynamically-generate-credentials"
	noRegion = "Missing region information\n" +
		"Make sure you have set your AWS region, e.g. `pulumi config set aws:region us-west-2`."
)

// preConfigure: pulumi-aws's credentials check before terraform's Configure, unless
// skipCredentialsValidation (config.go preConfigureCallback/validateCredentials), for static keys,
// a profile or the environment (assume-role settings are not read here).
func preConfigure(vars resource.PropertyMap, _ shim.ResourceConfig) error {
	if skip, ok := boolSetting(vars, "skipCredentialsValidation", "AWS_SKIP_CREDENTIALS_VALIDATION"); ok && skip {
		return nil
	}
	config := &awsbase.Config{
		AccessKey:              stringSetting(vars, "accessKey", "AWS_ACCESS_KEY_ID"),
		SecretKey:              stringSetting(vars, "secretKey", "AWS_SECRET_ACCESS_KEY"),
		Profile:                stringSetting(vars, "profile", "AWS_PROFILE"),
		Token:                  stringSetting(vars, "token", "AWS_SESSION_TOKEN"),
		Region:                 stringSetting(vars, "region", "AWS_REGION", "AWS_DEFAULT_REGION"),
		CallerName:             "Pulumi AWS Classic",
		CallerDocumentationURL: "https://www.pulumi.com/registry/packages/aws/installation-configuration/",
	}
	if skip, ok := boolSetting(vars, "skipMetadataApiCheck", "AWS_SKIP_METADATA_API_CHECK"); ok {
		config.EC2MetadataServiceEnableState = imds.ClientEnabled
		if skip {
			config.EC2MetadataServiceEnableState = imds.ClientDisabled
		}
	}
	home, _ := os.UserHomeDir()
	config.SharedCredentialsFiles = []string{home + "/.aws/credentials"}
	if f := stringSetting(vars, "sharedCredentialsFile", "AWS_SHARED_CREDENTIALS_FILE"); f != "" {
		config.SharedCredentialsFiles = []string{f}
	}
	config.SharedConfigFiles = []string{home + "/.aws/config"}
	if f := stringSetting(vars, "sharedConfigFile", "AWS_CONFIG_FILE"); f != "" {
		config.SharedConfigFiles = []string{f}
	}
	_, _, diags := awsbase.GetAwsConfig(context.Background(), config)
	if diags == nil || !diags.HasError() {
		return nil
	}
	text := formatDiags(diags)
	reason := fmt.Sprintf("unable to validate AWS credentials.\nDetails: %s\n", text)
	switch {
	case strings.Contains(text, "endpoint rule error, Invalid Configuration: Missing Region"):
		reason = noRegion
	case strings.Contains(text, "no EC2 IMDS role found"):
		reason = noCredentials
	}
	return tfbridge.CheckFailureError{Failures: []tfbridge.CheckFailureErrorElement{{Reason: reason}}}
}

func formatDiags(diags basediag.Diagnostics) string {
	var sb strings.Builder
	for _, d := range diags {
		if sb.Len() > 0 {
			sb.WriteString("\n")
		}
		sb.WriteString(d.Summary())
		if d.Detail() != "" {
			sb.WriteString(". " + d.Detail())
		}
	}
	return sb.String()
}

func stringSetting(vars resource.PropertyMap, key resource.PropertyKey, envs ...string) string {
	if v, ok := vars[key]; ok && v.IsString() {
		return v.StringValue()
	}
	for _, env := range envs {
		if v, ok := os.LookupEnv(env); ok {
			return v
		}
	}
	return ""
}

func boolSetting(vars resource.PropertyMap, key resource.PropertyKey, env string) (bool, bool) {
	if v, ok := vars[key]; ok && v.IsBool() {
		return v.BoolValue(), true
	}
	if v, ok := vars[key]; ok && v.IsString() {
		return v.StringValue() == "true", true
	}
	if v, ok := os.LookupEnv(env); ok {
		return v == "true" || v == "1", true
	}
	return false, false
}
