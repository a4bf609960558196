// Command httpprov stands in for hashicorp/http in the benchmark's
// comparison with the `data "http"` login pattern, because the registry's
// provider cannot be installed offline (scripts/bench.sh runs the real one
// when BENCH_HTTP_PROVIDER names its binary).
//
// It serves the part of hashicorp/http's `http` data source that a login
// uses, under the same names (url, method, request_headers, request_body;
// id, status_code, response_body, response_headers), and does what that
// data source does per block: decode the configuration into a model, send
// one request on a fresh clone of http.DefaultTransport (so a new
// connection per block), and set the whole response as state. Like any
// framework provider it leaves the SDK's log settings alone. What the
// pattern costs is N login round trips, Terraform running 10 of them at a
// time; the provider's own few milliseconds do not change that.
package main

import (
	"context"
	"io"
	"log"
	"net/http"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func main() {
	err := providerserver.Serve(context.Background(), func() provider.Provider { return httpProvider{} }, providerserver.ServeOpts{
		Address: "registry.terraform.io/hashicorp/http",
	})
	if err != nil {
		log.Fatal(err)
	}
}

type httpProvider struct{}

func (httpProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "http"
}

func (httpProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}

func (httpProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (httpProvider) Resources(context.Context) []func() resource.Resource { return nil }

func (httpProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{func() datasource.DataSource { return httpDataSource{} }}
}

type httpDataSource struct{}

type httpModel struct {
	ID              types.String `tfsdk:"id"`
	URL             types.String `tfsdk:"url"`
	Method          types.String `tfsdk:"method"`
	RequestHeaders  types.Map    `tfsdk:"request_headers"`
	RequestBody     types.String `tfsdk:"request_body"`
	StatusCode      types.Int64  `tfsdk:"status_code"`
	ResponseBody    types.String `tfsdk:"response_body"`
	ResponseHeaders types.Map    `tfsdk:"response_headers"`
}

func (httpDataSource) Metadata(_ context.Context, _ datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = "http"
}

func (httpDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{Attributes: map[string]schema.Attribute{
		"id":               schema.StringAttribute{Computed: true},
		"url":              schema.StringAttribute{Required: true},
		"method":           schema.StringAttribute{Optional: true},
		"request_headers":  schema.MapAttribute{ElementType: types.StringType, Optional: true},
		"request_body":     schema.StringAttribute{Optional: true},
		"status_code":      schema.Int64Attribute{Computed: true},
		"response_body":    schema.StringAttribute{Computed: true},
		"response_headers": schema.MapAttribute{ElementType: types.StringType, Computed: true},
	}}
}

func (httpDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m httpModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	method := m.Method.ValueString()
	if method == "" {
		method = http.MethodGet
	}
	r, err := http.NewRequestWithContext(ctx, method, m.URL.ValueString(), strings.NewReader(m.RequestBody.ValueString()))
	if err != nil {
		resp.Diagnostics.AddError("Error creating request", err.Error())
		return
	}
	headers := map[string]string{}
	resp.Diagnostics.Append(m.RequestHeaders.ElementsAs(ctx, &headers, false)...)
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	tr, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		resp.Diagnostics.AddError("Error configuring http transport", "http.DefaultTransport is not an *http.Transport")
		return
	}
	client := &http.Client{Transport: tr.Clone()}
	res, err := client.Do(r)
	if err != nil {
		resp.Diagnostics.AddError("Error making request", err.Error())
		return
	}
	defer func() { _ = res.Body.Close() }()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		resp.Diagnostics.AddError("Error reading response body", err.Error())
		return
	}
	got := map[string]string{}
	for k, v := range res.Header {
		got[k] = strings.Join(v, ", ")
	}
	respHeaders, diags := types.MapValueFrom(ctx, types.StringType, got)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue(m.URL.ValueString())
	m.StatusCode = types.Int64Value(int64(res.StatusCode))
	m.ResponseBody = types.StringValue(string(body))
	m.ResponseHeaders = respHeaders
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
