package provider

import (
	"context"
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// wholeNumberType is the type of an integer setting between lo and hi
// (max_retries). The framework's Int64 type cannot convert a fractional
// number such as 1.5, or one beyond 64 bits such as 1e30, and reports it as
// "Value Conversion Error ... This is always an error in the provider" with
// a garbled value; this type hands the framework an unknown value instead
// and reports the number as a plain validation error on the attribute, in
// the words the environment variable's check uses. Every other value
// behaves exactly as with the Int64 type (range validators included).
type wholeNumberType struct {
	basetypes.Int64Type
	lo, hi int64
}

var _ basetypes.Int64Typable = wholeNumberType{}

// Equal reports whether o is the same wholeNumberType.
func (t wholeNumberType) Equal(o attr.Type) bool {
	w, ok := o.(wholeNumberType)
	return ok && w.lo == t.lo && w.hi == t.hi
}

// String names the type in framework messages.
func (t wholeNumberType) String() string { return "provider.wholeNumberType" }

// notInt64 returns the number in, when it is known and not a 64-bit
// integer.
func notInt64(in tftypes.Value) (*big.Float, bool) {
	if !in.IsKnown() || in.IsNull() || !in.Type().Is(tftypes.Number) {
		return nil, false
	}
	var f *big.Float
	if err := in.As(&f); err != nil || f == nil {
		return nil, false
	}
	if _, acc := f.Int64(); f.IsInt() && acc == big.Exact {
		return nil, false
	}
	return f, true
}

// ValueFromTerraform converts like the Int64 type, except that a number
// that is not a 64-bit integer becomes an unknown value (Validate reports
// it).
func (t wholeNumberType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	if _, ok := notInt64(in); ok {
		return basetypes.NewInt64Unknown(), nil
	}
	return t.Int64Type.ValueFromTerraform(ctx, in)
}

// Validate rejects, on the attribute, a number that is not a 64-bit
// integer, then applies the Int64 type's checks.
func (t wholeNumberType) Validate(ctx context.Context, in tftypes.Value, p path.Path) diag.Diagnostics {
	if f, ok := notInt64(in); ok {
		var diags diag.Diagnostics
		diags.AddAttributeError(p, "Invalid Attribute Value", attributeProblem(p.String(),
			fmt.Sprintf("must be a whole number between %d and %d, got %s", t.lo, t.hi, f.Text('g', -1))))
		return diags
	}
	return t.Int64Type.Validate(ctx, in, p)
}
