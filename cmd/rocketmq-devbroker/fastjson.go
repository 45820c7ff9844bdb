package main

// A reader for what Java brokers write with fastjson: JSON, plus maps whose keys are not
// strings. A HashMap<MessageQueue, X> comes out as {{"brokerName":"b","queueId":0,
// "topic":"T"}:{...}} and a HashMap<Long, X> as {0:"..."}; encoding/json refuses both.
// Objects therefore keep their keys as parsed values, in order.

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// fjObject is a parsed object: keys are strings, json.Numbers or nested values.
type fjObject struct {
	keys []any
	vals []any
}

// get returns the value under a string key, or nil.
func (o *fjObject) get(key string) any {
	if o == nil {
		return nil
	}
	for i, k := range o.keys {
		if s, ok := k.(string); ok && s == key {
			return o.vals[i]
		}
	}
	return nil
}

func (o *fjObject) obj(key string) *fjObject {
	v, _ := o.get(key).(*fjObject)
	return v
}

func (o *fjObject) str(key string) string {
	switch v := o.get(key).(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

func (o *fjObject) int(key string) int64 {
	n, _ := o.get(key).(json.Number)
	v, _ := strconv.ParseInt(n.String(), 10, 64)
	return v
}

func (o *fjObject) float(key string) float64 {
	n, _ := o.get(key).(json.Number)
	v, _ := strconv.ParseFloat(n.String(), 64)
	return v
}

// parseFastjson parses one value filling the whole input.
func parseFastjson(b []byte) (any, error) {
	p := &fjParser{b: b}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.b) {
		return nil, p.errorf("trailing data")
	}
	return v, nil
}

// parseFastjsonObject parses a body that must be an object.
func parseFastjsonObject(b []byte) (*fjObject, error) {
	v, err := parseFastjson(b)
	if err != nil {
		return nil, err
	}
	o, ok := v.(*fjObject)
	if !ok {
		return nil, fmt.Errorf("fastjson: body is not an object")
	}
	return o, nil
}

type fjParser struct {
	b []byte
	i int
}

const fjMaxDepth = 64

func (p *fjParser) errorf(format string, args ...any) error {
	return fmt.Errorf("fastjson: at byte %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *fjParser) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\n' || p.b[p.i] == '\r') {
		p.i++
	}
}

func (p *fjParser) value(depth int) (any, error) {
	if depth > fjMaxDepth {
		return nil, p.errorf("nested too deeply")
	}
	p.space()
	if p.i >= len(p.b) {
		return nil, p.errorf("unexpected end")
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return p.string()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	default:
		for _, lit := range [...]struct {
			text string
			v    any
		}{{"true", true}, {"false", false}, {"null", nil}} {
			if len(p.b)-p.i >= len(lit.text) && string(p.b[p.i:p.i+len(lit.text)]) == lit.text {
				p.i += len(lit.text)
				return lit.v, nil
			}
		}
		return nil, p.errorf("unexpected %q", c)
	}
}

func (p *fjParser) object(depth int) (*fjObject, error) {
	p.i++ // {
	o := &fjObject{}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return o, nil
	}
	for {
		k, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, p.errorf("want ':' after an object key")
		}
		p.i++
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		o.keys, o.vals = append(o.keys, k), append(o.vals, v)
		p.space()
		if p.i >= len(p.b) {
			return nil, p.errorf("unterminated object")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return o, nil
		default:
			return nil, p.errorf("want ',' or '}' in an object")
		}
	}
}

func (p *fjParser) array(depth int) ([]any, error) {
	p.i++ // [
	out := []any{}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return out, nil
	}
	for {
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.space()
		if p.i >= len(p.b) {
			return nil, p.errorf("unterminated array")
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return out, nil
		default:
			return nil, p.errorf("want ',' or ']' in an array")
		}
	}
}

func (p *fjParser) number() (json.Number, error) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' {
			p.i++
			continue
		}
		break
	}
	n := json.Number(p.b[start:p.i])
	if _, err := strconv.ParseFloat(string(n), 64); err != nil {
		return "", p.errorf("bad number %q", n)
	}
	return n, nil
}

func (p *fjParser) string() (string, error) {
	out, next, err := remoting.UnquoteJSON(p.b, p.i)
	if err != nil {
		return "", p.errorf("bad string")
	}
	p.i = next
	return string(out), nil
}
