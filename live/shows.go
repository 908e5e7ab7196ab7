package live

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/show"
	"github.com/livehost/livehost/textnorm"
)

// ShowInfo is a show with the product on air.
type ShowInfo struct {
	show.Show
	OnAir     string    `json:"on_air"`
	StoppedAt time.Time `json:"stopped_at,omitzero"`
}

func (ls *liveShow) info() ShowInfo {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	sh := ls.st.Show
	sh.Lineup = append([]string{}, sh.Lineup...)
	return ShowInfo{Show: sh, OnAir: ls.st.OnAir, StoppedAt: ls.st.StoppedAt}
}

// CreateShow creates a show (an ID is made when sh.ID is empty) after checking its lineup
// against the catalog.
func (rt *Runtime) CreateShow(ctx context.Context, sh show.Show) (ShowInfo, error) {
	if !utf8.ValidString(sh.Title) {
		return ShowInfo{}, invalidf("title is not valid UTF-8")
	}
	sh.Title = textnorm.CleanLine(sh.Title)
	if sh.Title == "" {
		return ShowInfo{}, invalidf("title is required")
	}
	if sh.Mode != "" && sh.Mode != show.ModeHost && sh.Mode != show.ModeAvatar {
		return ShowInfo{}, invalidf("mode %q is neither %q nor %q", sh.Mode, show.ModeHost, show.ModeAvatar)
	}
	if sh.ID != "" {
		if err := show.ValidShowID(sh.ID); err != nil {
			return ShowInfo{}, invalidf("%v", err)
		}
	}
	if err := rt.checkSKUs(ctx, sh.Lineup); err != nil {
		return ShowInfo{}, err
	}
	created, err := rt.store.CreateShow(ctx, sh)
	switch {
	case errors.Is(err, show.ErrExists):
		return ShowInfo{}, conflictf("show %q already exists", sh.ID)
	case errors.Is(err, show.ErrInvalid):
		return ShowInfo{}, invalidf("%v", err)
	case err != nil:
		return ShowInfo{}, unavailable("event log", "creating a show", err)
	}
	ls, err := rt.show(ctx, created.ID)
	if err != nil {
		return ShowInfo{}, err
	}
	return ls.info(), nil
}

// checkSKUs refuses SKUs the catalog does not have.
func (rt *Runtime) checkSKUs(ctx context.Context, skus []string) error {
	if rt.opt.Agents.Products == nil {
		return nil
	}
	var unknown []string
	for _, sku := range skus {
		_, ok, err := rt.opt.Agents.Products.Get(ctx, sku)
		if err != nil {
			return unavailable("catalog", "checking SKU "+sku, err)
		}
		if !ok {
			unknown = append(unknown, sku)
		}
	}
	if len(unknown) > 0 {
		return invalidf("unknown SKU(s) in lineup: %s", strings.Join(unknown, ", "))
	}
	return nil
}

// ListShows lists every show of the log.
func (rt *Runtime) ListShows(ctx context.Context) ([]show.Show, error) {
	shows, err := rt.store.ListShows(ctx)
	if err != nil {
		return nil, unavailable("event log", "listing shows", err)
	}
	if shows == nil {
		shows = []show.Show{}
	}
	return shows, nil
}

// Show returns a show with the product on air; an unknown show is ErrNotFound.
func (rt *Runtime) Show(ctx context.Context, id string) (ShowInfo, error) {
	ls, err := rt.show(ctx, id)
	if err != nil {
		return ShowInfo{}, err
	}
	return ls.info(), nil
}

// State is a show's snapshot with the product cards of the products it names (on air, lineup,
// cross-sell suggestions).
func (rt *Runtime) State(ctx context.Context, id string) (Snapshot, error) {
	ls, err := rt.show(ctx, id)
	if err != nil {
		return Snapshot{}, err
	}
	ls.mu.Lock()
	snap := ls.st.Snapshot()
	ls.mu.Unlock()
	skus := append([]string{snap.OnAir}, snap.Show.Lineup...)
	for _, x := range snap.CrossSell {
		skus = append(skus, x.Suggestions...)
	}
	snap.Products, err = rt.productCards(ctx, skus)
	if err != nil {
		return Snapshot{}, err
	}
	return snap, nil
}

// Products are the product cards of skus (nil: the show's lineup), in that order; SKUs the
// catalog does not have are left out.
func (rt *Runtime) Products(ctx context.Context, id string, skus []string) ([]json.RawMessage, error) {
	ls, err := rt.show(ctx, id)
	if err != nil {
		return nil, err
	}
	if skus == nil {
		skus = ls.info().Lineup
	}
	m, err := rt.productCards(ctx, skus)
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, 0, len(m))
	for _, sku := range skus {
		if p, ok := m[sku]; ok {
			out = append(out, p)
			delete(m, sku)
		}
	}
	return out, nil
}

// Events reads a show's log after seq after, at most limit events.
func (rt *Runtime) Events(ctx context.Context, id string, after int64, limit int) ([]show.Event, error) {
	ls, err := rt.show(ctx, id)
	if err != nil {
		return nil, err
	}
	evs, err := rt.store.Read(ctx, ls.id, after, limit)
	if err != nil {
		return nil, unavailable("event log", "reading show "+id, err)
	}
	return evs, nil
}

// Lineup is a show's lineup as catalog products, in lineup order (SKUs the catalog does not know
// are left out); the voice path seeds the STT prompt with their names and brands.
func (rt *Runtime) Lineup(ctx context.Context, showID string) ([]catalog.Product, error) {
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return nil, err
	}
	return rt.lineupOf(ctx, ls)
}
