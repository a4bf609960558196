package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestRawValues reads every state of a string and a bool attribute and
// writes it back: absent and null read as null, unknown as unknown, a
// known value as itself, and a value of the wrong type is an error.
func TestRawValues(t *testing.T) {
	attrs := map[string]tftypes.Value{
		"s_null": tftypes.NewValue(tftypes.String, nil), "s_unknown": tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		"s": tftypes.NewValue(tftypes.String, "x"), "b_null": tftypes.NewValue(tftypes.Bool, nil),
		"b_unknown": tftypes.NewValue(tftypes.Bool, tftypes.UnknownValue), "b": tftypes.NewValue(tftypes.Bool, true),
	}
	for name, want := range map[string]types.String{
		"absent": types.StringNull(), "s_null": types.StringNull(), "s_unknown": types.StringUnknown(), "s": types.StringValue("x"),
	} {
		got, err := rawString(attrs, name)
		if err != nil || !got.Equal(want) {
			t.Errorf("rawString(%s) = %s, %v; want %s", name, got, err, want)
		}
		if back := tfString(got); name != "absent" && !back.Equal(attrs[name]) {
			t.Errorf("tfString(%s) = %s, want %s", got, back, attrs[name])
		}
	}
	for name, want := range map[string]types.Bool{
		"absent": types.BoolNull(), "b_null": types.BoolNull(), "b_unknown": types.BoolUnknown(), "b": types.BoolValue(true),
	} {
		got, err := rawBool(attrs, name)
		if err != nil || !got.Equal(want) {
			t.Errorf("rawBool(%s) = %s, %v; want %s", name, got, err, want)
		}
		if back := tfBool(got); name != "absent" && !back.Equal(attrs[name]) {
			t.Errorf("tfBool(%s) = %s, want %s", got, back, attrs[name])
		}
	}
	if _, err := rawString(attrs, "b"); err == nil {
		t.Error("rawString of a bool: no error")
	}
	if _, err := rawBool(attrs, "s"); err == nil {
		t.Error("rawBool of a string: no error")
	}
	if _, err := rawAttributes(tftypes.NewValue(tftypes.String, "x")); err == nil {
		t.Error("rawAttributes of a string: no error")
	}
}
