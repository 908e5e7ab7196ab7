package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/report"
	"github.com/livehost/livehost/show"
)

// reportOptions reads ?window= (the attribution window: a Go duration such as 30m, or minutes).
func reportOptions(c echo.Context) (report.Options, error) {
	var opt report.Options
	if w := c.QueryParam("window"); w != "" {
		d, err := time.ParseDuration(w)
		if err != nil {
			var mins int
			if _, serr := fmt.Sscanf(w, "%d", &mins); serr != nil || fmt.Sprint(mins) != w {
				return opt, errorf(http.StatusBadRequest, "query parameter window=%q: want a duration such as 30m or a number of minutes", w)
			}
			d = time.Duration(mins) * time.Minute
		}
		if d <= 0 || d > 7*24*time.Hour {
			return opt, errorf(http.StatusBadRequest, "query parameter window=%q: want from 1 minute to 7 days", w)
		}
		opt.Window = d
	}
	return opt, nil
}

// showReport folds (or takes from the cache) the report of a show.
func (s *Server) showReport(c echo.Context, id string) (*report.Report, error) {
	opt, err := reportOptions(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	info, err := s.rt.Show(ctx, id)
	if err != nil {
		return nil, s.httpErr(err)
	}
	r, err := s.reports.Get(ctx, s.rt.Events, id, info.LastSeq, opt)
	if err != nil {
		return nil, s.httpErr(err)
	}
	return r, nil
}

// getReport: GET /api/shows/{id}/report.
func (s *Server) getReport(c echo.Context) error {
	id, err := showID(c, RoleModerator)
	if err != nil {
		return err
	}
	r, err := s.showReport(c, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// getReportCSV: GET /api/shows/{id}/report.csv?part=minutes|segments|questions|gaps|moderation|orders.
func (s *Server) getReportCSV(c echo.Context) error {
	id, err := showID(c, RoleModerator)
	if err != nil {
		return err
	}
	part := c.QueryParam("part")
	if !report.ValidPart(part) {
		return errorf(http.StatusBadRequest, "query parameter part=%q: want one of %s", part, strings.Join(report.Parts, ", "))
	}
	var buf bytes.Buffer
	if part == report.PartModeration {
		if _, err := s.rt.Show(c.Request().Context(), id); err != nil {
			return s.httpErr(err)
		}
		err = report.WriteModerationCSV(c.Request().Context(), s.rt.Events, id, &buf)
	} else {
		var r *report.Report
		if r, err = s.showReport(c, id); err != nil {
			return err
		}
		err = r.WriteCSV(&buf, part)
	}
	if err != nil {
		return s.httpErr(err)
	}
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.csv"`, id, part))
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// reportRow is one show in GET /api/reports: the show and its headline figures.
type reportRow struct {
	report.ShowInfo
	Totals report.Totals `json:"totals"`
	// Segments is how many product segments the show had.
	Segments int `json:"segments"`
}

// listReports: GET /api/reports. Admin sees every show; a moderator token its own show.
func (s *Server) listReports(c echo.Context) error {
	g := grantOf(c)
	if err := allow(c, g.Show, RoleModerator); err != nil {
		return err
	}
	ctx := c.Request().Context()
	opt, err := reportOptions(c)
	if err != nil {
		return err
	}
	var shows []show.Show
	if g.Role == RoleAdmin {
		if shows, err = s.rt.ListShows(ctx); err != nil {
			return s.httpErr(err)
		}
	} else {
		info, err := s.rt.Show(ctx, g.Show)
		if err != nil {
			return s.httpErr(err)
		}
		shows = []show.Show{info.Show}
	}
	rows := make([]reportRow, 0, len(shows))
	for _, sh := range shows {
		r, err := s.reports.Get(ctx, s.rt.Events, sh.ID, sh.LastSeq, opt)
		if err != nil {
			return s.httpErr(err)
		}
		rows = append(rows, reportRow{ShowInfo: r.Show, Totals: r.Totals, Segments: len(r.Segments)})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].CreatedAt.After(rows[j].CreatedAt) })
	return c.JSON(http.StatusOK, map[string]any{"shows": rows})
}

// importOrdersResult is the answer of POST /api/shows/{id}/orders.
type importOrdersResult struct {
	live.OrdersResult
	Format  string          `json:"format"`
	Read    int             `json:"read"` // valid lines in the body
	Rejects []report.Reject `json:"rejects"`
}

// postOrders: POST /api/shows/{id}/orders with a Shopify order export or a plain CSV (text/csv)
// or JSON ({"orders":[…]}). Bad rows are listed in rejects with their line; the rest is imported.
func (s *Server) postOrders(c echo.Context) error {
	id, err := showID(c, RoleModerator)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errorf(http.StatusRequestEntityTooLarge, "request body is larger than %d bytes (import a larger file with livehost report import-orders)", mbe.Limit)
		}
		return errorf(http.StatusBadRequest, "reading request body: %v", err)
	}
	opt := report.ReadOptions{Format: c.QueryParam("format")}
	ct := c.Request().Header.Get("Content-Type")
	if opt.Format == "" && strings.HasPrefix(ct, "application/json") {
		opt.Format = report.FormatJSON
	}
	if tz := c.QueryParam("tz"); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return errorf(http.StatusBadRequest, "query parameter tz=%q: %v", tz, err)
		}
		opt.Zone = loc
	}
	read, err := report.ReadOrders(bytes.NewReader(body), "body", opt)
	if err != nil {
		return errorf(http.StatusBadRequest, "%v", err)
	}
	res, err := s.rt.ImportOrders(c.Request().Context(), id, read.Lines)
	if err != nil {
		return s.httpErr(err)
	}
	res.Duplicate += read.Duplicate
	if read.Rejects == nil {
		read.Rejects = []report.Reject{}
	}
	return c.JSON(http.StatusOK, importOrdersResult{OrdersResult: res, Format: read.Format, Read: len(read.Lines), Rejects: read.Rejects})
}
