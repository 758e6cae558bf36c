//go:build ignore

// gen writes the Kubernetes JSON schemas that CI validates the Helm chart
// against with kubeconform (-schema-location pointing here), since CI may
// reach no schema registry. It turns the Kubernetes OpenAPI v2 document
// into kubeconform's "standalone-strict" layout, as the
// kubernetes-json-schema project does: references inlined, unknown fields
// refused (additionalProperties: false), optional values nullable,
// int-or-string and quantities either form, descriptions dropped.
//
// The committed files come from the v1.27.0 OpenAPI document that the Go
// module k8s.io/kube-openapi carries as test data (a dependency of Helm,
// so in the module cache once .ci/run has installed helm):
//
//	go run deploy/testdata/kubernetes-schemas/gen.go \
//	  -in "$(go env GOMODCACHE)/k8s.io/kube-openapi@v0.0.0-20260603220949-865597e52e25/pkg/schemaconv/testdata/swagger.json" \
//	  -out deploy/testdata/kubernetes-schemas/v1.27.0-standalone-strict
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// kinds are the definitions the chart renders.
var kinds = []string{
	"io.k8s.api.apps.v1.Deployment",
	"io.k8s.api.batch.v1.Job",
	"io.k8s.api.core.v1.ConfigMap",
	"io.k8s.api.core.v1.Secret",
	"io.k8s.api.core.v1.Service",
	"io.k8s.api.core.v1.ServiceAccount",
	"io.k8s.api.networking.v1.Ingress",
	"io.k8s.api.policy.v1.PodDisruptionBudget",
}

func main() {
	in := flag.String("in", "", "the Kubernetes OpenAPI v2 document (swagger.json)")
	out := flag.String("out", "", "the folder to write the schemas to")
	flag.Parse()
	data, err := os.ReadFile(*in)
	if err != nil {
		log.Fatal(err)
	}
	var doc struct {
		Definitions map[string]map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	for _, name := range kinds {
		def, ok := doc.Definitions[name]
		if !ok {
			log.Fatalf("%s: not in %s", name, *in)
		}
		gvk := def["x-kubernetes-group-version-kind"].([]any)[0].(map[string]any)
		group, version, kind := gvk["group"].(string), gvk["version"].(string), gvk["kind"].(string)
		apiVersion := version
		if group != "" {
			apiVersion = group + "/" + version
		}
		s := expand(doc.Definitions, def, nil).(map[string]any)
		props := s["properties"].(map[string]any)
		props["apiVersion"] = map[string]any{"type": []any{"string", "null"}, "enum": []any{apiVersion}}
		props["kind"] = map[string]any{"type": []any{"string", "null"}, "enum": []any{kind}}
		s["$schema"] = "http://json-schema.org/schema#"
		b, err := json.MarshalIndent(s, "", " ")
		if err != nil {
			log.Fatal(err)
		}
		// kubeconform's {{.ResourceKind}}{{.KindSuffix}}: kind-group-version,
		// the group cut at its first dot.
		file := strings.ToLower(kind)
		if group != "" {
			file += "-" + strings.ToLower(strings.Split(group, ".")[0])
		}
		file += "-" + strings.ToLower(version) + ".json"
		if err := os.WriteFile(filepath.Join(*out, file), append(b, '\n'), 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Println(file)
	}
}

// expand returns v with its references inlined and made strict; seen
// holds the definitions being expanded, to refuse a cycle.
func expand(defs map[string]map[string]any, v any, seen []string) any {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/definitions/")
			if slices.Contains(seen, name) {
				log.Fatalf("%s refers to itself", name)
			}
			switch name {
			case "io.k8s.apimachinery.pkg.util.intstr.IntOrString":
				return map[string]any{"oneOf": []any{map[string]any{"type": []any{"string", "null"}}, map[string]any{"type": "integer"}}}
			case "io.k8s.apimachinery.pkg.api.resource.Quantity":
				return map[string]any{"oneOf": []any{map[string]any{"type": []any{"string", "null"}}, map[string]any{"type": "number"}}}
			}
			return expand(defs, defs[name], append(seen, name))
		}
		out := map[string]any{}
		for k, x := range v {
			switch {
			case k == "description" || strings.HasPrefix(k, "x-kubernetes-"):
			case k == "properties":
				props := map[string]any{}
				for p, s := range x.(map[string]any) {
					props[p] = expand(defs, s, seen)
				}
				out[k] = props
			case k == "type":
				if t, ok := x.(string); ok && t != "null" {
					out[k] = []any{t, "null"}
				} else {
					out[k] = x
				}
			default:
				out[k] = expand(defs, x, seen)
			}
		}
		if _, ok := out["properties"]; ok {
			if _, set := out["additionalProperties"]; !set {
				out["additionalProperties"] = false
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = expand(defs, x, seen)
		}
		return out
	}
	return v
}
