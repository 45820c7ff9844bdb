package main

/*
#include <stdlib.h>
#include <string.h>
#include "capi.h"

// Returns a malloc'ed copy of n bytes plus a NUL, so that binary bodies keep
// their NUL bytes and strlen users still find an end.
static char *rmq_copy_nul(const char *p, size_t n) {
	char *s = (char *)malloc(n + 1);
	if (s == NULL) return NULL;
	if (n > 0) memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

// Never freed: what getters return for absent and empty fields, so that
// the common case costs no allocation.
static const char rmq_empty[1] = "";
static const char *rmq_empty_string(void) { return rmq_empty; }
*/
import "C"

import (
	"strings"
	"unsafe"
)

// Strings handed to C by getters.
//
// A getter's result must stay valid after it returns, as a pointer into the
// C++ object's std::string does, so each object keeps C copies of what its
// getters returned, made on first use and reused by later calls: a consumer
// callback that reads the same field twice, or a pull of 32 messages whose
// bodies are never read, costs no more than needed. A copy is freed when its
// field changes or the object is destroyed or released, matching when the
// C++ pointer would become invalid. Other fields' copies stay valid across a
// change, as they do in C++ (a std::map keeps other nodes in place).

// strSlot names the fixed fields a message object caches; properties
// (tags and keys among them) are cached by key.
type strSlot int

const (
	slotTopic strSlot = iota
	slotBody
	slotID
	slotStoreHost
	slotBornHost
	numSlots
)

// cstrCache holds an object's C strings. Its owner's mutex guards it.
type cstrCache struct {
	slots [numSlots]*C.char
	props map[string]*C.char
}

// emptyCString is returned for absent and empty values; never freed.
var emptyCString = (*C.cchar_t)(C.rmq_empty_string())

// slot returns the C copy of field s, making it from value on first use.
func (c *cstrCache) slot(s strSlot, value string) *C.cchar_t {
	if p := c.slots[s]; p != nil {
		return (*C.cchar_t)(p)
	}
	if value == "" {
		return emptyCString
	}
	p := newCString(value)
	c.slots[s] = p
	return (*C.cchar_t)(p)
}

// bytesSlot is slot for a []byte value (a body), copied with its NUL bytes.
func (c *cstrCache) bytesSlot(s strSlot, value []byte) *C.cchar_t {
	if p := c.slots[s]; p != nil {
		return (*C.cchar_t)(p)
	}
	if len(value) == 0 {
		return emptyCString
	}
	p := C.rmq_copy_nul((*C.char)(unsafe.Pointer(&value[0])), C.size_t(len(value)))
	if p == nil {
		panic("librocketmq: out of C memory")
	}
	c.slots[s] = p
	return (*C.cchar_t)(p)
}

// prop returns the C copy of property key, making it from props on first
// use. key may point into C memory: it is copied only when stored.
func (c *cstrCache) prop(key string, props map[string]string) *C.cchar_t {
	if p, ok := c.props[key]; ok {
		return (*C.cchar_t)(p)
	}
	value := props[key]
	if value == "" {
		return emptyCString
	}
	if c.props == nil {
		c.props = make(map[string]*C.char, 4)
	}
	p := newCString(value)
	c.props[strings.Clone(key)] = p
	return (*C.cchar_t)(p)
}

// dropSlot frees the copy of field s, after the field changed.
func (c *cstrCache) dropSlot(s strSlot) {
	if p := c.slots[s]; p != nil {
		C.free(unsafe.Pointer(p))
		c.slots[s] = nil
	}
}

// dropProp frees the copy of property key, after the property changed.
func (c *cstrCache) dropProp(key string) {
	if p, ok := c.props[key]; ok {
		C.free(unsafe.Pointer(p))
		delete(c.props, key)
	}
}

// free frees every copy; the cache may be used again afterwards.
func (c *cstrCache) free() {
	for s := range c.slots {
		c.dropSlot(strSlot(s))
	}
	for k, p := range c.props {
		C.free(unsafe.Pointer(p))
		delete(c.props, k)
	}
}

// newCString is C.CString without the intermediate Go allocation of a
// []byte, panicking (into guard) if C memory runs out.
func newCString(s string) *C.char {
	p := C.rmq_copy_nul((*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s)))
	if p == nil {
		panic("librocketmq: out of C memory")
	}
	return p
}

// cStringView returns the C string p as a Go string without copying. The
// result aliases C memory: use it only while p is valid and unchanged (for
// a map lookup, say), and clone it to keep it.
func cStringView(p *C.cchar_t) string {
	return unsafe.String((*byte)(unsafe.Pointer(p)), int(C.strlen((*C.char)(p))))
}

// goBytesN copies n bytes at p into a new Go byte slice; n may be 0 with a
// NULL p.
func goBytesN(p *C.cchar_t, n int) []byte {
	if n == 0 {
		return []byte{}
	}
	return C.GoBytes(unsafe.Pointer(p), C.int(n))
}
