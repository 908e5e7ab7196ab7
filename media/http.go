package media

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/livehost/livehost/speech"
)

// AuthorizeFunc decides whether a request may publish to, or end a session of, a show.
type AuthorizeFunc func(r *http.Request, showID string) error

// maxOfferBytes bounds an SDP offer; real ones are a few kilobytes.
const maxOfferBytes = 64 << 10

// ServeHTTP answers WHIP requests under PathPrefix:
//
//	POST   {prefix}{showID}               application/sdp offer → 201, answer, Location
//	DELETE {prefix}{showID}/{resourceID}  → 200, the session ends
//	OPTIONS                                → 204 with the methods allowed
//
// Trickle ICE (PATCH) is not supported: the answer already carries every candidate.
func (w *WHIP) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, w.cfg.PathPrefix)
	if !ok {
		http.NotFound(rw, r)
		return
	}
	showID, resourceID, hasResource := strings.Cut(rest, "/")
	if err := checkShowID(showID); err != nil {
		httpError(rw, http.StatusNotFound, err)
		return
	}
	if r.Method == http.MethodOptions {
		rw.Header().Set("Allow", "OPTIONS, POST, DELETE")
		rw.Header().Set("Accept-Post", "application/sdp")
		rw.WriteHeader(http.StatusNoContent)
		return
	}
	if w.cfg.Authorize != nil {
		if err := w.cfg.Authorize(r, showID); err != nil {
			rw.Header().Set("WWW-Authenticate", `Bearer realm="livehost"`)
			httpError(rw, http.StatusUnauthorized, err)
			return
		}
	}
	switch {
	case !hasResource && r.Method == http.MethodPost:
		w.servePost(rw, r, showID)
	case hasResource && r.Method == http.MethodDelete:
		if got, ok := w.Session(resourceID); !ok || got != showID {
			httpError(rw, http.StatusNotFound, fmt.Errorf("%w: %q for show %s", ErrNoSession, resourceID, showID))
			return
		}
		if err := w.Delete(resourceID); err != nil {
			httpError(rw, http.StatusNotFound, err)
			return
		}
		rw.WriteHeader(http.StatusOK)
	case hasResource && r.Method == http.MethodPatch:
		rw.Header().Set("Allow", "DELETE")
		httpError(rw, http.StatusMethodNotAllowed, fmt.Errorf("trickle ICE is %w: send every candidate in the offer", ErrUnsupported))
	default:
		rw.Header().Set("Allow", map[bool]string{false: "OPTIONS, POST", true: "DELETE"}[hasResource])
		httpError(rw, http.StatusMethodNotAllowed, fmt.Errorf("%s %s is not a WHIP request", r.Method, r.URL.Path))
	}
}

func (w *WHIP) servePost(rw http.ResponseWriter, r *http.Request, showID string) {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "application/sdp" {
		httpError(rw, http.StatusUnsupportedMediaType, fmt.Errorf("content type %q: a WHIP offer is application/sdp", r.Header.Get("Content-Type")))
		return
	}
	offer, err := io.ReadAll(io.LimitReader(r.Body, maxOfferBytes+1))
	if err != nil {
		httpError(rw, http.StatusBadRequest, fmt.Errorf("read offer: %w", err))
		return
	}
	if len(offer) > maxOfferBytes {
		httpError(rw, http.StatusRequestEntityTooLarge, fmt.Errorf("offer larger than %d bytes", maxOfferBytes))
		return
	}
	answer, id, err := w.HandleOffer(r.Context(), showID, offer)
	if err != nil {
		httpError(rw, StatusOf(err), err)
		return
	}
	rw.Header().Set("Content-Type", "application/sdp")
	rw.Header().Set("Location", w.cfg.PathPrefix+showID+"/"+id)
	rw.WriteHeader(http.StatusCreated)
	_, _ = rw.Write(answer)
}

// StatusOf maps an error from HandleOffer or Delete to an HTTP status.
func StatusOf(err error) int {
	switch {
	case errors.Is(err, ErrBadOffer), errors.Is(err, ErrNoAudio), errors.Is(err, ErrNoOpus), errors.Is(err, ErrBadShowID):
		return http.StatusBadRequest
	case errors.Is(err, ErrNoSession):
		return http.StatusNotFound
	case errors.Is(err, ErrShowFull):
		return http.StatusTooManyRequests
	case errors.Is(err, ErrTooMany), errors.Is(err, ErrClosed), errors.Is(err, speech.ErrNoSTT):
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// httpError answers in the API's one error format: {"error": "…"}.
func httpError(rw http.ResponseWriter, code int, err error) {
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.WriteHeader(code)
	b, _ := json.Marshal(map[string]string{"error": err.Error()})
	_, _ = rw.Write(append(b, '\n'))
}
