// Package gensdk answers a language host's GeneratePackage: the SDK of a schema, written to disk.
//
// Each of upstream's language hosts does the same steps around its own code generator
// (pulumi/pulumi at 1b5949891b: sdk/python/cmd/pulumi-language-python/main.go GeneratePackage,
// sdk/nodejs/cmd/pulumi-language-nodejs/main.go GeneratePackage, sdk/go/pulumi-language-go/main.go
// GeneratePackage): bind the schema with the engine's loader, dangling references allowed; binding
// errors come back as diagnostics; the generated files are written under the request's directory
// (folders 0700, files 0600). Written here once, for the generators go.mod pins.
package gensdk

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Generator makes a language's SDK files (path -> contents) for a bound package.
type Generator func(pkg *schema.Package, loader schema.ReferenceLoader, req *pulumirpc.GeneratePackageRequest) (
	map[string][]byte, error)

// GeneratePackage binds the request's schema and writes what generate makes of it.
func GeneratePackage(req *pulumirpc.GeneratePackageRequest, generate Generator) (
	*pulumirpc.GeneratePackageResponse, error,
) {
	client, err := schema.NewLoaderClient(req.LoaderTarget)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.Schema), &spec); err != nil {
		return nil, err
	}
	loader := schema.NewCachedLoader(client)
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	diagnostics := plugin.HclDiagnosticsToRPCDiagnostics(diags)
	if diags.HasErrors() {
		return &pulumirpc.GeneratePackageResponse{Diagnostics: diagnostics}, nil
	}
	files, err := generate(pkg, loader, req)
	if err != nil {
		return nil, err
	}
	for name, data := range files {
		path := filepath.Join(req.Directory, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("could not create output directory %s: %w", filepath.Dir(name), err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, fmt.Errorf("could not write output file %s: %w", name, err)
		}
	}
	return &pulumirpc.GeneratePackageResponse{Diagnostics: diagnostics}, nil
}
