package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/morbulk/morbulk/internal/mor"
	"github.com/morbulk/morbulk/internal/pipeline"
	"github.com/morbulk/morbulk/internal/report"
)

// morCaller adapts the MOR client to the pipeline's Caller.
type morCaller struct{ c *mor.Client }

var _ pipeline.Caller = morCaller{}

func (m morCaller) Call(ctx context.Context, params []report.KV) pipeline.Answer {
	ps := make(mor.Params, len(params))
	for i, p := range params {
		ps[i] = mor.Param{Key: p.Key, Value: p.Value}
	}
	res := m.c.Update(ctx, ps)
	ans := pipeline.Answer{
		Err:        res.Err,
		HTTPStatus: res.HTTPStatus,
		RetryAfter: res.RetryAfter,
		Latency:    res.Latency,
		Fix:        mor.Fix(res.Err),
	}
	if r := res.Response; r.Status != "" || len(r.Errors) > 0 || len(r.Messages) > 0 {
		ans.Response = &report.Response{Status: r.Status, Messages: r.Messages}
		if len(r.Errors) > 0 {
			ans.Response.Error = r.Errors[0]
		}
	}
	switch res.Class {
	case mor.Updated:
		ans.Class = pipeline.Updated
		if !res.Recognised {
			ans.Warning = fmt.Sprintf("counted as updated because the server answered with <status> and no <error>, "+
				"but its text %q is not MOR's \"User was updated\" (a translated server?): check this user", res.Response.Status)
		}
	case mor.RowError:
		ans.Class = pipeline.RowError
	case mor.Systemic:
		ans.Class = pipeline.Systemic
	case mor.Transient:
		ans.Class = pipeline.Transient
		if errors.Is(res.Err, mor.ErrCanceled) {
			ans.Class = pipeline.Unknown
		}
	default:
		ans.Class = pipeline.Unknown
	}
	return ans
}
