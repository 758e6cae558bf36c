package main

import (
	"fmt"
	"reflect"
	"regexp"
	"testing"
)

// The conformance suite's formats (core/protocol_test.py).
var (
	reverseDNS  = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)+$`)
	versionDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

const mockPayment = `{"payment":{"instruments":[{"id":"instr_1","handler_id":"mock_payment_handler","type":"card","credential":{"type":"token","token":"success_token"}}]}}`

// TestUCPConformance runs, on the flower shop the UCP conformance suite
// uses and on both databases, the suite's checks (lifecycle, idempotency,
// validation, protocol) that no other Go test makes; each subtest is
// named after the suite's test. docs/agents.md maps every check of the
// suite to its Go test, or says why there is none.
func TestUCPConformance(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			s := flowerShop(t, db)
			path := "/ucp/flower-shop/checkout-sessions"
			n := 0
			key := func() string { n++; return fmt.Sprintf("conf-%d", n) }
			call := func(method, p, k, body string) (int, map[string]any) {
				st, out, _ := s.agent(agentCall{method, p, ucpHeaders(k), body})
				return st, out
			}
			const create = `{"currency":"USD","buyer":{"full_name":"John Doe","email":"john.doe@example.com"},"line_items":[{"item":{"id":"bouquet_roses"},"quantity":1}],
				"fulfillment":{"methods":[{"type":"shipping","destinations":[{"id":"dest_1","street_address":"123 Main St","address_locality":"Springfield","address_region":"IL","postal_code":"62704","address_country":"US"}],
				"selected_destination_id":"dest_1","groups":[{"selected_option_id":"std-ship"}]}]}}`
			// ready is a checkout ready to complete: one rose, shipped
			// standard to Springfield.
			ready := func(t *testing.T) string {
				t.Helper()
				st, c := call("POST", path, key(), create)
				if st != 201 || c["status"] != "ready_for_complete" {
					t.Fatalf("create: %d %v", st, c)
				}
				return c["id"].(string)
			}
			completed := func(t *testing.T) string {
				t.Helper()
				id := ready(t)
				if st, c := call("POST", path+"/"+id+"/complete", key(), mockPayment); st != 200 || c["status"] != "completed" {
					t.Fatalf("complete: %d %v", st, c)
				}
				return id
			}
			canceled := func(t *testing.T) string {
				t.Helper()
				id := ready(t)
				if st, c := call("POST", path+"/"+id+"/cancel", key(), ""); st != 200 || c["status"] != "canceled" {
					t.Fatalf("cancel: %d %v", st, c)
				}
				return id
			}
			update := func(q int) string {
				return fmt.Sprintf(`{"line_items":[{"item":{"id":"bouquet_roses"},"quantity":%d}]}`, q)
			}

			// shopping/checkout/lifecycle_test.py
			t.Run("test_repeated_cancel", func(t *testing.T) {
				id := canceled(t)
				// The spec recommends a client error; the suite accepts 4xx.
				if st, c := call("POST", path+"/"+id+"/cancel", key(), ""); st != 409 {
					t.Errorf("cancel again: %d %v, want 409", st, c)
				}
			})
			t.Run("test_cannot_update_canceled_checkout", func(t *testing.T) {
				id := canceled(t)
				if st, c := call("PUT", path+"/"+id, key(), update(2)); st != 409 {
					t.Errorf("update canceled: %d %v, want 409", st, c)
				}
			})
			t.Run("test_cannot_complete_canceled_checkout", func(t *testing.T) {
				id := canceled(t)
				if st, c := call("POST", path+"/"+id+"/complete", key(), mockPayment); st != 409 {
					t.Errorf("complete canceled: %d %v, want 409", st, c)
				}
			})
			t.Run("test_complete_is_idempotent", func(t *testing.T) {
				id := completed(t)
				if st, c := call("POST", path+"/"+id+"/complete", key(), mockPayment); st != 409 {
					t.Errorf("complete again under another key: %d %v, want 409", st, c)
				}
			})
			t.Run("test_cannot_update_completed_checkout", func(t *testing.T) {
				id := completed(t)
				if st, c := call("PUT", path+"/"+id, key(), update(2)); st != 409 {
					t.Errorf("update completed: %d %v, want 409", st, c)
				}
			})
			t.Run("test_cannot_cancel_completed_checkout", func(t *testing.T) {
				id := completed(t)
				if st, c := call("POST", path+"/"+id+"/cancel", key(), ""); st != 409 {
					t.Errorf("cancel completed: %d %v, want 409", st, c)
				}
			})

			// core/idempotency_test.py: the same key and body answer the
			// same status and body; another body under the key is 409.
			same := func(t *testing.T, method, p, body, other string) {
				t.Helper()
				k := key()
				st1, b1 := call(method, p, k, body)
				st2, b2 := call(method, p, k, body)
				if st1 >= 300 || st2 != st1 || !reflect.DeepEqual(b1, b2) {
					t.Fatalf("replay: %d %v then %d %v", st1, b1, st2, b2)
				}
				if other != "" {
					if st, c := call(method, p, k, other); st != 409 {
						t.Errorf("another body under the key: %d %v, want 409", st, c)
					}
				}
			}
			t.Run("test_idempotency_header_accepted", func(t *testing.T) {
				if st, c := call("GET", "/.well-known/ucp", key(), ""); st != 200 {
					t.Errorf("profile with Idempotency-Key: %d %v", st, c)
				}
			})
			t.Run("test_idempotency_create", func(t *testing.T) {
				same(t, "POST", path, create, `{"currency":"EUR","line_items":[{"item":{"id":"bouquet_roses"},"quantity":1}]}`)
			})
			t.Run("test_idempotency_update", func(t *testing.T) {
				id := ready(t)
				same(t, "PUT", path+"/"+id, update(2), update(3))
			})
			t.Run("test_idempotency_complete", func(t *testing.T) {
				id := ready(t)
				same(t, "POST", path+"/"+id+"/complete", mockPayment,
					`{"payment":{"instruments":[{"id":"instr_1","handler_id":"mock_payment_handler","type":"card","credential":{"type":"token","token":"different_token"}}]}}`)
			})
			t.Run("test_idempotency_cancel", func(t *testing.T) {
				id := ready(t)
				same(t, "POST", path+"/"+id+"/cancel", "", "")
			})

			// shopping/validation/validation_test.py
			t.Run("test_update_inventory_validation", func(t *testing.T) {
				id := ready(t)
				st, c := call("PUT", path+"/"+id, key(), `{"line_items":[{"item":{"id":"bouquet_roses"},"quantity":10001}]}`)
				if st != 400 {
					t.Errorf("quantity 10001: %d %v, want 400", st, c)
				}
				if _, now := call("GET", path+"/"+id, "", ""); jget(now, "line_items.0.quantity") != 1.0 || now["status"] != "ready_for_complete" {
					t.Errorf("the refused update changed the checkout: %v", now)
				}
			})

			// core/protocol_test.py
			t.Run("test_discovery_schema_and_types", func(t *testing.T) {
				st, prof := call("GET", "/.well-known/ucp", "", "")
				u, _ := prof["ucp"].(map[string]any)
				if v, _ := u["version"].(string); st != 200 || !versionDate.MatchString(v) {
					t.Fatalf("profile: %d version %v", st, u["version"])
				}
				caps, _ := u["capabilities"].(map[string]any)
				if len(caps) == 0 {
					t.Fatalf("no capabilities: %v", u)
				}
				for name, list := range caps {
					if !reverseDNS.MatchString(name) {
						t.Errorf("capability %q is not reverse-DNS", name)
					}
					items, _ := list.([]any)
					for _, c := range items {
						if v, _ := jget(c, "version").(string); !versionDate.MatchString(v) {
							t.Errorf("capability %s version %q", name, v)
						}
					}
				}
				handlers, _ := u["payment_handlers"].(map[string]any)
				for group, list := range handlers {
					if !reverseDNS.MatchString(group) {
						t.Errorf("payment handler group %q is not reverse-DNS", group)
					}
					items, _ := list.([]any)
					for _, h := range items {
						if id, _ := jget(h, "id").(string); id == "" {
							t.Errorf("payment handler of %s without id: %v", group, h)
						}
					}
				}
			})
			t.Run("test_version_negotiation", func(t *testing.T) {
				for _, v := range []string{"2026-04-08", "2099-01-01"} {
					st, c, _ := s.agent(agentCall{method: "GET", path: "/.well-known/ucp", headers: map[string]string{"UCP-Agent": `profile="https://agent.example/.well-known/ucp"; version="` + v + `"`}})
					if st != 200 {
						t.Errorf("version %s: %d %v", v, st, c)
					}
				}
			})
		})
	}
}
