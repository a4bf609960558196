package provider

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// TestTimeOrNullOutOfRange: an expiry or date whose year RFC 3339 cannot
// write (beyond 9999, before 0) is null, like an unknown one (issue 13).
func TestTimeOrNullOutOfRange(t *testing.T) {
	t.Parallel()
	if v := timeOrNull(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)); !v.IsNull() {
		t.Errorf("year 10000: %v", v)
	}
	if v := timeOrNull(time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)); !v.IsNull() {
		t.Errorf("year -1: %v", v)
	}
	if v := timeOrNull(time.Time{}); !v.IsNull() {
		t.Errorf("zero: %v", v)
	}
	if v := timeOrNull(time.Date(9999, 12, 31, 23, 59, 59, 0, time.FixedZone("x", 3600))); v.ValueString() != "9999-12-31T22:59:59Z" {
		t.Errorf("year 9999: %v", v)
	}
}

// TestProfileIDFallsBackToPrincipal: a profile with neither a user ID nor
// a user name gets the id "<platform>/<configured principal>", never
// "<platform>/" (issue 13).
func TestProfileIDFallsBackToPrincipal(t *testing.T) {
	t.Parallel()
	var resp datasource.SchemaResponse
	(&userProfileDataSource{}).Schema(context.Background(), datasource.SchemaRequest{}, &resp)
	obj, ok := resp.Schema.Type().(types.ObjectType)
	if !ok {
		t.Fatalf("the data source's schema is a %T, not an object", resp.Schema.Type())
	}
	attrTypes := obj.AttrTypes
	var diags diag.Diagnostics
	for _, tc := range []struct {
		pr   platform.Profile
		want string
	}{
		{platform.Profile{UserID: "20641", UserName: "bienport.demo"}, "bienport/20641"},
		{platform.Profile{UserName: "bienport.demo"}, "bienport/bienport.demo"},
		{platform.Profile{}, "bienport/configured-user"},
	} {
		values := profileValues("bienport", "configured-user", &tc.pr, attrTypes, &diags)
		if got := values["id"].String(); got != `"`+tc.want+`"` {
			t.Errorf("id = %s, want %q", got, tc.want)
		}
	}
	if diags.HasError() {
		t.Fatal(diags)
	}
}
