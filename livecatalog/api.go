package livecatalog

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/conciergehq/concierge"
)

// MaxBody bounds a request to the catalog API.
const MaxBody = 8 << 20

// API serves the catalog API of the bots that have a token:
//
//	POST   /api/catalog/{bot}/products        upsert a JSON list of products
//	DELETE /api/catalog/{bot}/products/{sku}  withdraw one
//
// with Authorization: Bearer <token>. Errors are JSON: {"error": "...",
// "row": n, "sku": "...", "field": "..."} for a refused batch.
type API struct {
	bots map[concierge.BotID]apiBot
	mux  *http.ServeMux
	log  *slog.Logger
}

type apiBot struct {
	cat   *Catalog
	token [32]byte // SHA-256 of the token, so that comparing takes the same time whatever its length
}

// NewAPI returns an API with no bot.
func NewAPI(log *slog.Logger) *API {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &API{bots: map[concierge.BotID]apiBot{}, mux: http.NewServeMux(), log: log}
	a.mux.HandleFunc("POST /api/catalog/{bot}/products", a.upsert)
	a.mux.HandleFunc("DELETE /api/catalog/{bot}/products/{sku}", a.delete)
	a.mux.HandleFunc("/api/catalog/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, apiError{Error: "no such route: POST /api/catalog/{bot}/products or DELETE /api/catalog/{bot}/products/{sku}"})
	})
	return a
}

// Add serves c's catalog to callers with token; an empty token leaves the
// bot's API off (404).
func (a *API) Add(c *Catalog, token string) {
	if token == "" {
		return
	}
	a.bots[c.Bot()] = apiBot{cat: c, token: sha256.Sum256([]byte(token))}
}

// Len returns the number of bots served.
func (a *API) Len() int { return len(a.bots) }

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

type apiError struct {
	Error string `json:"error"`
	Row   int    `json:"row,omitempty"`
	SKU   string `json:"sku,omitempty"`
	Field string `json:"field,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, e apiError) { writeJSON(w, status, e) }

// authorize finds the route's bot and checks the bearer token; it writes
// the refusal and returns nil when the caller may not go on.
func (a *API) authorize(w http.ResponseWriter, r *http.Request) *Catalog {
	b, ok := a.bots[concierge.BotID(r.PathValue("bot"))]
	if !ok {
		writeError(w, http.StatusNotFound, apiError{Error: "unknown bot, or its catalog.api_token is not set"})
		return nil
	}
	given, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	sum := sha256.Sum256([]byte(strings.TrimSpace(given)))
	if subtle.ConstantTimeCompare(sum[:], b.token[:]) != 1 || !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="catalog"`)
		writeError(w, http.StatusUnauthorized, apiError{Error: "missing or wrong bearer token"})
		return nil
	}
	return b.cat
}

func (a *API) upsert(w http.ResponseWriter, r *http.Request) {
	c := a.authorize(w, r)
	if c == nil {
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		return
	}
	// A body that is not a batch is 400; a batch with a bad row is 422.
	updates, rerr := c.decodeBatch(body)
	if rerr != nil {
		status := http.StatusUnprocessableEntity
		if rerr.Row == 0 {
			status = http.StatusBadRequest
		}
		writeError(w, status, rowError(rerr))
		return
	}
	if err := c.Upsert(r.Context(), updates); err != nil {
		var re *RowError
		if errors.As(err, &re) {
			writeError(w, http.StatusUnprocessableEntity, rowError(re))
			return
		}
		a.log.Error("catalog api: upsert", "bot", c.Bot(), "err", err)
		writeError(w, http.StatusInternalServerError, apiError{Error: "the change could not be saved; nothing changed"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"upserted": len(updates)})
}

func (a *API) delete(w http.ResponseWriter, r *http.Request) {
	c := a.authorize(w, r)
	if c == nil {
		return
	}
	sku := concierge.SKU(r.PathValue("sku"))
	switch err := c.Delete(r.Context(), sku); {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, apiError{Error: "no product with this SKU", SKU: string(sku)})
	case err != nil:
		a.log.Error("catalog api: delete", "bot", c.Bot(), "sku", sku, "err", err)
		writeError(w, http.StatusInternalServerError, apiError{Error: "the change could not be saved; nothing changed"})
	default:
		writeJSON(w, http.StatusOK, map[string]string{"deleted": string(sku)})
	}
}

// readBody reads a body up to MaxBody, writing the refusal itself.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, apiError{Error: fmt.Sprintf("the body is larger than %d bytes; send smaller batches", MaxBody)})
		return nil, err
	case err != nil:
		writeError(w, http.StatusBadRequest, apiError{Error: "the body could not be read"})
		return nil, err
	}
	return buf.Bytes(), nil
}

func rowError(e *RowError) apiError {
	return apiError{Error: e.Error(), Row: e.Row, SKU: string(e.SKU), Field: e.Field}
}

// apiProduct is one product of a POST body: the bot file's fields.
type apiProduct struct {
	SKU         string            `json:"sku"`
	Name        map[string]string `json:"name"`
	Description map[string]string `json:"description"`
	Category    *string           `json:"category"`
	Price       json.RawMessage   `json:"price"`
	Stock       *int              `json:"stock"`
	Tags        []string          `json:"tags"`
	Image       *string           `json:"image"`
	Digital     *bool             `json:"digital"`
	Attrs       map[string]string `json:"attrs"`
	Group       *string           `json:"group"`
}

// decodeBatch reads a body holding a JSON list of products, or an object
// {"products": [...]}; an unknown field or a bad value is a *RowError.
func (c *Catalog) decodeBatch(body []byte) ([]Update, *RowError) {
	var rows []json.RawMessage
	trimmed := bytes.TrimSpace(body)
	switch {
	case bytes.HasPrefix(trimmed, []byte("[")):
		if err := json.Unmarshal(trimmed, &rows); err != nil {
			return nil, &RowError{Message: "the body is not a JSON list of products: " + err.Error()}
		}
	case bytes.HasPrefix(trimmed, []byte("{")):
		var wrap struct {
			Products []json.RawMessage `json:"products"`
		}
		d := json.NewDecoder(bytes.NewReader(trimmed))
		d.DisallowUnknownFields()
		if err := d.Decode(&wrap); err != nil {
			return nil, &RowError{Message: `the body is not {"products": [...]}: ` + err.Error()}
		}
		rows = wrap.Products
	default:
		return nil, &RowError{Message: `the body must be a JSON list of products or {"products": [...]}`}
	}
	if len(rows) == 0 {
		return nil, &RowError{Message: "the batch is empty"}
	}
	if len(rows) > MaxBatch {
		return nil, &RowError{Row: MaxBatch + 1, Message: fmt.Sprintf("a batch holds at most %d products", MaxBatch)}
	}
	out := make([]Update, len(rows))
	for i, raw := range rows {
		u, err := c.decodeRow(raw, i+1)
		if err != nil {
			return nil, err
		}
		out[i] = u
	}
	return out, nil
}

func (c *Catalog) decodeRow(raw json.RawMessage, row int) (Update, *RowError) {
	var p apiProduct
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&p); err != nil {
		e := &RowError{Row: row, Message: err.Error()}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			e.Field = strings.Trim(f, `"`)
			e.Message = "unknown field (sku, name, description, category, price, stock, tags, image, digital, attrs, group)"
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			e.Field, e.Message = te.Field, fmt.Sprintf("must be a %s", te.Type)
		}
		// The SKU helps the merchant find the row, when it is readable.
		var probe struct {
			SKU string `json:"sku"`
		}
		if json.Unmarshal(raw, &probe) == nil {
			e.SKU = concierge.SKU(probe.SKU)
		}
		return Update{}, e
	}
	u := Update{SKU: concierge.SKU(p.SKU), Category: p.Category, Stock: p.Stock, Tags: p.Tags, Image: p.Image, Digital: p.Digital, Attrs: p.Attrs,
		Group: p.Group, Name: locales(p.Name), Description: locales(p.Description)}
	if len(p.Price) > 0 && string(p.Price) != "null" {
		text := string(p.Price)
		var s string
		if json.Unmarshal(p.Price, &s) == nil {
			text = s
		}
		m, err := c.ParsePrice(text)
		if err != nil {
			return Update{}, &RowError{Row: row, SKU: u.SKU, Field: "price", Message: err.Error()}
		}
		u.Price = &m
	}
	return u, nil
}

func locales(m map[string]string) map[concierge.Locale]string {
	if m == nil {
		return nil
	}
	out := make(map[concierge.Locale]string, len(m))
	for l, s := range m {
		out[concierge.Locale(l)] = s
	}
	return out
}
