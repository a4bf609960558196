package main

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// installVersion is the version the benchmark's provider packages carry.
const installVersion = "1.0.0"

// installedCopies installs the provider binary at src n times the way users
// get it: packed into a zip archive, as .goreleaser.yml ships a release,
// and unpacked by `terraform init` itself from a filesystem mirror. It
// returns the paths of the installed files, one per copy.
//
// How a binary's file was written decides how much of it each process maps
// (see bench/NOTES.md, "Binary files and the page cache"): a file written in
// one large write sits in the page cache in large folios, which the kernel
// maps whole at each fault; `terraform init` writes the file in the small
// chunks of its unzip loop, and a process running that file maps about
// 1.4 MiB less. Letting Terraform write the copies measures the binary as
// users run it. Each copy gets its own mirror and working directory under
// dir/install/<label>.<i>.
func installedCopies(ctx context.Context, terraform, src, label string, n int, dir string) ([]string, error) {
	paths := make([]string, 0, n)
	for i := range n {
		root := filepath.Join(dir, "install", fmt.Sprintf("%s.%d", label, i+1))
		p, err := installWithTerraform(ctx, terraform, src, root)
		if err != nil {
			return nil, fmt.Errorf("installing %s with terraform init: %w", src, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// installWithTerraform packs src as version installVersion of
// registry.terraform.io/iotauth/iotauth into a filesystem mirror under
// root, runs `terraform init` in root/config with a CLI configuration that
// installs only from that mirror, and returns the path of the file
// Terraform unpacked.
func installWithTerraform(ctx context.Context, terraform, src, root string) (string, error) {
	const host, namespace, typ = "registry.terraform.io", "iotauth", "iotauth"
	platform := runtime.GOOS + "_" + runtime.GOARCH
	binName := "terraform-provider-" + typ + "_v" + installVersion

	mirror := filepath.Join(root, "mirror")
	pkgDir := filepath.Join(mirror, host, namespace, typ)
	config := filepath.Join(root, "config")
	for _, d := range []string{pkgDir, config} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return "", err
		}
	}
	archive := filepath.Join(pkgDir, fmt.Sprintf("terraform-provider-%s_%s_%s.zip", typ, installVersion, platform))
	if err := zipBinary(src, binName, archive); err != nil {
		return "", err
	}

	rc := filepath.Join(root, "terraformrc")
	rcText := fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path    = %q\n    include = [%q]\n  }\n}\n",
		mirror, host+"/"+namespace+"/"+typ)
	if err := os.WriteFile(rc, []byte(rcText), 0o600); err != nil {
		return "", err
	}
	mainTF := fmt.Sprintf("terraform {\n  required_providers {\n    %s = {\n      source  = %q\n      version = %q\n    }\n  }\n}\n",
		typ, namespace+"/"+typ, installVersion)
	if err := os.WriteFile(filepath.Join(config, "main.tf"), []byte(mainTF), 0o600); err != nil {
		return "", err
	}

	cmd := exec.CommandContext(ctx, terraform, "-chdir="+config, "init", "-input=false", "-no-color", "-backend=false") //nolint:gosec // G204: the benchmark runs Terraform.
	cmd.Env = append(cleanEnv(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("terraform init in %s failed (%w):\n%s", config, err, strings.TrimSpace(string(out)))
	}

	installed := filepath.Join(config, ".terraform", "providers", host, namespace, typ, installVersion, platform, binName)
	fi, err := os.Stat(installed)
	if err != nil {
		return "", fmt.Errorf("terraform init did not install %s: %w", binName, err)
	}
	if fi.Mode()&0o100 == 0 {
		return "", fmt.Errorf("terraform init installed %s without execute permission (%v)", installed, fi.Mode())
	}
	return installed, nil
}

// zipBinary writes a zip archive at dst holding the file src under name,
// executable and deflated, as goreleaser packs a release.
func zipBinary(src, name, dst string) (err error) {
	in, err := os.Open(src) //nolint:gosec // G304: a binary the benchmark built.
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	out, err := os.Create(dst) //nolint:gosec // G304: a path in the benchmark's scratch directory.
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	zw := zip.NewWriter(out)
	h := &zip.FileHeader{Name: name, Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, in); err != nil {
		return err
	}
	return zw.Close()
}
