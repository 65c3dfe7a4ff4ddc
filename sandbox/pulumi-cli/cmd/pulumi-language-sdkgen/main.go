// pulumi-language-sdkgen: the SDK generation of Pulumi's Node.js and Go language hosts, for the
// sandbox's `pulumi package gen-sdk --language nodejs|go`.
//
// Upstream's Node.js and Go hosts (sdk/nodejs/cmd/pulumi-language-nodejs, sdk/go/pulumi-language-go
// in pulumi/pulumi) are Go modules of their own without version tags, which the Go module proxy these
// machines reach refuses (403). Their code generators are in github.com/pulumi/pulumi/pkg/v3, which
// go.mod pins. This host serves what SDK generation needs of a language host: GetPluginInfo,
// Handshake and GeneratePackage, each as upstream's host of that language does it (pulumi/pulumi at
// 1b5949891b: nodejs main.go GeneratePackage at line 1914, go main.go GeneratePackage at line 1498).
// It runs no program: everything else answers Unimplemented, saying so. One binary serves both
// languages, each under its host's name (`pulumi-language-nodejs`, `pulumi-language-go`), which the
// CLI looks up; it is kept out of the sandbox's PATH, so that it never stands in for a host that runs
// programs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"heroku-peering/pulumi-cli/internal/gensdk"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// The language is the executable's name, as the CLI starts it.
const hostPrefix = "pulumi-language-"

func main() {
	flag.String("tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint (ignored)")
	showVersion := flag.Bool("version", false, "Print the current plugin version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.Version)
		os.Exit(0)
	}
	logging.InitLogging(false, 0, false)
	language := strings.TrimPrefix(filepath.Base(os.Args[0]), hostPrefix)
	generate, known := generators[language]
	if !known {
		cmdutil.Exit(fmt.Errorf("run this program as %snodejs or %sgo, not %s", hostPrefix, hostPrefix,
			filepath.Base(os.Args[0])))
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, &sdkHost{language: language, generate: generate})
			return nil
		},
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

// Each language's generator, called as its upstream host calls it.
var generators = map[string]gensdk.Generator{
	"nodejs": func(pkg *schema.Package, loader schema.ReferenceLoader, req *pulumirpc.GeneratePackageRequest) (
		map[string][]byte, error,
	) {
		return nodejs.GeneratePackage("pulumi-language-nodejs", pkg, req.ExtraFiles, req.LocalDependencies,
			req.Local, loader)
	},
	"go": func(pkg *schema.Package, _ schema.ReferenceLoader, req *pulumirpc.GeneratePackageRequest) (
		map[string][]byte, error,
	) {
		if len(req.ExtraFiles) > 0 {
			return nil, errors.New("overlays are not supported for Go")
		}
		return gogen.GeneratePackage("pulumi-language-go", pkg, req.LocalDependencies)
	},
}

type sdkHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	language string
	generate gensdk.Generator
}

func (host *sdkHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// Handshake watches the engine, as upstream's hosts do, and exits when it is gone.
func (host *sdkHost) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	healthCtx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	if err := rpcutil.Healthcheck(healthCtx, req.EngineAddress, time.Second, cancel); err != nil {
		return nil, fmt.Errorf("could not start health check host RPC server: %w", err)
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (host *sdkHost) GeneratePackage(_ context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	return gensdk.GeneratePackage(req, host.generate)
}

// Run: this host generates SDKs only.
func (host *sdkHost) Run(context.Context, *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	return nil, status.Errorf(codes.Unimplemented,
		"the sandbox's %s host generates SDKs only; running %s programs needs Pulumi's own %s language host",
		host.language, host.language, host.language)
}
