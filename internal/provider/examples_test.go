package provider

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestExamplesValidate runs `terraform validate` on every example folder
// against the provider built from this tree, through a dev_overrides CLI
// configuration (the registry is never contacted).
func TestExamplesValidate(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to validate the examples with a Terraform CLI")
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		var err error
		if tf, err = exec.LookPath("terraform"); err != nil {
			t.Skip("no terraform on PATH")
		}
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	exe := "terraform-provider-iotauth"
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	build := exec.CommandContext(t.Context(), "go", "build", "-o", filepath.Join(bin, exe), ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// OpenTofu reads the same dev_overrides block; the source address
	// iotauth/iotauth resolves to either registry's host.
	cliConfig := filepath.Join(t.TempDir(), "cli.tfrc")
	cfg := "provider_installation {\n  dev_overrides {\n    \"iotauth/iotauth\" = \"" + filepath.ToSlash(bin) + "\"\n" +
		"    \"registry.opentofu.org/iotauth/iotauth\" = \"" + filepath.ToSlash(bin) + "\"\n  }\n  direct {}\n}\n"
	if err := os.WriteFile(cliConfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	var dirs []string
	err = filepath.WalkDir(filepath.Join(root, "examples"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		matches, _ := filepath.Glob(filepath.Join(path, "*.tf"))
		if len(matches) > 0 {
			dirs = append(dirs, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 4 {
		t.Fatalf("found only %d example folders: %v", len(dirs), dirs)
	}

	for _, dir := range dirs {
		rel, _ := filepath.Rel(root, dir)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			work := t.TempDir()
			files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
			var all strings.Builder
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				all.Write(data)
				if err := os.WriteFile(filepath.Join(work, filepath.Base(f)), data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			// Examples that show one block type alone get the provider
			// requirement they would have in a real configuration.
			if !strings.Contains(all.String(), "required_providers") {
				req := "terraform {\n  required_providers {\n    iotauth = { source = \"iotauth/iotauth\" }\n  }\n}\n"
				if err := os.WriteFile(filepath.Join(work, "zz_required_providers.tf"), []byte(req), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.CommandContext(t.Context(), tf, "validate", "-no-color")
			cmd.Dir = work
			cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("terraform validate failed in %s: %v\n%s", rel, err, out)
			}
			if !strings.Contains(string(out), "Success! The configuration is valid") {
				t.Fatalf("terraform validate in %s did not report success:\n%s", rel, out)
			}
		})
	}
}
