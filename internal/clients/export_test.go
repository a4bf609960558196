package clients

import (
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/cache"
)

// NewWithClock is New with a session cache that reads now instead of the
// real clock, so that tests can move time forward.
func NewWithClock(s Settings, now func() time.Time) (*Manager, error) {
	m, err := New(s)
	if err != nil {
		return nil, err
	}
	m.cache = cache.New(cache.Options{MaxAge: s.SessionMaxAge, Now: now})
	return m, nil
}
