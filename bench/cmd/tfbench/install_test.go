package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// terraformForTest is the Terraform CLI the acceptance tests use.
func terraformForTest(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("no terraform on PATH (make test requires one)")
	}
	return p
}

func TestInstalledCopies(t *testing.T) {
	tf := terraformForTest(t)
	dir := t.TempDir()
	// Terraform never runs the provider during init, so any content will
	// do; it must come back byte for byte.
	content := bytes.Repeat([]byte("#!/bin/sh\nexit 0\n"), 5000)
	src := filepath.Join(dir, "provider-build")
	if err := os.WriteFile(src, content, 0o600); err != nil {
		t.Fatal(err)
	}
	cacheDir := filepath.Join(dir, "plugin-cache")
	if err := os.Mkdir(cacheDir, 0o750); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TF_PLUGIN_CACHE_DIR", cacheDir)

	paths, err := installedCopies(context.Background(), tf, src, "iotauth", 2, filepath.Join(dir, "work"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 || paths[0] == paths[1] {
		t.Fatalf("paths = %q, want two different files", paths)
	}
	for _, p := range paths {
		if !strings.Contains(p, filepath.Join(".terraform", "providers", "registry.terraform.io", "iotauth", "iotauth", installVersion)) {
			t.Errorf("%s is not where terraform init installs a provider", p)
		}
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.Mode().IsRegular() || fi.Mode()&0o100 == 0 {
			t.Errorf("%s: mode %v, want an executable regular file", p, fi.Mode())
		}
		got, err := os.ReadFile(p) //nolint:gosec // G304: a file this test installed.
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, content) {
			t.Errorf("%s: %d bytes differ from the %d-byte source", p, len(got), len(content))
		}
	}
	if entries, err := os.ReadDir(cacheDir); err != nil || len(entries) != 0 {
		t.Errorf("terraform init wrote to the caller's TF_PLUGIN_CACHE_DIR (%d entries, %v)", len(entries), err)
	}
}

func TestInstalledCopiesReportsInitFailure(t *testing.T) {
	tf := terraformForTest(t)
	dir := t.TempDir()
	_, err := installedCopies(context.Background(), tf, filepath.Join(dir, "no-such-binary"), "stub", 1, dir)
	if err == nil || !strings.Contains(err.Error(), "no-such-binary") {
		t.Fatalf("err = %v, want one naming the missing binary", err)
	}
}
