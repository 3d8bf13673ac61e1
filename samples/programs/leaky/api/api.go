// Package api holds the service's handlers.
package api

import (
	"encoding/json"
	"net/http"

	"example.com/leaky/middleware"
)

// Item is the JSON body of POST /items.
type Item struct {
	ID    string            `json:"id"`
	Name  string            `json:"name"`
	Tags  []string          `json:"tags"`
	Attrs map[string]string `json:"attrs"`
}

// CreateItem decodes an item and echoes a summary.
func CreateItem(w http.ResponseWriter, r *http.Request) {
	var it Item
	if err := json.NewDecoder(r.Body).Decode(&it); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s := middleware.SessionOf(r)
	resp := map[string]interface{}{"id": it.ID, "tags": len(it.Tags), "route": s.Route}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}
