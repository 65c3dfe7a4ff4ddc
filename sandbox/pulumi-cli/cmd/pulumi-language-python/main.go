// pulumi-language-python for the sandbox: the Python language host the Pulumi CLI starts to run a
// Python program.
//
// Upstream's host (sdk/python/cmd/pulumi-language-python/main.go in pulumi/pulumi) is a Go module of
// its own that carries no version tags, so it can only be had as a pseudo-version, and the Go module
// proxy these machines reach refuses those (403 "This module version is not available"). This
// program serves the same gRPC LanguageRuntime for running programs, method by method as upstream's
// main.go does it, on top of the same library upstream uses for everything Python-specific
// (github.com/pulumi/pulumi/sdk/v3/python/toolchain: virtualenvs, pip, the python command), at the
// version pinned in go.mod. What plugin packages need (RunPlugin, GeneratePackage, Link: `pulumi
// package add`, `get-schema`, `gen-sdk`, and running a Python package's provider) is in plugin.go.
// GenerateProgram, GenerateProject, Pack and Template serve `pulumi convert`, `pulumi package
// publish` and `pulumi new`, which the sandbox never runs: they answer Unimplemented. One difference
// from upstream (environment_cache.go): pip's answers are kept while the Python environment is
// unchanged, where upstream runs pip for every phase.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/contract"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
)

const (
	// The exec shim (sdk/python/cmd/pulumi-language-python-exec) sits next to this executable.
	pythonDefaultExec = "pulumi-language-python-exec"
	// The Python SDK reads the config and its secret keys from these variables.
	pulumiConfigVar           = "PULUMI_CONFIG"
	pulumiConfigSecretKeysVar = "PULUMI_CONFIG_SECRET_KEYS" //nolint:gosec // a variable name
	// The shim exits with this code after it has shown the user an actionable message.
	pythonProcessExitedAfterShowingUserActionableMessage = 32
)

// Upstream's minimum (main.go, minimumSupportedPythonVersion).
var minimumSupportedPythonVersion = semver.MustParse("3.7.0")

// How often the host checks that the engine is still there. Upstream checks every 5 minutes, so a killed
// `pulumi up` leaves its host running for up to that long; this one goes within a second.
const healthEvery = time.Second

func main() {
	var tracing string
	flag.StringVar(&tracing, "tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	showVersion := flag.Bool("version", false, "Print the current plugin version and exit")
	var givenExecutor string
	flag.StringVar(&givenExecutor, "use-executor", "",
		"Use the given program as the executor instead of looking for one next to this executable")
	flag.Parse()

	if *showVersion {
		fmt.Println(version.Version)
		os.Exit(0)
	}
	args := flag.Args()
	logging.InitLogging(false, 0, false)

	pythonExec := givenExecutor
	if pythonExec == "" {
		thisPath, err := os.Executable()
		if err != nil {
			cmdutil.Exit(fmt.Errorf("could not determine current executable: %w", err))
		}
		pythonExec = filepath.Join(filepath.Dir(thisPath), pythonDefaultExec)
		if _, err = os.Stat(pythonExec); os.IsNotExist(err) {
			cmdutil.Exit(fmt.Errorf("missing executor %s: %w", pythonExec, err))
		}
	}

	var engineAddress string
	if len(args) > 0 {
		engineAddress = args[0]
	}

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	cancelChannel := make(chan bool)
	go func() {
		<-ctx.Done()
		cancel()
		close(cancelChannel)
	}()
	if engineAddress != "" {
		// Exit when the engine goes away, as upstream's host does.
		if err := rpcutil.Healthcheck(ctx, engineAddress, healthEvery, cancel); err != nil {
			cmdutil.Exit(fmt.Errorf("could not start health check host RPC server: %w", err))
		}
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancelChannel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, newLanguageHost(pythonExec, engineAddress, tracing))
			return nil
		},
		Options: rpcutil.TracingServerInterceptorOptions(nil),
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}

type pythonLanguageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	exec          string
	engineAddress string
	tracing       string
	cancelCtx     context.Context
	cancelFunc    context.CancelFunc
}

func newLanguageHost(exec, engineAddress, tracing string) pulumirpc.LanguageRuntimeServer {
	ctx, cancel := context.WithCancel(context.Background())
	return &pythonLanguageHost{
		exec: exec, engineAddress: engineAddress, tracing: tracing, cancelCtx: ctx, cancelFunc: cancel,
	}
}

// parseOptions reads Pulumi.yaml's runtime options as upstream's parseOptions does.
func parseOptions(root, programDir string, options map[string]any, isPlugin bool) (toolchain.PythonOptions, error) {
	opts := toolchain.PythonOptions{Root: root, ProgramDir: programDir}
	if value, ok := options["virtualenv"]; ok {
		text, isText := value.(string)
		if !isText {
			return opts, errors.New("virtualenv option must be a string")
		}
		opts.Virtualenv = text
	}
	if value, ok := options["typechecker"]; ok {
		text, isText := value.(string)
		if !isText {
			return opts, errors.New("typechecker option must be a string")
		}
		switch text {
		case "mypy":
			opts.Typechecker = toolchain.TypeCheckerMypy
		case "pyright":
			opts.Typechecker = toolchain.TypeCheckerPyright
		default:
			return opts, fmt.Errorf("unsupported typechecker option: %s", text)
		}
	}
	if value, ok := options["toolchain"]; ok {
		text, isText := value.(string)
		if !isText {
			return opts, errors.New("toolchain option must be a string")
		}
		switch text {
		case "pip":
			opts.Toolchain = toolchain.Pip
		case "poetry":
			opts.Toolchain = toolchain.Poetry
		case "uv":
			opts.Toolchain = toolchain.Uv
		default:
			return opts, fmt.Errorf("unsupported toolchain option: %s", text)
		}
	}
	if isPlugin && (opts.Toolchain == toolchain.Pip || opts.Toolchain == toolchain.Auto) && opts.Virtualenv == "" {
		opts.Virtualenv = "venv"
	}
	return opts, nil
}

func (host *pythonLanguageHost) engineClient() (pulumirpc.EngineClient, io.Closer, error) {
	if host.engineAddress == "" {
		return nil, nil, errors.New("when debugging or running explicitly, must call Handshake before Run")
	}
	conn, err := grpc.NewClient(host.engineAddress,
		grpc.WithTransportCredentials(insecure.NewCredentials()), rpcutil.GrpcChannelOptions())
	if err != nil {
		return nil, nil, fmt.Errorf("language host could not make connection to engine: %w", err)
	}
	return pulumirpc.NewEngineClient(conn), conn, nil
}

// engineWriters shows the output of a virtualenv set-up as ephemeral engine messages.
func (host *pythonLanguageHost) engineWriters(ctx context.Context) (io.Writer, io.Writer, error) {
	client, _, err := host.engineClient()
	if err != nil {
		return nil, nil, err
	}
	streamID := rand.Int31() //nolint:gosec // a stream id, not a secret
	return &logWriter{ctx, client, streamID, pulumirpc.LogSeverity_INFO},
		&logWriter{ctx, client, streamID, pulumirpc.LogSeverity_ERROR}, nil
}

type logWriter struct {
	ctx      context.Context
	client   pulumirpc.EngineClient
	streamID int32
	severity pulumirpc.LogSeverity
}

func (w *logWriter) Write(p []byte) (int, error) {
	text := string(p)
	if _, err := w.client.Log(w.ctx, &pulumirpc.LogRequest{
		Message: strings.ToValidUTF8(text, "\uFFFD"), Ephemeral: true, StreamId: w.streamID, Severity: w.severity,
	}); err != nil {
		return 0, err
	}
	return len(text), nil
}

// GetRequiredPackages: the resource plugins the program's Python packages need, from each package's
// pulumi-plugin.json (or its name and version for a `pulumi-*` package without one), as upstream.
func (host *pythonLanguageHost) GetRequiredPackages(ctx context.Context,
	req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	opts, err := parseOptions(req.Info.RootDirectory, req.Info.ProgramDirectory, req.Info.Options.AsMap(), false)
	if err != nil {
		return nil, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	stdout, stderr, err := host.engineWriters(ctx)
	if err != nil {
		return nil, err
	}
	if err := tc.EnsureVenv(ctx, req.Info.ProgramDirectory, false, true, stdout, stderr); err != nil {
		return nil, err
	}
	validateVersion(ctx, tc)
	infos, err := listPulumiPackageInfos(ctx, tc)
	if err != nil {
		return nil, err
	}
	packages := []*pulumirpc.PackageDependency{}
	for _, info := range infos {
		if pkg := packageDependency(info.dependency, info.pluginJSON); pkg != nil {
			packages = append(packages, pkg)
		}
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: packages}, nil
}

// Packages known to have no plugin (upstream's packagesWithoutPlugins).
var packagesWithoutPlugins = map[string]struct{}{"pulumi-policy": {}, "pulumi-esc-sdk": {}}

// Finds each package's pulumi-plugin.json inside the virtualenv (upstream's pulumiPluginJSONPathsScript).
const pluginJSONPathsScript = `import importlib.metadata, importlib.util, os, sys, json
result = {}
for pkg_name in sys.argv[1:]:
	try:
		dist = importlib.metadata.distribution(pkg_name)
		module = dist.metadata['Name'].replace('-', '_')
		spec = importlib.util.find_spec(module)
		locs = list(spec.submodule_search_locations or []) if spec else []
		found = [p for l in locs for p in [os.path.join(str(l), 'pulumi-plugin.json')] if os.path.isfile(p)]
		result[pkg_name] = found[0] if found else ''
	except Exception:
		result[pkg_name] = ''
print(json.dumps(result))`

type packageInfo struct {
	dependency plugin.DependencyInfo
	pluginJSON *plugin.PulumiPluginJSON
}

func listPulumiPackageInfos(ctx context.Context, tc toolchain.Toolchain) ([]packageInfo, error) {
	listing, err := cachedPackages(ctx, tc)
	if err != nil {
		return nil, err
	}
	packages, paths := listing.Packages, listing.Paths
	var result []packageInfo
	for _, pkg := range packages {
		if _, skip := packagesWithoutPlugins[pkg.Name]; skip {
			continue
		}
		var pluginJSON *plugin.PulumiPluginJSON
		if path := paths[pkg.Name]; path != "" {
			if data, err := os.ReadFile(path); err == nil {
				pluginJSON = &plugin.PulumiPluginJSON{}
				if err := json.Unmarshal(data, pluginJSON); err != nil {
					return nil, fmt.Errorf("failed to parse pulumi-plugin.json for %s: %w", pkg.Name, err)
				}
			}
		}
		if pluginJSON == nil && !strings.HasPrefix(pkg.Name, "pulumi-") {
			continue
		}
		result = append(result, packageInfo{pkg, pluginJSON})
	}
	return result, nil
}

// pluginJSONPaths runs the script that finds each package's pulumi-plugin.json ("" where it has none);
// as upstream, a script that fails leaves every package without one.
func pluginJSONPaths(
	ctx context.Context, tc toolchain.Toolchain, packages []plugin.DependencyInfo,
) (map[string]string, error) {
	paths := map[string]string{}
	if len(packages) == 0 {
		return paths, nil
	}
	args := []string{"-c", pluginJSONPathsScript}
	for _, pkg := range packages {
		args = append(args, pkg.Name)
	}
	if cmd, err := tc.Command(ctx, args...); err == nil {
		if out, err := cmd.Output(); err == nil {
			if err := json.Unmarshal(out, &paths); err != nil {
				return nil, fmt.Errorf("failed to parse pulumi-plugin.json paths: %w", err)
			}
		}
	}
	return paths, nil
}

// packageDependency is upstream's packageDependencyFromPluginJSON: nil for `"resource": false` or a
// version that cannot be turned into a plugin version.
func packageDependency(pkg plugin.DependencyInfo, p *plugin.PulumiPluginJSON) *pulumirpc.PackageDependency {
	var name, pluginVersion, server string
	var parameterization, extension *pulumirpc.PackageParameterization
	if p != nil {
		if !p.Resource {
			return nil
		}
		if p.Parameterization != nil {
			parameterization = &pulumirpc.PackageParameterization{
				Name: p.Parameterization.Name, Version: p.Parameterization.Version, Value: p.Parameterization.Value,
			}
		}
		if p.ExtensionParameterization != nil {
			extension = &pulumirpc.PackageParameterization{
				Name:    p.ExtensionParameterization.Name,
				Version: p.ExtensionParameterization.Version,
				Value:   p.ExtensionParameterization.Value,
			}
		}
		name, pluginVersion, server = p.Name, p.Version, p.Server
	}
	if name == "" {
		name = strings.TrimPrefix(pkg.Name, "pulumi-")
	}
	if pluginVersion == "" {
		v, err := determinePluginVersion(pkg.Version)
		if err != nil {
			logging.V(5).Infof("could not determine plugin version for package %s %s: %v", pkg.Name, pkg.Version, err)
			return nil
		}
		pluginVersion = v
	}
	if !strings.HasPrefix(pluginVersion, "v") {
		pluginVersion = "v" + pluginVersion
	}
	return &pulumirpc.PackageDependency{
		Name: name, Version: pluginVersion, Kind: "resource", Server: server,
		Parameterization: parameterization, Extension: extension,
	}
}

// determinePluginVersion turns a PEP 440 package version into a plugin version, as upstream's function
// of the same name: at least three segments; a/b/rc become -alpha./-beta./-rc.; .postN and .devN
// become +postN / +devN; epochs are refused.
func determinePluginVersion(packageVersion string) (string, error) {
	if packageVersion == "" {
		return "", errors.New("cannot parse empty string")
	}
	for i := 0; i < len(packageVersion); i++ {
		if packageVersion[i] > unicode.MaxASCII {
			return "", fmt.Errorf("byte %d is not ascii", i)
		}
	}
	number := func(s string) (string, string) {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return s[:i], s[i:]
	}
	if num, rest := number(packageVersion); num != "" && strings.HasPrefix(rest, "!") {
		return "", errors.New("epochs are not supported")
	}
	var segments []string
	rest := packageVersion
	endsWithDot := false
	for {
		var num string
		if num, rest = number(rest); num == "" {
			break
		}
		endsWithDot = false
		segments = append(segments, num)
		if !strings.HasPrefix(rest, ".") {
			break
		}
		rest = rest[1:]
		endsWithDot = true
	}
	if endsWithDot {
		rest = "." + rest
	}
	for len(segments) < 3 {
		segments = append(segments, "0")
	}
	if rest == "" {
		return strings.Join(segments, "."), nil
	}
	var pre, post, dev string
	switch {
	case rest[0] == 'a':
		pre, rest = number(rest[1:])
		pre = "-alpha." + pre
	case rest[0] == 'b':
		pre, rest = number(rest[1:])
		pre = "-beta." + pre
	case strings.HasPrefix(rest, "rc"):
		pre, rest = number(rest[2:])
		pre = "-rc." + pre
	}
	if strings.HasPrefix(rest, ".post") {
		post, rest = number(rest[5:])
		post = "+post" + post
	}
	if strings.HasPrefix(rest, ".dev") {
		dev, rest = number(rest[4:])
		join := ""
		if post == "" {
			join = "+"
		}
		dev = join + "dev" + dev
	}
	if rest != "" {
		return "", fmt.Errorf("'%s' still unparsed", rest)
	}
	return strings.Join(segments, ".") + pre + post + dev, nil
}

// validateVersion warns on stderr (a diagnostic for the CLI) about a Python older than supported.
func validateVersion(ctx context.Context, tc toolchain.Toolchain) {
	cmd, err := tc.Command(ctx, "--version")
	if err != nil {
		fmt.Fprintf(os.Stderr, "Failed to create python version command: %s\n", err)
		return
	}
	out, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "Failed to resolve python version command: %s\n", err)
		return
	}
	text := strings.TrimSpace(strings.TrimPrefix(string(out), "Python "))
	text = regexp.MustCompile(`-?rc\d+$`).ReplaceAllString(text, "")
	parsed, err := semver.Parse(text)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Failed to parse python version: '%s'\n", text)
		return
	}
	if parsed.LT(minimumSupportedPythonVersion) {
		fmt.Fprintf(os.Stderr, "Pulumi does not support Python %s. Please upgrade to at least %s\n",
			parsed, minimumSupportedPythonVersion)
	}
}

// Run starts the exec shim with the program, as upstream's Run: the shim's arguments from the
// request, the config in PULUMI_CONFIG, the virtualenv's python, the typechecker first if asked.
func (host *pythonLanguageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if req.GetAttachDebugger() {
		return &pulumirpc.RunResponse{Error: "this language host does not attach debuggers"}, nil
	}
	_, closer, err := host.engineClient()
	if err != nil {
		return nil, err
	}
	defer contract.IgnoreClose(closer)
	opts, err := parseOptions(req.Info.RootDirectory, req.Info.ProgramDirectory, req.Info.Options.AsMap(), false)
	if err != nil {
		return nil, err
	}
	args := append([]string{host.exec}, host.constructArguments(req)...)
	config, err := marshalOrEmpty(req.GetConfig(), "")
	if err != nil {
		return nil, fmt.Errorf("failed to serialize configuration: %w", err)
	}
	secretKeys, err := marshalOrEmpty(req.GetConfigSecretKeys(), "[]")
	if err != nil {
		return nil, fmt.Errorf("failed to serialize configuration secret keys: %w", err)
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}
	if err := runTypechecker(ctx, tc, opts, req.Info.ProgramDirectory); err != nil {
		return nil, err
	}
	runCtx, runCancel := context.WithCancel(host.cancelCtx)
	context.AfterFunc(ctx, runCancel)
	cmd, err := tc.Command(runCtx, args...)
	if err != nil {
		return nil, err
	}
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	if config != "" {
		env = append(env, pulumiConfigVar+"="+config)
	}
	if secretKeys != "" {
		env = append(env, pulumiConfigSecretKeysVar+"="+secretKeys)
	}
	cmd.Env = env

	if err := cmd.Run(); err != nil {
		contract.IgnoreError(os.Stdout.Sync())
		contract.IgnoreError(os.Stderr.Sync())
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if status, ok := exitErr.Sys().(syscall.WaitStatus); ok {
				switch status.ExitStatus() {
				case 0:
					err = fmt.Errorf("program exited unexpectedly: %w", exitErr)
				case pythonProcessExitedAfterShowingUserActionableMessage:
					return &pulumirpc.RunResponse{Bail: true}, nil
				default:
					err = fmt.Errorf("program exited with non-zero exit code: %d", status.ExitStatus())
				}
			} else {
				err = fmt.Errorf("program exited unexpectedly: %w", exitErr)
			}
		} else {
			err = fmt.Errorf("problem executing program (could not run language executor): %w", err)
		}
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

func marshalOrEmpty[T any](value T, empty string) (string, error) {
	data, err := json.Marshal(value)
	if err != nil {
		return "", err
	}
	if string(data) == "null" {
		return empty, nil
	}
	return string(data), nil
}

// constructArguments is the shim's command line (upstream's constructArguments).
func (host *pythonLanguageHost) constructArguments(req *pulumirpc.RunRequest) []string {
	var args []string
	add := func(key, value string) {
		if value != "" {
			args = append(args, "--"+key, value)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", host.engineAddress)
	add("project", req.GetProject())
	add("root_directory", req.GetInfo().RootDirectory)
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("dry_run", strconv.FormatBool(req.GetDryRun()))
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("tracing", host.tracing)
	add("organization", req.GetOrganization())
	args = append(args, req.Info.EntryPoint)
	return append(args, req.GetArgs()...)
}

func runTypechecker(ctx context.Context, tc toolchain.Toolchain, opts toolchain.PythonOptions, programDir string) error {
	var name string
	switch opts.Typechecker {
	case toolchain.TypeCheckerMypy:
		name = "mypy"
	case toolchain.TypeCheckerPyright:
		name = "pyright"
	default:
		return nil
	}
	args := []string{"-m", name}
	if name == "mypy" {
		venv, err := tc.VirtualEnvPath(ctx)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(programDir, venv)
		if err != nil {
			return err
		}
		args = append(args, "--exclude", rel)
	}
	cmd, err := tc.Command(ctx, append(args, programDir)...)
	if err != nil {
		return err
	}
	var output bytes.Buffer
	cmd.Stdout = io.MultiWriter(os.Stdout, &output)
	cmd.Stderr = io.MultiWriter(os.Stderr, &output)
	cmd.Dir = programDir
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s failed: %w\n%s", name, err, output.String())
	}
	return nil
}

func (host *pythonLanguageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// InstallDependencies is `pulumi install` (and the CLI's set-up of a missing virtualenv).
func (host *pythonLanguageHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	opts, err := parseOptions(req.Info.RootDirectory, req.Info.ProgramDirectory, req.Info.Options.AsMap(), req.IsPlugin)
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.IsTerminal)
	if err != nil {
		return err
	}
	defer closer.Close()
	fmt.Fprint(stdout, "Installing dependencies...\n\n")
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return err
	}
	if err := tc.InstallDependencies(server.Context(), req.Info.ProgramDirectory, req.UseLanguageVersionTools,
		true, stdout, stderr); err != nil {
		return err
	}
	fmt.Fprint(stdout, "Finished installing dependencies\n\n")
	return closer.Close()
}

func (host *pythonLanguageHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	opts := toolchain.PythonOptions{Toolchain: toolchain.Pip}
	if req != nil && req.Info != nil {
		parsed, err := parseOptions(req.Info.RootDirectory, req.Info.ProgramDirectory, req.Info.Options.AsMap(), false)
		if err != nil {
			return nil, err
		}
		opts = parsed
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	info, err := cachedAbout(ctx, tc)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: info.PythonExecutable,
		Version:    info.PythonVersion.String(),
		Metadata: map[string]string{
			"toolchain":        toolchain.Name(opts.Toolchain),
			"toolchainVersion": info.ToolchainVersion.String(),
			"typechecker":      toolchain.TypeCheckerName(opts.Typechecker),
		},
	}, nil
}

func (host *pythonLanguageHost) GetProgramDependencies(ctx context.Context,
	req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	opts, err := parseOptions(req.Info.RootDirectory, req.Info.ProgramDirectory, req.Info.Options.AsMap(), false)
	if err != nil {
		return nil, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	found, err := tc.ListPackages(ctx, req.TransitiveDependencies)
	if err != nil {
		return nil, fmt.Errorf("failed to get python dependencies: %w", err)
	}
	dependencies := make([]*pulumirpc.DependencyInfo, len(found))
	for i, dep := range found {
		dependencies[i] = &pulumirpc.DependencyInfo{Name: dep.Name, Version: dep.Version}
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: dependencies}, nil
}

func (host *pythonLanguageHost) RuntimeOptionsPrompts(ctx context.Context,
	req *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	raw := req.Info.Options.AsMap()
	var prompts []*pulumirpc.RuntimeOptionPrompt
	chosen, hasToolchain := raw["toolchain"]
	if !hasToolchain {
		pip := &pulumirpc.RuntimeOptionPrompt_RuntimeOptionValue{
			PromptType: pulumirpc.RuntimeOptionPrompt_STRING, StringValue: "pip", DisplayName: "pip",
		}
		choices := append([]*pulumirpc.RuntimeOptionPrompt_RuntimeOptionValue{pip},
			plugin.MakeExecutablePromptChoices("poetry", "uv")...)
		prompts = append(prompts, &pulumirpc.RuntimeOptionPrompt{
			Key:         "toolchain",
			Description: "The toolchain to use for installing dependencies and running the program",
			PromptType:  pulumirpc.RuntimeOptionPrompt_STRING,
			Choices:     choices,
			Default:     pip,
		})
	}
	if _, hasVenv := raw["virtualenv"]; hasToolchain && chosen == "pip" && !hasVenv {
		venv := &pulumirpc.RuntimeOptionPrompt_RuntimeOptionValue{
			PromptType: pulumirpc.RuntimeOptionPrompt_STRING, StringValue: "venv",
		}
		prompts = append(prompts, &pulumirpc.RuntimeOptionPrompt{
			Key: "virtualenv", Description: "The virtualenv to use", PromptType: pulumirpc.RuntimeOptionPrompt_STRING,
			Choices: []*pulumirpc.RuntimeOptionPrompt_RuntimeOptionValue{venv}, Default: venv,
		})
	}
	return &pulumirpc.RuntimeOptionsResponse{Prompts: prompts}, nil
}

func (host *pythonLanguageHost) Handshake(ctx context.Context,
	req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	host.engineAddress = req.EngineAddress
	healthCtx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	if err := rpcutil.Healthcheck(healthCtx, host.engineAddress, healthEvery, cancel); err != nil {
		return nil, fmt.Errorf("could not start health check host RPC server: %w", err)
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (host *pythonLanguageHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	host.cancelFunc()
	return &emptypb.Empty{}, nil
}
