package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Conversions between the framework's values and raw Terraform values, for
// the hot paths that read a configuration or write a result without the
// framework's reflection (tokenArgs, profilePlatformArg, tokenModel.value).

// rawAttributes is the attributes of an object value.
func rawAttributes(raw tftypes.Value) (map[string]tftypes.Value, error) {
	var attrs map[string]tftypes.Value
	err := raw.As(&attrs)
	return attrs, err
}

// rawString reads a string attribute: null when absent or null, unknown,
// or known.
func rawString(attrs map[string]tftypes.Value, name string) (types.String, error) {
	v, ok := attrs[name]
	switch {
	case !ok || v.IsNull():
		return types.StringNull(), nil
	case !v.IsKnown():
		return types.StringUnknown(), nil
	}
	var x string
	if err := v.As(&x); err != nil {
		return types.StringNull(), err
	}
	return types.StringValue(x), nil
}

// rawBool reads a bool attribute: null when absent or null, unknown, or
// known.
func rawBool(attrs map[string]tftypes.Value, name string) (types.Bool, error) {
	v, ok := attrs[name]
	switch {
	case !ok || v.IsNull():
		return types.BoolNull(), nil
	case !v.IsKnown():
		return types.BoolUnknown(), nil
	}
	var x bool
	if err := v.As(&x); err != nil {
		return types.BoolNull(), err
	}
	return types.BoolValue(x), nil
}

// tfString is a string value as a Terraform value: null, unknown or known.
func tfString(v types.String) tftypes.Value {
	switch {
	case v.IsUnknown():
		return tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	case v.IsNull():
		return tftypes.NewValue(tftypes.String, nil)
	}
	return tftypes.NewValue(tftypes.String, v.ValueString())
}

// tfBool is a bool value as a Terraform value: null, unknown or known.
func tfBool(v types.Bool) tftypes.Value {
	switch {
	case v.IsUnknown():
		return tftypes.NewValue(tftypes.Bool, tftypes.UnknownValue)
	case v.IsNull():
		return tftypes.NewValue(tftypes.Bool, nil)
	}
	return tftypes.NewValue(tftypes.Bool, v.ValueBool())
}

// tfStringMap is a map of strings as a Terraform value.
func tfStringMap(m map[string]string) tftypes.Value {
	elems := make(map[string]tftypes.Value, len(m))
	for k, v := range m {
		elems[k] = tftypes.NewValue(tftypes.String, v)
	}
	return tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, elems)
}
