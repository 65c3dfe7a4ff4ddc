package main

// Answers that depend only on the Python environment, kept between runs while it is unchanged.
//
// The engine asks the language host for the program's packages in every phase of every command
// (pkg/engine/update.go installPlugins and refresh.go, gatherPackagesFromProgram, at the version in
// go.mod), and upstream's host answers each time by running `python -m pip list --format json` and then
// a script that finds each package's pulumi-plugin.json: two Python processes, about 0.5 s of CPU, twice
// per `pulumi up`. The CLI also asks About for each command's metadata (pkg/cmd/pulumi/metadata), which
// upstream's toolchain answers with `python --version`, `pip --version` (0.17 s) and sys.executable.
// What they report depends only on the Python environment, so this host keys their answers by a stamp
// of it: Python's path after site's .pth files (the working directory first, as `python -m pip` puts
// it), the distributions on each entry with their modification times, the interpreter and its version,
// the PIP_* variables and pip's configuration files. pip creates or removes a *.dist-info directory for
// every install, upgrade and uninstall (pip's own included; an editable install adds a .pth file too,
// which changes the path), so each of them changes the stamp, and the next question runs pip again.
// Taking the stamp is one short Python process (about 0.03 s). An answer is then exactly what pip and
// the script said when the stamp was last taken; each pulumi-plugin.json is still read afresh, a
// recorded path that is gone asks again, and an About whose versions could not be read is not kept.
//
// The cache is the folder python-environments beside this build's bin/ (one JSON file per stamp and
// question, written whole with a rename, so that hosts started at once never read half a file; a file
// unused for a week is removed when another is written).
// PULUMI_PYTHON_ENVIRONMENT_CACHE=off asks every time, as upstream does.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

const (
	environmentCacheVar = "PULUMI_PYTHON_ENVIRONMENT_CACHE"
	unusedFor           = 7 * 24 * time.Hour
)

// What pip's answers depend on, printed as one JSON document: the stamp. For each sys.path entry (the
// working directory first, as `python -c` and `python -m pip` put it), the distributions importlib finds
// there, and pip's legacy editable links (*.dist-info, *.egg-info, *.egg, *.egg-link), with their
// modification times; other files coming and going (a project's own folders) change nothing pip reports.
const environmentStampScript = `import json, os, sys
DISTRIBUTIONS = ('.dist-info', '.egg-info', '.egg', '.egg-link')
def stamp(path):
	try:
		names = [n for n in os.listdir(path) if n.endswith(DISTRIBUTIONS)]
		return [path, sorted([n, os.stat(os.path.join(path, n)).st_mtime_ns] for n in names)]
	except OSError:
		return [path, None]
def mtime(path):
	try:
		return [path, os.stat(path).st_mtime_ns]
	except OSError:
		return [path, None]
home = os.path.expanduser('~')
xdg = os.environ.get('XDG_CONFIG_HOME') or os.path.join(home, '.config')
site_dirs = os.environ.get('XDG_CONFIG_DIRS', '/etc/xdg').split(':')
configs = [os.path.join(d, 'pip', 'pip.conf') for d in site_dirs]
configs += ['/etc/pip.conf', os.path.join(home, '.pip', 'pip.conf'), os.path.join(xdg, 'pip', 'pip.conf'),
	os.path.join(sys.prefix, 'pip.conf')]
if os.environ.get('PIP_CONFIG_FILE'):
	configs.append(os.environ['PIP_CONFIG_FILE'])
print(json.dumps({
	'executable': sys.executable,
	'version': sys.version,
	'path': [stamp(os.path.abspath(p or '.')) for p in sys.path],
	'pip_env': sorted((k, v) for k, v in os.environ.items() if k.startswith('PIP_')),
	'pip_config': [mtime(c) for c in configs],
}))`

// packageListing is what `pip list` and the pulumi-plugin.json script reported.
type packageListing struct {
	Packages []plugin.DependencyInfo `json:"packages"`
	Paths    map[string]string       `json:"paths"`
}

// listPackages runs `pip list` and the pulumi-plugin.json script, as upstream's host does each time.
func listPackages(ctx context.Context, tc toolchain.Toolchain) (packageListing, error) {
	packages, err := tc.ListPackages(ctx, true)
	if err != nil {
		return packageListing{}, err
	}
	paths, err := pluginJSONPaths(ctx, tc, packages)
	if err != nil {
		return packageListing{}, err
	}
	return packageListing{Packages: packages, Paths: paths}, nil
}

// cachedPackages answers as listPackages would: from the cache when the environment's stamp is one it
// has seen and every pulumi-plugin.json it recorded is still there, else by listing (and recording).
func cachedPackages(ctx context.Context, tc toolchain.Toolchain) (packageListing, error) {
	ask := func() (packageListing, error) { return listPackages(ctx, tc) }
	return cached(ctx, tc, "packages", ask, listingValid)
}

// cachedAbout answers as the toolchain's About would, kept when both versions were read.
func cachedAbout(ctx context.Context, tc toolchain.Toolchain) (toolchain.Info, error) {
	ask := func() (toolchain.Info, error) { return tc.About(ctx) }
	return cached(ctx, tc, "about", ask, func(info toolchain.Info) bool {
		return info.PythonExecutable != "" && info.PythonVersion.Major > 0 && info.ToolchainVersion.Major > 0
	})
}

// cached is ask's answer for the environment's current stamp: the kept one when there is one and keep
// accepts it, else ask's (kept when keep accepts it). The cache off or unusable: ask's, every time.
func cached[T any](
	ctx context.Context, tc toolchain.Toolchain, question string, ask func() (T, error), keep func(T) bool,
) (T, error) {
	if os.Getenv(environmentCacheVar) == "off" {
		return ask()
	}
	file, err := cacheFile(ctx, tc, question)
	if err != nil {
		logging.V(5).Infof("environment cache unused: %v", err)
		return ask()
	}
	var answer T
	if data, err := os.ReadFile(file); err == nil && json.Unmarshal(data, &answer) == nil && keep(answer) {
		now := time.Now()
		_ = os.Chtimes(file, now, now) // last used, for pruneUnused
		return answer, nil
	}
	answer, err = ask()
	if err != nil || !keep(answer) {
		return answer, err
	}
	if err := writeAnswer(file, answer); err != nil {
		logging.V(5).Infof("environment cache not written: %v", err)
	}
	pruneUnused(filepath.Dir(file))
	return answer, nil
}

// cacheFile is the cache's file for the question in the environment's current stamp.
func cacheFile(ctx context.Context, tc toolchain.Toolchain, question string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	cmd, err := tc.Command(ctx, "-c", environmentStampScript)
	if err != nil {
		return "", err
	}
	stamp, err := cmd.Output()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(stamp)
	name := hex.EncodeToString(sum[:]) + "." + question + ".json"
	return filepath.Join(filepath.Dir(filepath.Dir(self)), "python-environments", name), nil
}

// listingValid: a listing whose every pulumi-plugin.json is still where the script found it.
func listingValid(listing packageListing) bool {
	if listing.Paths == nil {
		return false
	}
	for _, path := range listing.Paths {
		if path == "" {
			continue
		}
		if _, err := os.Stat(path); err != nil {
			return false
		}
	}
	return true
}

func writeAnswer(file string, answer any) error {
	data, err := json.Marshal(answer)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	temp, err := os.CreateTemp(filepath.Dir(file), ".answer-*")
	if err != nil {
		return err
	}
	_, writeErr := temp.Write(data)
	closeErr := temp.Close()
	if err := errors.Join(writeErr, closeErr); err != nil {
		_ = os.Remove(temp.Name())
		return err
	}
	return os.Rename(temp.Name(), file)
}

// pruneUnused removes the answers no question has read or written for a while (their stamps are gone:
// a virtualenv since changed or removed).
func pruneUnused(folder string) {
	entries, err := os.ReadDir(folder)
	if err != nil {
		return
	}
	for _, entry := range entries {
		if info, err := entry.Info(); err == nil && time.Since(info.ModTime()) > unusedFor {
			_ = os.Remove(filepath.Join(folder, entry.Name()))
		}
	}
}
