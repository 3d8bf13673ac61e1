// Package reqctx stores values per request, in the style of the
// pre-Go-1.7 gorilla/context package: a global map keyed by *http.Request.
// Entries stay until Clear is called for the request; a server that forgets
// to call it keeps every request alive.
package reqctx

import (
	"net/http"
	"sync"
	"time"
)

var (
	mu    sync.RWMutex
	data  = make(map[*http.Request]map[interface{}]interface{})
	datat = make(map[*http.Request]int64)
)

// Set stores val under key for request r.
func Set(r *http.Request, key, val interface{}) {
	mu.Lock()
	if data[r] == nil {
		data[r] = make(map[interface{}]interface{})
		datat[r] = time.Now().Unix()
	}
	data[r][key] = val
	mu.Unlock()
}

// Get returns the value stored under key for request r.
func Get(r *http.Request, key interface{}) interface{} {
	mu.RLock()
	defer mu.RUnlock()
	return data[r][key]
}

// Clear removes every value stored for request r.
func Clear(r *http.Request) {
	mu.Lock()
	delete(data, r)
	delete(datat, r)
	mu.Unlock()
}

// Len is the number of requests with stored values.
func Len() int {
	mu.RLock()
	defer mu.RUnlock()
	return len(data)
}
