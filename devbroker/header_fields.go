package devbroker

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// faqSuggestion ends some of Java's remarks (FAQUrl.suggestTodo).
const faqSuggestion = "\nSee http://rocketmq.apache.org/docs/faq/ for further details."

// headerFields reads a request's ext fields the way Java decodes a custom header: a missing
// @CFNotNull field or a malformed number fails the whole request with SYSTEM_ERROR. The
// first problem is kept; later reads return zero values.
type headerFields struct {
	req *remoting.Command
	err string
}

func (h *headerFields) raw(key string, required bool) (string, bool) {
	v, ok := h.req.ExtFields[key]
	if !ok && required && h.err == "" {
		h.err = fmt.Sprintf("the custom field <%s> is null", key)
	}
	return v, ok
}

func (h *headerFields) str(key string, required bool) string {
	v, _ := h.raw(key, required)
	return v
}

func (h *headerFields) integer(key string, required bool, bits int) int64 {
	v, ok := h.raw(key, required)
	if !ok || h.err != "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, bits)
	if err != nil {
		h.err = fmt.Sprintf("java.lang.NumberFormatException: For input string: \"%s\" (field %s)", v, key)
	}
	return n
}

func (h *headerFields) i32(key string, required bool) int32 {
	return int32(h.integer(key, required, 32))
}

func (h *headerFields) i64(key string, required bool) int64 {
	return h.integer(key, required, 64)
}

// boolean is Java's Boolean.parseBoolean: only "true", in any case, is true.
func (h *headerFields) boolean(key string) bool {
	v, _ := h.raw(key, false)
	return strings.EqualFold(v, "true")
}

// failure is the SYSTEM_ERROR answer for the first problem, or nil.
func (h *headerFields) failure() *remoting.Command {
	if h.err == "" {
		return nil
	}
	return fail(remoting.SystemError, "%s", h.err)
}
