package llm

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/conciergehq/concierge"
)

// fakeCustomerModel is an OpenAI-compatible chat endpoint that answers
// with the next of its answers and records the requests.
type fakeCustomerModel struct {
	mu      sync.Mutex
	reqs    []openai.ChatCompletionRequest
	answers []string
	status  int
}

func (f *fakeCustomerModel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req openai.ChatCompletionRequest
	if r.URL.Path != "/v1/chat/completions" || json.NewDecoder(r.Body).Decode(&req) != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, req)
	if f.status != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		w.Write([]byte(`{"error":{"message":"overloaded","type":"server_error"}}`))
		return
	}
	text := f.answers[0]
	f.answers = f.answers[1:]
	json.NewEncoder(w).Encode(openai.ChatCompletionResponse{ID: "x", Object: "chat.completion", Model: "m",
		Choices: []openai.ChatCompletionChoice{{Message: openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: text},
			FinishReason: openai.FinishReasonStop}}})
}

// TestTrainingCustomer: the model plays the customer of a training case
// from its packet, order and the real customer's next line; the
// trainee's words reach it as the other side's; "[done]" ends the
// customer's part; a failing model is an error (the simulator then
// replays the real line).
func TestTrainingCustomer(t *testing.T) {
	f := &fakeCustomerModel{answers: []string{"The lamp came in pieces, can you refund it?", "[done]"}}
	s := httptest.NewServer(f)
	defer s.Close()
	c, err := NewCustomer(Config{BaseURL: s.URL + "/v1", Model: "m", APIKey: "sk-test"})
	if err != nil {
		t.Fatal(err)
	}
	tc := &concierge.TrainingCase{Kind: concierge.TrainingRefund, Locale: "en",
		Packet: &concierge.HandoffPacket{Summary: "The customer asked for a refund.", CustomerSaid: "refund order T-1, it arrived broken"},
		Orders: []*concierge.Order{{ID: "T-1", State: concierge.OrderPaid, Total: concierge.Money{Minor: 7900, Currency: "EUR"},
			Lines: []concierge.OrderLine{{Title: "Zenith desk lamp", Quantity: 1}}}}}
	sofar := []concierge.TrainingMessage{
		{Role: "customer", Text: "refund order T-1, it arrived broken"},
		{Role: "trainee", Text: "Sorry! What happened to it?"},
	}
	ctx := context.Background()
	got, err := c.NextCustomer(ctx, tc, sofar, "It is broken in two, I have photos")
	if err != nil || got != "The lamp came in pieces, can you refund it?" {
		t.Fatalf("next customer line: %q, %v", got, err)
	}
	req := f.reqs[0]
	if req.Model != "m" || len(req.Messages) != 3 || req.Messages[0].Role != openai.ChatMessageRoleSystem {
		t.Fatalf("request: %+v", req)
	}
	sys := req.Messages[0].Content
	for _, want := range []string{"T-1", "paid", "€79.00", "Zenith desk lamp", "It is broken in two, I have photos", `"en"`, "never say you are an AI"} {
		if !strings.Contains(sys, want) {
			t.Errorf("the prompt lacks %q:\n%s", want, sys)
		}
	}
	if req.Messages[1].Role != openai.ChatMessageRoleAssistant || req.Messages[2].Role != openai.ChatMessageRoleUser || req.Messages[2].Content != "Sorry! What happened to it?" {
		t.Errorf("the customer's and the trainee's lines are not the model's and the other side's: %+v", req.Messages[1:])
	}

	got, err = c.NextCustomer(ctx, tc, sofar, "")
	if err != nil || got != "" {
		t.Errorf("after [done]: %q, %v; want nothing more", got, err)
	}
	if !strings.Contains(f.reqs[1].Messages[0].Content, "wrote nothing more") {
		t.Errorf("without a scripted line the prompt does not say so")
	}

	f.status = http.StatusInternalServerError
	if _, err := c.NextCustomer(ctx, tc, sofar, "x"); err == nil || strings.Contains(err.Error(), "sk-test") {
		t.Errorf("a failing model: %v; want an error without the key", err)
	}
}
