// What a Python plugin package needs of the language host: running its provider (RunPlugin), the
// Python SDK of a schema (GeneratePackage, `pulumi package gen-sdk` and `pulumi package add`) and
// adding that SDK to a program's requirements (Link, `pulumi package add`).
//
// Each behaves as upstream's method of the same name in sdk/python/cmd/pulumi-language-python/main.go
// (pulumi/pulumi at 1b5949891b, 3.260.0-dev: RunPlugin at line 1528, GeneratePackage at 1835, Link
// at 1914), written here on the same libraries (python/toolchain, pkg/codegen/schema,
// pkg/codegen/python) at the versions go.mod pins. Left out: attaching a debugger and running policy
// packs (the `analyzer` kind), which the sandbox never asks for; both are refused with a message.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"heroku-peering/pulumi-cli/internal/gensdk"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// The policy-pack kind of plugin (apitype.AnalyzerPlugin).
const analyzerKind = "analyzer"

// RunPlugin starts a Python plugin from its folder and streams its output to the engine.
//
// As upstream: the runtime options are read as a plugin's (pip without a `virtualenv` option means
// `venv`, upstream's parseOptions); a folder with a `__main__.py` runs as `python <folder> args...`;
// otherwise a buildable package (pyproject.toml) runs as `python -m pulumi.run.plugin <project name>
// args...` when its Pulumi SDK has that module. The plugin runs in the caller's working directory
// with the request's environment added, and its exit code is sent back as the last response.
func (host *pythonLanguageHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	if req.Kind == analyzerKind {
		return errors.New("this language host does not run policy packs")
	}
	if req.GetAttachDebugger() {
		return errors.New("this language host does not attach debuggers")
	}
	ctx := server.Context()
	_, closer, err := host.engineClient()
	if err != nil {
		return err
	}
	defer closer.Close()

	opts, err := parseOptions(req.Info.RootDirectory, req.Info.ProgramDirectory, req.Info.Options.AsMap(), true)
	if err != nil {
		return err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return err
	}
	cmd, err := pluginCommand(ctx, tc, opts.Root, req)
	if err != nil {
		return err
	}

	streams, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer streams.Close()
	cmd.Dir = req.Pwd
	cmd.Env = append(cmd.Env, req.Env...)
	cmd.Stdout, cmd.Stderr = stdout, stderr

	if err := cmd.Run(); err != nil {
		var exited *exec.ExitError
		if errors.As(err, &exited) {
			if status, ok := exited.Sys().(syscall.WaitStatus); ok {
				return server.Send(&pulumirpc.RunPluginResponse{
					Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(status.ExitStatus())}, //nolint:gosec
				})
			}
			return fmt.Errorf("plugin exited unexpectedly: %w", exited)
		}
		return fmt.Errorf("problem executing plugin program (could not run language executor): %w", err)
	}
	return streams.Close()
}

// pluginCommand is the command line of upstream's RunPlugin for a resource plugin.
func pluginCommand(
	ctx context.Context, tc toolchain.Toolchain, root string, req *pulumirpc.RunPluginRequest,
) (*exec.Cmd, error) {
	_, err := os.Stat(filepath.Join(root, "__main__.py"))
	hasMain := err == nil
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("looking for __main__.py: %w", err)
	}
	// A plugin whose SDK predates pulumi.run.plugin runs from its folder, as upstream falls back.
	hasRunModule := true
	check, err := tc.Command(ctx, "-c", "import pulumi.run.plugin")
	if err != nil {
		return nil, err
	}
	if out, err := check.CombinedOutput(); err != nil && strings.Contains(string(out), "ModuleNotFoundError") {
		hasRunModule = false
	}
	if hasMain || !hasRunModule {
		return tc.Command(ctx, append([]string{req.Info.ProgramDirectory}, req.Args...)...)
	}
	buildable, err := toolchain.IsBuildablePackage(root)
	if err != nil {
		return nil, fmt.Errorf("checking if plugin is a buildable package: %w", err)
	}
	if !buildable {
		return nil, errors.New("plugin is not runnable, it provides neither __main__.py nor a buildable pyproject.toml")
	}
	project, err := toolchain.LoadPyproject(root)
	if err != nil {
		return nil, fmt.Errorf("loading pyproject: %w", err)
	}
	cmd, err := tc.ModuleCommand(ctx, "pulumi.run.plugin", append([]string{project.Project.Name}, req.Args...)...)
	if err != nil {
		return nil, err
	}
	logging.V(5).Infof("RunPlugin: %s", cmd.String())
	return cmd, nil
}

// GeneratePackage writes the Python SDK of a schema into the request's directory: upstream's steps
// (internal/gensdk) around pkg/codegen/python's GeneratePackage.
func (host *pythonLanguageHost) GeneratePackage(
	_ context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	return gensdk.GeneratePackage(req, func(pkg *schema.Package, loader schema.ReferenceLoader,
		req *pulumirpc.GeneratePackageRequest,
	) (map[string][]byte, error) {
		return python.GeneratePackage("pulumi-language-python", pkg, req.ExtraFiles, loader)
	})
}

// Link adds generated SDKs to the program's dependencies and says how to import them.
//
// As upstream: each package's Python name is its schema's `language.python.packageName`, else
// PyPack(namespace, name); the toolchain links them (pip: the SDK's path in requirements.txt,
// installed into the virtualenv); a program without pyproject.toml is linked as pip's, so that
// `pulumi install` can carry the line over to poetry or uv (pulumi/pulumi#19763).
func (host *pythonLanguageHost) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	logging.V(5).Infof("Linking %+v in %s", req.Packages, req.Info.RootDirectory)
	opts, err := parseOptions(req.Info.RootDirectory, req.Info.ProgramDirectory, req.Info.Options.AsMap(), false)
	if err != nil {
		return nil, err
	}
	loader, err := schema.NewLoaderClient(req.LoaderTarget)
	if err != nil {
		return nil, err
	}
	defer loader.Close()
	cached := schema.NewCachedLoader(loader)

	paths := map[string]string{}
	var imports strings.Builder
	for _, dep := range req.Packages {
		if dep.Package.Name == "pulumi" {
			paths["pulumi"] = dep.Path
			continue
		}
		packageName, importName, err := pythonNames(ctx, cached, dep.Package)
		if err != nil {
			return nil, err
		}
		paths[packageName] = dep.Path
		fmt.Fprintf(&imports, "  import %s as %s\n", packageName, importName)
	}
	instructions := "You can import the SDK in your Python code with:\n\n"
	if len(req.Packages) > 1 {
		instructions = "You can import the SDKs in your Python code with:\n\n"
	}

	if opts.Toolchain != toolchain.Pip {
		if _, err := os.Stat(filepath.Join(req.Info.ProgramDirectory, "pyproject.toml")); os.IsNotExist(err) {
			requirements := filepath.Join(req.Info.ProgramDirectory, "requirements.txt")
			if _, err := os.Stat(requirements); os.IsNotExist(err) {
				return nil, fmt.Errorf("no pyproject.toml or requirements.txt found in %s", req.Info.ProgramDirectory)
			}
			opts.Toolchain = toolchain.Pip
		}
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	if err := tc.LinkPackages(ctx, paths); err != nil {
		return nil, fmt.Errorf("linking packages: %w", err)
	}
	return &pulumirpc.LinkResponse{ImportInstructions: instructions + imports.String()}, nil
}

// pythonNames is the distribution and import name of a package's Python SDK, as upstream's Link
// finds them.
func pythonNames(
	ctx context.Context, loader schema.ReferenceLoader, dep *pulumirpc.PackageDependency,
) (string, string, error) {
	descriptor := &schema.PackageDescriptor{Name: dep.Name, DownloadURL: dep.Server}
	if v, err := semver.New(dep.Version); err == nil {
		descriptor.Version = v
	} else {
		logging.V(5).Infof("Invalid version %s for package %s", dep.Version, dep.Name)
	}
	if param := dep.Parameterization; param != nil {
		descriptor.Parameterization = &schema.ParameterizationDescriptor{Name: param.Name, Value: param.Value}
		if param.Version != "" {
			if v, err := semver.New(param.Version); err == nil {
				descriptor.Parameterization.Version = *v
			}
		}
	}
	ref, err := schema.LoadPackageReferenceV2(ctx, loader, descriptor)
	if err != nil {
		return "", "", err
	}
	pkg, err := ref.Definition()
	if err != nil {
		return "", "", err
	}
	if err := pkg.ImportLanguages(map[string]schema.Language{"python": python.Importer}); err != nil {
		return "", "", err
	}
	if info, ok := pkg.Language["python"].(python.PackageInfo); ok && info.PackageName != "" {
		return info.PackageName, info.PackageName, nil
	}
	return python.PyPack(ref.Namespace(), ref.Name()), strings.ReplaceAll(ref.Name(), "-", "_"), nil
}
