package provider

import (
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/jwtclaims"
)

var _ function.Function = (*jwtClaimsFunction)(nil)

// NewJWTClaimsFunction returns the provider::iotauth::jwt_claims function.
func NewJWTClaimsFunction() function.Function { return &jwtClaimsFunction{} }

type jwtClaimsFunction struct{}

func (f *jwtClaimsFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "jwt_claims"
}

func (f *jwtClaimsFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Decode the claims of a JSON Web Token, without verifying its signature.",
		MarkdownDescription: "Returns the claims (payload) of a JSON Web Token as an object, for example " +
			"`provider::iotauth::jwt_claims(ephemeral.iotauth_token.bienport.token).exp`.\n\n" +
			"**The signature is not verified**: use the result to read what a platform put into a token it " +
			"issued to you (expiry, user ID), never to decide whether to trust a token from elsewhere.\n\n" +
			"Numeric claims are numbers, `null` claims are `null`, arrays are tuples and objects are objects. " +
			"A `sub` claim that is a string holding a JSON object (BienPort's tokens carry " +
			"`{\"userid\":...,\"screenName\":...,\"rememberMe\":...}` that way) is decoded into an object.\n\n" +
			"The result of a token from an ephemeral resource is itself ephemeral.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "token",
				MarkdownDescription: "The JSON Web Token (three base64url segments separated by dots), without a `Bearer ` prefix.",
			},
		},
		Return: function.DynamicReturn{},
	}
}

func (f *jwtClaimsFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var token string
	resp.Error = function.ConcatFuncErrors(resp.Error, req.Arguments.Get(ctx, &token))
	if resp.Error != nil {
		return
	}
	claims, err := jwtclaims.Parse(token)
	if err != nil {
		// Never echo the argument: it is usually a live token.
		resp.Error = function.NewArgumentFuncError(0, "The value is not a JSON Web Token with a JSON object as its payload "+
			"(expected three base64url segments separated by dots)")
		return
	}
	if sub, ok := jwtclaims.DecodeNestedSubject(claims); ok {
		claims["sub"] = sub
	}
	v, err := claimValue(claims, 0)
	if err != nil {
		resp.Error = function.NewFuncError("The token's claims could not be converted: " + err.Error())
		return
	}
	resp.Error = function.ConcatFuncErrors(resp.Error, resp.Result.Set(ctx, types.DynamicValue(v)))
}

// maxClaimDepth bounds nesting so that a hostile token cannot exhaust the stack.
const maxClaimDepth = 32

// claimValue converts a decoded JSON value into a Terraform value.
func claimValue(v any, depth int) (attr.Value, error) {
	if depth > maxClaimDepth {
		return nil, errors.New("claims are nested too deeply")
	}
	switch x := v.(type) {
	case nil:
		return types.DynamicNull(), nil
	case string:
		return types.StringValue(x), nil
	case bool:
		return types.BoolValue(x), nil
	case json.Number:
		bf, _, err := big.ParseFloat(x.String(), 10, 512, big.ToNearestEven)
		if err != nil {
			return nil, errors.New("a number claim is not a valid number")
		}
		return types.NumberValue(bf), nil
	case []any:
		elemTypes := make([]attr.Type, 0, len(x))
		elems := make([]attr.Value, 0, len(x))
		for _, e := range x {
			ev, err := claimValue(e, depth+1)
			if err != nil {
				return nil, err
			}
			elemTypes = append(elemTypes, ev.Type(context.Background()))
			elems = append(elems, ev)
		}
		tv, diags := types.TupleValue(elemTypes, elems)
		if diags.HasError() {
			return nil, errors.New("an array claim could not be converted")
		}
		return tv, nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		attrTypes := make(map[string]attr.Type, len(x))
		attrs := make(map[string]attr.Value, len(x))
		for _, k := range keys {
			ev, err := claimValue(x[k], depth+1)
			if err != nil {
				return nil, err
			}
			attrTypes[k] = ev.Type(context.Background())
			attrs[k] = ev
		}
		ov, diags := types.ObjectValue(attrTypes, attrs)
		if diags.HasError() {
			return nil, errors.New("an object claim could not be converted")
		}
		return ov, nil
	}
	return nil, errors.New("a claim has an unsupported JSON type")
}
