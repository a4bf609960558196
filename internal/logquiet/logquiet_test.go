package logquiet

import (
	"maps"
	"slices"
	"testing"
)

func TestUnlessCollected(t *testing.T) {
	for name, tc := range map[string]struct {
		env  map[string]string
		want map[string]string
	}{
		"nothing set: SDK logs off": {
			env: map[string]string{},
			want: map[string]string{"TF_LOG_SDK": "off", "TF_LOG_SDK_PROTO": "off", "TF_LOG_SDK_FRAMEWORK": "off",
				"TF_LOG_PROVIDER": "off", "TF_LOG_PROVIDER_IOTAUTH": "off", "TF_LOG_PROVIDER_IOTAUTH_HTTP": "off"},
		},
		"TF_LOG set: untouched": {
			env:  map[string]string{"TF_LOG": "TRACE"},
			want: map[string]string{"TF_LOG": "TRACE"},
		},
		"TF_LOG_PROVIDER set: untouched": {
			env:  map[string]string{"TF_LOG_PROVIDER": "DEBUG"},
			want: map[string]string{"TF_LOG_PROVIDER": "DEBUG"},
		},
		"an explicit SDK level is kept": {
			env: map[string]string{"TF_LOG_SDK_FRAMEWORK": "INFO"},
			want: map[string]string{"TF_LOG_SDK": "off", "TF_LOG_SDK_PROTO": "off", "TF_LOG_SDK_FRAMEWORK": "INFO",
				"TF_LOG_PROVIDER": "off", "TF_LOG_PROVIDER_IOTAUTH": "off", "TF_LOG_PROVIDER_IOTAUTH_HTTP": "off"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			env := maps.Clone(tc.env)
			lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
			set := func(k, v string) error { env[k] = v; return nil }
			UnlessCollected(lookup, set)
			if !maps.Equal(env, tc.want) {
				keys := slices.Sorted(maps.Keys(env))
				t.Errorf("environment %v (keys %v), want %v", env, keys, tc.want)
			}
		})
	}
}
